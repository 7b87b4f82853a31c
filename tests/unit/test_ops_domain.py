"""The doctor's rules: readings in, findings out, with the fix and both languages."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from hearth.ops import domain as d
from hearth.ops.domain import Severity

MB = d.MB


def test_every_non_ok_finding_says_cause_works_and_fix_in_both_languages() -> None:
    findings = [
        d.judge_integrity("*** in database main *** page 3 never used"),
        d.judge_wal(2 * 1024 * MB),
        d.judge_disk(100 * MB, 10_000 * MB),
        d.judge_writer(None, 3),
        d.judge_writer(900, 0),
        d.judge_provider(
            {
                "name": "alipay",
                "state": "open",
                "health": 0.1,
                "last_error": "unavailable",
                "enabled": True,
            }
        ),
        d.judge_printer({"name": "Kitchen", "state": "offline", "last_error": "refused"}),
        d.judge_station("s1", "Wok", 42.0, has_printer=False),
        d.judge_subscriber("kitchen", 10, 9, "boom"),
        d.judge_sync(
            {
                "enrolled": True,
                "hq_reachable": False,
                "events_waiting": 5,
                "waiting_since_ms": 0,
                "alarms": [],
            },
            now_ms=60_000,
        ),
        d.judge_stuck_tickets({"Wok": [700.0]}, {"Wok": 600}),
        d.judge_unknown_payments([400.0]),
        d.judge_backup(None, 0),
        d.failed_check("printers", "no answer within 3 s"),
    ]
    for f in findings:
        assert f.severity is not Severity.OK, f
        for words in (f.cause, f.works, f.fix):
            assert words.zh and words.en, f
        assert d.Finding.from_json(json.loads(json.dumps(f.to_json()))) == f


def test_an_open_breaker_fails_and_names_the_provider() -> None:
    f = d.judge_provider(
        {"name": "wechat", "state": "open", "health": 0.2, "last_error": "timeout", "enabled": True}
    )
    assert f.severity is Severity.FAIL and f.check == "payments.wechat"
    assert "wechat" in f.cause.en and "wechat" in f.cause.zh and "timeout" in f.cause.en
    healthy = d.judge_provider(
        {"name": "wechat", "state": "closed", "health": 1.0, "enabled": True}
    )
    assert healthy.severity is Severity.OK


def test_backups_missing_old_unverified_or_failing_are_named() -> None:
    f = d.judge_backup(None, 1000, scheduled=False)
    assert f.severity is Severity.WARN and f.cause.en == "backups are not set up yet"
    assert d.judge_backup(None, 1000).cause.en == "no backup has been taken yet"
    assert d.judge_backup(1000, 1000 + 3600_000).severity is Severity.OK
    assert d.judge_backup(1000, 1000 + 30 * 3600_000).severity is Severity.WARN
    assert d.judge_backup(1000, 2000, verified=False).severity is Severity.FAIL
    failed = d.judge_backup(1000, 2000, error="disk full")
    assert failed.severity is Severity.FAIL and "disk full" in failed.cause.en


@given(st.integers(0, 4096 * MB), st.integers(1, 64 * MB), st.integers(1, 64 * MB))
def test_wal_severity_grows_with_the_log(wal: int, warn_extra: int, fail_extra: int) -> None:
    warn = 64 * MB + warn_extra
    fail = warn + fail_extra
    sev = d.judge_wal(wal, warn_bytes=warn, fail_bytes=fail).severity
    expected = Severity.OK if wal < warn else (Severity.WARN if wal < fail else Severity.FAIL)
    assert sev is expected
    if sev is not Severity.OK:
        assert d.judge_wal(wal).safe_fix in (None, "checkpoint-wal")


@given(st.lists(st.floats(0, 7200), max_size=20), st.floats(60, 3600))
def test_tickets_are_late_only_past_their_stations_red_time(ages: list[float], late: float) -> None:
    f = d.judge_stuck_tickets({"Wok": ages}, {"Wok": late})
    n = sum(1 for a in ages if a >= late)
    assert (f.severity is Severity.WARN) == bool(n)
    if n:
        assert f.facts["late"] == {"Wok": n}


@given(st.lists(st.sampled_from(list(Severity)), max_size=8))
def test_exit_code_is_the_worst_severity(sevs: list[Severity]) -> None:
    findings = [d.Finding("x", s, d.Words("a", "b")) for s in sevs]
    assert d.exit_code(findings) == max((d.RANK[s] for s in sevs), default=0)


@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.text(alphabet="abc ,:；", max_size=5),
    st.text(alphabet="xyz .", max_size=5),
)
def test_phone_numbers_keep_only_their_ends(phone: str, before: str, after: str) -> None:
    masked = d.mask_phones(f"{before}{phone}{after}")
    assert phone not in masked
    assert f"{phone[:3]}****{phone[-4:]}" in masked


def test_redact_hides_secrets_at_any_depth_and_keeps_the_rest() -> None:
    settings = {
        "store_id": "S1",
        "db_url": "postgresql://u:hunter2@db/x",
        "payments": {
            "alipay_private_key": "PEM...",
            "wechat_api_v3_key": "k" * 32,
            "tenders": ["cash"],
        },
        "hq_credential": "cred-xyz",
        "admin_password": "pw",
        "api_token": "tok",
        "note": "call 13812341234",
    }
    out = json.dumps(d.redact(settings))
    for secret in ("hunter2", "PEM...", "k" * 32, "cred-xyz", '"pw"', '"tok"', "13812341234"):
        assert secret not in out
    assert "S1" in out and "138****1234" in out and "cash" in out


def test_a_station_that_prints_and_never_had_a_screen_is_not_a_fault() -> None:
    printing = d.judge_station("s1", "Wok", 60.0, has_printer=True, ever_connected=False)
    expo = d.judge_station(
        "s2", "Pass", 60.0, has_printer=False, ever_connected=False, is_expo=True
    )
    assert printing.severity is Severity.OK and "prints its tickets" in printing.cause.en
    assert expo.severity is Severity.OK and "bump their own" in expo.cause.en


def test_a_screen_that_left_or_a_station_nobody_sees_is_a_fault() -> None:
    left = d.judge_station("s1", "Wok", 12.0, has_printer=True, ever_connected=True)
    unseen = d.judge_station("s2", "Cold", 60.0, has_printer=False, ever_connected=False)
    assert left.severity is Severity.WARN and "printer instead" in left.works.en
    assert unseen.severity is Severity.WARN and "does not see" in unseen.works.en
