"""Each adapter (real SDK) against the emulator: charge, query, refund, reverse, and what every
injected fault turns into. The emulator's own ledger is the witness for what was captured."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hearth.core.config import Settings
from hearth.payments.emulator import Emulator, codes
from hearth.payments.emulator.signing import generate_keys
from hearth.payments.providers.base import (
    ChargeRequest,
    FailureKind,
    Provider,
    ProviderError,
    ProviderStatus,
)
from hearth.payments.providers.factory import build_providers
from hearth.testing.ports import closed_port

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
# provider name -> (method for a customer-present charge, a payment code that pays)
SCAN = {
    "alipay": ("scan_code", codes.ALIPAY_CODE),
    "wechat": ("scan_code", codes.WECHAT_CODE),
    "card": ("card", None),
}
DECLINING_CODE = {
    "alipay": codes.ALIPAY_DECLINED,
    "wechat": codes.WECHAT_DECLINED,
    "card": "pm_card_chargeDeclined",
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator(qr_autopay_ms=150).start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def clean(emu: Emulator) -> None:
    emu.reset()


def providers(url: str, timeout_ms: int = 1500) -> dict[str, Provider]:
    s = Settings(payment_emulator_url=url, payment_call_timeout_ms=timeout_ms)
    return {p.name: p for p in build_providers(s)}


@pytest.fixture(scope="module")
def adapters(emu: Emulator) -> dict[str, Provider]:
    return providers(emu.url)


def a_charge(
    name: str, amount: int = 1234, bill: str | None = None, code: str | None = None
) -> ChargeRequest:
    method, default_code = SCAN[name]
    return ChargeRequest(
        f"pi-{uuid.uuid4().hex[:12]}",
        amount,
        "CNY",
        method,
        f"order {bill or uuid.uuid4().hex[:8]}",
        code or default_code,
    )


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


NAMES = ["alipay", "wechat", "card"]


@pytest.mark.parametrize("name", NAMES)
def test_charge_captures_once_and_query_agrees(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = a_charge(name, bill="b1")

    async def go() -> None:
        first = await p.charge(req)
        assert first.status is ProviderStatus.SUCCEEDED
        assert first.amount == 1234 and first.currency == "CNY" and first.provider_ref
        again = await p.charge(req)  # a retry with the same intent id
        assert again.status is ProviderStatus.SUCCEEDED
        assert again.provider_ref == first.provider_ref
        q = await p.query(req.intent_id)
        assert q.status is ProviderStatus.SUCCEEDED and q.amount == 1234
        assert (await p.query("pi-never-seen")).status is ProviderStatus.NOT_FOUND

    run(go())
    book = emu.ledger()
    assert book["bills"]["b1"]["captures_ever"] == 1
    assert book["bills"]["b1"]["kept"] == 1234
    assert book["entries"] == 1


@pytest.mark.parametrize("name", NAMES)
def test_refunds_partial_then_refuse_above_what_is_left(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = a_charge(name, bill="b2")

    async def go() -> None:
        assert (await p.charge(req)).status is ProviderStatus.SUCCEEDED
        r1 = await p.refund(req.intent_id, "rf-1", 234)
        assert r1.status is ProviderStatus.REFUNDED and r1.amount == 234
        again = await p.refund(req.intent_id, "rf-1", 234)  # replayed refund: nothing moves
        assert again.status is ProviderStatus.REFUNDED
        too_much = await p.refund(req.intent_id, "rf-2", 1001)
        assert too_much.status is ProviderStatus.FAILED

    run(go())
    assert emu.ledger()["bills"]["b2"]["kept"] == 1000


@pytest.mark.parametrize("name", NAMES)
def test_reverse_gives_everything_back(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = a_charge(name, bill="b3")

    async def go() -> None:
        assert (await p.charge(req)).status is ProviderStatus.SUCCEEDED
        assert (await p.reverse(req.intent_id, req.method)).status is ProviderStatus.REVERSED
        q = await p.query(req.intent_id)
        assert q.status in (ProviderStatus.REVERSED, ProviderStatus.REFUNDED)

    run(go())
    assert emu.ledger()["bills"]["b3"]["kept"] == 0


@pytest.mark.parametrize("name", ["alipay", "wechat"])
def test_reverse_before_the_charge_arrives_closes_the_number(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    """A charge whose request was still on its way when we reversed can never capture."""
    p = adapters[name]
    req = a_charge(name, bill="b4")

    async def go() -> None:
        assert (await p.reverse(req.intent_id, req.method)).status is ProviderStatus.REVERSED
        assert (await p.charge(req)).status is ProviderStatus.FAILED

    run(go())
    assert "b4" not in emu.ledger()["bills"]


@pytest.fixture
def pays_when_told(emu: Emulator) -> Iterator[None]:
    """The customer scans a merchant QR only when the test says so."""
    was = emu.state.qr_autopay_ms
    emu.state.qr_autopay_ms = 0
    yield
    emu.state.qr_autopay_ms = was


def a_qr(bill: str, amount: int = 880) -> ChargeRequest:
    return ChargeRequest(
        f"pi-{uuid.uuid4().hex[:12]}", amount, "CNY", "merchant_qr", f"order {bill}"
    )


def scan(emu: Emulator, provider: str, intent_id: str) -> str:
    r = httpx.post(
        f"{emu.url}/_emulator/scan", json={"provider": provider, "intent_id": intent_id}, timeout=5
    )
    r.raise_for_status()
    return str(r.json()["status"])


def test_wechat_unpaid_native_qr_is_closed_and_cannot_be_paid_after(
    emu: Emulator, adapters: dict[str, Provider], pays_when_told: None
) -> None:
    p = adapters["wechat"]
    req = a_qr("q1")

    async def go() -> None:
        assert (await p.charge(req)).status is ProviderStatus.PENDING
        closed = await p.reverse(req.intent_id, "merchant_qr")
        assert closed.status is ProviderStatus.REVERSED and "closed" in closed.message
        assert (await p.query(req.intent_id)).raw["trade_state"] == "CLOSED"
        again = await p.reverse(req.intent_id, "merchant_qr")  # idempotent
        assert again.status is ProviderStatus.REVERSED

    run(go())
    assert scan(emu, "wechat", req.intent_id) == "closed", "a late scan cannot pay it"
    assert emu.ledger()["bills"]["q1"]["captures_ever"] == 0


def test_wechat_paid_native_qr_is_refunded_in_full(
    emu: Emulator, adapters: dict[str, Provider], pays_when_told: None
) -> None:
    p = adapters["wechat"]
    req = a_qr("q2")

    async def go() -> None:
        assert (await p.charge(req)).status is ProviderStatus.PENDING
        assert scan(emu, "wechat", req.intent_id) == "succeeded"
        back = await p.reverse(req.intent_id)  # no method: the order's trade_type decides
        assert back.status is ProviderStatus.REVERSED and back.amount == 880
        again = await p.reverse(req.intent_id, "merchant_qr")  # the same refund, not a second
        assert again.status is ProviderStatus.REVERSED

    run(go())
    book = emu.ledger()
    assert book["bills"]["q2"] == {"kept": 0, "captures_kept": [], "captures_ever": 1}
    kinds = [(e.kind, e.amount) for e in emu.state.ledger.entries if e.intent_id == req.intent_id]
    assert kinds == [("charge", 880), ("refund", 880)]


def test_wechat_refuses_the_other_kind_of_cancel(
    emu: Emulator, adapters: dict[str, Provider], pays_when_told: None
) -> None:
    """Like the real platform: codepay reverse is refused for a native order and close for a
    payment-code order; the adapter reports the refusal with the platform's words."""
    p = adapters["wechat"]
    qr = a_qr("q3")
    code = a_charge("wechat", bill="q3")

    async def go() -> None:
        assert (await p.charge(qr)).status is ProviderStatus.PENDING
        assert (await p.charge(code)).status is ProviderStatus.SUCCEEDED
        refused = await p.reverse(qr.intent_id, "scan_code")
        assert refused.status is ProviderStatus.FAILED
        assert "INVALID_REQUEST" in refused.message and "关单" in refused.message
        refused = await p.reverse(code.intent_id, "merchant_qr")
        assert refused.status is ProviderStatus.FAILED and "撤销" in refused.message

    run(go())
    sdk = p.sdk()  # type: ignore[attr-defined]
    status, _ = sdk.codepay_reverse(out_trade_no=qr.intent_id)
    assert status == 400
    status, _ = sdk.close(out_trade_no=code.intent_id)
    assert status == 400
    trades = {t["intent_id"]: t["status"] for t in emu.ledger()["trades"]}
    assert (trades[qr.intent_id], trades[code.intent_id]) == ("pending", "succeeded")


