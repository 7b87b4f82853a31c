"""A real store node wired to the emulator through the adapter factory: the merchant QR is paid
by the customer and the node learns it from the signed callback; turning Alipay off in the
emulator switches the till to WeChat Pay and says so."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.payments.emulator.codes import ALIPAY_CODE
from hearth.testing.payment_rig import PaymentRig

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaymentRig]:
    r = PaymentRig(
        Path(tmp_path_factory.mktemp("rig")), node_settings={"payment_settle_interval_ms": "60000"}
    ).start()
    yield r
    r.stop()


def pay(rig: PaymentRig, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    async def go() -> tuple[str, dict[str, Any]]:
        async with httpx.AsyncClient(timeout=30) as c:
            order_id, total = await rig.order(c, {"rice": 2})
            status, out = await rig.pay(c, order_id, body | {"amount": total})
            assert status == 200, out
            return order_id, out

    return asyncio.run(go())


@pytest.mark.parametrize("wallet", ["alipay", "wechat"])
def test_merchant_qr_is_settled_by_the_providers_callback(rig: PaymentRig, wallet: str) -> None:
    """The settler is slowed to a minute and the bill is read without polling the payment
    (which would query the provider), so only the callback can settle it in time."""
    order_id, out = pay(rig, {"tender": "wallet_qr", "wallet": wallet})
    assert out["status"] == "pending" and out["qr_content"]
    deadline = time.monotonic() + 10
    bill: dict[str, Any] = {}
    while time.monotonic() < deadline:
        time.sleep(0.1)
        bill = httpx.get(
            f"{rig.url}/api/orders/{order_id}/payments", headers=rig.auth("C01")
        ).json()
        if bill["status"] == "paid":
            break
    assert bill["status"] == "paid", bill
    assert [p["status"] for p in bill["payments"]] == ["succeeded"]
    assert rig.emulator is not None
    trade = next(t for t in rig.emulator.ledger()["trades"] if t["intent_id"] == out["id"])
    assert (trade["provider"], trade["status"], trade["bill"]) == (wallet, "succeeded", order_id)


def test_turning_alipay_off_switches_to_wechat(rig: PaymentRig) -> None:
    assert rig.emulator is not None
    rig.emulator.fault("alipay", "down", seconds=30)
    try:
        _, qr = pay(rig, {"tender": "wallet_qr"})
        _, scanned = pay(rig, {"tender": "wallet_scan", "auth_code": ALIPAY_CODE})
    finally:
        rig.emulator.clear_faults()
    # Our QR (any wallet scans it) moves to WeChat Pay by itself.
    assert (qr["status"], qr["provider"]) == ("pending", "wechat"), qr
    assert "WeChat" in qr["message_en"] and "微信" in qr["message_zh"]
    # A customer's Alipay code can only be paid through Alipay: the till says to switch.
    assert scanned["status"] == "failed" and scanned["fallback"]["tender"] == "wallet_qr"
    assert "show our QR" in scanned["fallback"]["reason_en"]
    assert not any(
        t["provider"] == "wechat" and t["method"] == "scan_code"
        for t in rig.emulator.ledger()["trades"]
    )
