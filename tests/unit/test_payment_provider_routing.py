"""Provider order, health and circuit breakers, driven by a fake clock."""

from __future__ import annotations

from hearth.payments.provider_routing import BreakerState, ProviderRouter, counts_against
from hearth.payments.providers.base import FailureKind


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def a_router() -> tuple[ProviderRouter, FakeClock]:
    clock = FakeClock()
    r = ProviderRouter(clock)
    r.configure(
        "alipay", ["wallet_scan", "wallet_qr"], 10, True, failures_to_open=3, cooldown_ms=10_000
    )
    r.configure(
        "wechat", ["wallet_scan", "wallet_qr"], 20, True, failures_to_open=3, cooldown_ms=10_000
    )
    r.configure("card", ["card"], 30, True)
    return r, clock


def test_candidates_by_priority_with_the_wallet_asked_for_first():
    r, _ = a_router()
    assert [x.name for x in r.candidates("wallet_scan")] == ["alipay", "wechat"]
    assert [x.name for x in r.candidates("wallet_scan", prefer="wechat")] == ["wechat", "alipay"]
    assert [x.name for x in r.candidates("card")] == ["card"]
    r.configure("alipay", ["wallet_scan"], 10, False)
    assert [x.name for x in r.candidates("wallet_scan")] == ["wechat"]


def test_breaker_opens_after_repeated_outages_then_half_opens_for_one_trial():
    r, clock = a_router()
    for _ in range(2):
        assert r.allow("alipay")
        r.record("alipay", ok=False, error="timeout")
    assert r.state("alipay") is BreakerState.CLOSED
    r.record("alipay", ok=False, error="timeout")
    assert r.state("alipay") is BreakerState.OPEN and not r.allow("alipay")
    clock.now = 9_999
    assert not r.allow("alipay")
    clock.now = 10_000
    assert r.state("alipay") is BreakerState.HALF_OPEN
    assert r.allow("alipay")
    assert not r.allow("alipay"), "only one trial call while half-open"
    r.record("alipay", ok=False, error="timeout")
    assert r.state("alipay") is BreakerState.OPEN
    clock.now = 20_000
    assert r.allow("alipay")
    r.record("alipay", ok=True)
    assert r.state("alipay") is BreakerState.CLOSED and r.allow("alipay")


def test_a_success_resets_the_count():
    r, _ = a_router()
    r.record("alipay", ok=False)
    r.record("alipay", ok=False)
    r.record("alipay", ok=True)
    r.record("alipay", ok=False)
    r.record("alipay", ok=False)
    assert r.state("alipay") is BreakerState.CLOSED


def test_health_is_an_ewma_of_outcomes_and_visible():
    r, _ = a_router()
    r.record("wechat", ok=False, error="unavailable: 503")
    shown = {p["name"]: p for p in r.to_json()}
    assert shown["wechat"]["health"] == 0.8 and shown["wechat"]["last_error"] == (
        "unavailable: 503"
    )
    assert shown["alipay"]["health"] == 1.0 and shown["alipay"]["state"] == "closed"
    for _ in range(20):
        r.record("wechat", ok=True)
    assert {p["name"]: p for p in r.to_json()}["wechat"]["health"] > 0.98


def test_declines_do_not_count_against_a_provider():
    assert not counts_against(FailureKind.DECLINED)
    assert not counts_against(FailureKind.INVALID)
    assert counts_against(FailureKind.TIMEOUT) and counts_against(FailureKind.UNAVAILABLE)


def test_a_provider_is_presumed_up_until_a_call_fails_and_again_once_one_answers():
    r, clock = a_router()
    assert r.presumed_up("wechat")
    r.record("wechat", ok=False, error="timeout")
    assert not r.presumed_up("wechat"), "one failed call is enough to doubt it"
    r.record("wechat", ok=True)
    assert r.presumed_up("wechat")
    for _ in range(3):
        r.record("wechat", ok=False, error="down")
    clock.now += 60_000  # half-open after the cool-down: a trial, not presumed up
    assert not r.presumed_up("wechat")
    r.configure("card", ["card"], 30, False)
    assert not r.presumed_up("card") and not r.presumed_up("nope")


def test_admits_says_what_allow_would_without_claiming_the_half_open_trial():
    r, clock = a_router()
    for _ in range(3):
        r.record("alipay", ok=False, error="timeout")
    assert not r.admits("alipay") and not r.allow("alipay")
    clock.now = 10_000
    assert r.admits("alipay") and r.admits("alipay"), "asking twice claims nothing"
    assert r.allow("alipay")  # the one trial call
    assert not r.admits("alipay") and not r.allow("alipay")