@pytest.mark.parametrize("name", NAMES)
def test_declines_are_failed_and_capture_nothing(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]

    async def go() -> None:
        by_code = await p.charge(a_charge(name, bill="b5", code=DECLINING_CODE[name]))
        assert by_code.status is ProviderStatus.FAILED and by_code.message
        emu.fault(name, "decline")
        by_fault = await p.charge(a_charge(name, bill="b5"))
        assert by_fault.status is ProviderStatus.FAILED

    run(go())
    assert emu.ledger()["bills"]["b5"]["captures_ever"] == 0


@pytest.mark.parametrize(("name", "other"), [("alipay", "wechat"), ("wechat", "alipay")])
def test_a_wallet_refuses_the_other_wallets_code(
    name: str, other: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]

    async def go() -> None:
        refused = await p.charge(a_charge(name, bill="b10", code=SCAN[other][1]))
        assert refused.status is ProviderStatus.FAILED
        assert "付款码" in refused.message

    run(go())
    assert "b10" not in emu.ledger()["bills"], "nothing was opened, nothing captured"


@pytest.mark.parametrize("name", ["alipay", "wechat"])
def test_a_code_needing_the_password_waits_then_pays(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = a_charge(
        name, bill="b11", code=codes.ALIPAY_PASSWORD if name == "alipay" else codes.WECHAT_PASSWORD
    )

    async def go() -> None:
        assert (await p.charge(req)).status is ProviderStatus.PENDING
        for _ in range(50):
            await asyncio.sleep(0.05)
            if (await p.query(req.intent_id)).status is ProviderStatus.SUCCEEDED:
                return
        raise AssertionError("the customer never confirmed")

    run(go())


@pytest.mark.parametrize("name", NAMES)
def test_lost_answer_is_unknown_and_query_finds_the_capture(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = a_charge(name, bill="b6")
    emu.fault(name, "lost_answer")

    async def go() -> None:
        lost = await p.charge(req)
        assert lost.status is ProviderStatus.UNKNOWN
        emu.clear_faults()
        q = await p.query(req.intent_id)
        assert q.status is ProviderStatus.SUCCEEDED and q.amount == req.amount

    run(go())
    assert emu.ledger()["bills"]["b6"]["captures_ever"] == 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["error_5xx", "down"])
def test_outages_are_unavailable_and_process_nothing(
    name: str, mode: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = a_charge(name, bill="b7")
    emu.fault(name, mode, seconds=30)

    async def go() -> None:
        with pytest.raises(ProviderError) as exc:
            await p.charge(req)
        assert exc.value.kind is FailureKind.UNAVAILABLE
        with pytest.raises(ProviderError):
            await p.query(req.intent_id)

    run(go())
    assert "b7" not in emu.ledger()["bills"]


@pytest.mark.parametrize("name", NAMES)
def test_timeout_is_unknown_and_nothing_was_processed(name: str, emu: Emulator) -> None:
    p = providers(emu.url, timeout_ms=0)[name]  # 0.5 s socket timeout
    req = a_charge(name, bill="b8")
    emu.fault(name, "timeout", delay_ms=1500, ops=["charge"])

    assert p.timeout_s == 0.5  # type: ignore[attr-defined]

    async def go() -> None:
        out = await p.charge(req)
        # Our own socket timeout gave up first (the emulator holds the call 1.5 s, then cuts
        # it, which would read as a lost answer instead): unknown, to be queried.
        assert out.status is ProviderStatus.UNKNOWN
        assert "no answer in time" in out.message, out.message
        assert (await p.query(req.intent_id)).status is ProviderStatus.NOT_FOUND

    run(go())
    assert emu.ledger()["faults_applied"] == {f"{name}:timeout": 1}


@pytest.mark.parametrize("name", NAMES)
def test_slow_answers_still_succeed(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    emu.fault(name, "slow", delay_ms=250)

    async def go() -> None:
        assert (await p.charge(a_charge(name))).status is ProviderStatus.SUCCEEDED

    run(go())
    assert emu.ledger()["faults_applied"] == {f"{name}:slow": 1}, "the answer was held"


@pytest.mark.parametrize("name", ["alipay", "wechat"])
def test_merchant_qr_is_pending_until_the_customer_pays(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = ChargeRequest(f"pi-{uuid.uuid4().hex[:12]}", 880, "CNY", "merchant_qr", "order b9")

    async def go() -> None:
        out = await p.charge(req)
        assert out.status is ProviderStatus.PENDING and out.qr_content
        assert (await p.query(req.intent_id)).status is ProviderStatus.PENDING
        for _ in range(50):
            await asyncio.sleep(0.05)
            if (await p.query(req.intent_id)).status is ProviderStatus.SUCCEEDED:
                return
        raise AssertionError("the QR payment never settled")

    run(go())


@pytest.mark.parametrize("name", NAMES)
def test_statement_lists_charges_and_refunds(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    since = int(time.time() * 1000) - 1
    req = a_charge(name)

    async def go() -> None:
        await p.charge(req)
        await p.refund(req.intent_id, "rf-s", 100)
        entries = await p.statement(since, since + 60_000)
        kinds = sorted((e.kind, e.amount) for e in entries if e.intent_id == req.intent_id)
        assert kinds == [("charge", 1234), ("refund", 100)]
        assert await p.statement(0, since) == []

    run(go())


@pytest.mark.parametrize("name", NAMES)
def test_a_provider_nobody_listens_for_is_unavailable(name: str) -> None:
    keys: dict[str, Any] = {
        f"payment_{k}": v
        for k, v in generate_keys().to_dict().items()
        if f"payment_{k}" in Settings.model_fields
    }
    # Held, not listening, for the whole test: refused, and no other server can be given it.
    with closed_port() as port:
        settings = Settings(payment_emulator_url=f"http://127.0.0.1:{port}", **keys)
        p = {x.name: x for x in build_providers(settings)}[name]

        async def go() -> None:
            with pytest.raises(ProviderError) as exc:
                await p.charge(a_charge(name))
            assert exc.value.kind is FailureKind.UNAVAILABLE

        run(go())
