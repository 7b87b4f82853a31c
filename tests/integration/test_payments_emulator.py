"""Wallets and cards end to end: the real adapters against the provider emulator's HTTP server,
its faults and its own ledger (which, not the store, says what was charged)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from hearth.bootstrap import create_app
from hearth.payments.emulator import Emulator
from hearth.payments.emulator.codes import ALIPAY_CODE, WECHAT_CODE
from hearth.payments.providers.base import ChargeRequest
from hearth.payments.providers.factory import build_providers
from hearth.payments.runtime import payments_of
from hearth.testing.builders import a_small_restaurant
from tests.integration.test_payments_failover import _pending_intent
from tests.integration.test_payments_fixtures import Till, make_node

MANAGER = {"staff_code": "M01", "pin": "246813"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator(qr_autopay_ms=200).start()
    yield emu
    emu.stop()


def _node(tmp_path: Any, emu: Emulator) -> Any:
    return make_node(
        tmp_path, payment_emulator_url=emu.url, payment_call_timeout_ms=900, payment_budget_ms=2800
    )


@pytest.fixture
def shop(tmp_path: Any, emulator: Emulator) -> Iterator[Till]:
    emulator.reset()
    node = _node(tmp_path, emulator)
    ids = a_small_restaurant(node)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        yield Till(client, ids, node, {}, {})
    node.close()


def scan(emu: Emulator, provider: str, intent_id: str) -> str:
    """The customer scans a merchant QR and pays."""
    r = httpx.post(
        f"{emu.url}/_emulator/scan", json={"provider": provider, "intent_id": intent_id}, timeout=5
    )
    r.raise_for_status()
    return str(r.json()["status"])


def kept(emu: Emulator, provider: str | None = None) -> int:
    trades = emu.state.ledger.snapshot()["trades"]
    return sum(
        t["amount"] - t["refunded"]
        for t in trades
        if t["status"] == "succeeded" and provider in (None, t["provider"])
    )


def test_the_router_lists_the_emulated_providers(shop: Till) -> None:
    shown = shop.get("/api/payments/providers").json()
    assert [(p["name"], p["state"]) for p in shown] == [
        ("alipay", "closed"),
        ("wechat", "closed"),
        ("card", "closed"),
    ]
    assert shown[2]["tenders"] == ["card"]


def test_wallet_scan_is_captured_once(shop: Till, emulator: Emulator) -> None:
    order = shop.order("gbjd")
    p = shop.pay(order["id"], tender="wallet_scan", amount=3800, auth_code=ALIPAY_CODE).json()
    assert (p["status"], p["provider"]) == ("succeeded", "alipay"), p
    assert shop.bill(order["id"])["status"] == "paid"
    assert kept(emulator) == 3800


def test_alipay_down_switches_to_wechat_at_once(shop: Till, emulator: Emulator) -> None:
    emulator.fault("alipay", "down", seconds=30)
    order = shop.order("gbjd")
    p = shop.pay(order["id"], tender="wallet_qr", amount=3800).json()
    assert (p["status"], p["provider"]) == ("pending", "wechat"), p
    # Alipay refused once (503 at once, nothing processed) and the backup took it.
    assert emulator.ledger()["faults_applied"] == {"alipay:down": 1}
    assert [(x["provider"], x["status"]) for x in shop.bill(order["id"])["payments"]] == [
        ("alipay", "failed"),
        ("wechat", "pending"),
    ]
    assert "switched" in p["message_en"] and p["qr_content"].startswith("weixin://")
    shop.wait_for(p["id"], "succeeded")  # the customer scans it with either wallet
    assert (kept(emulator, "alipay"), kept(emulator, "wechat")) == (0, 3800)


def test_a_wechat_code_goes_to_wechat_and_an_alipay_code_never_does(
    shop: Till, emulator: Emulator
) -> None:
    order = shop.order("gbjd")
    p = shop.pay(order["id"], tender="wallet_scan", amount=3800, auth_code=WECHAT_CODE).json()
    assert (p["status"], p["provider"], p["wallet"]) == ("succeeded", "wechat", "wechat"), p
    emulator.fault("alipay", "down", seconds=30)
    order = shop.order("gbjd")
    p = shop.pay(order["id"], tender="wallet_scan", amount=3800, auth_code=ALIPAY_CODE).json()
    assert (p["status"], p["provider"]) == ("failed", "alipay"), p
    assert (p["fallback"]["tender"], p["fallback"]["provider"]) == ("wallet_qr", "wechat")
    assert "show our QR" in p["fallback"]["reason_en"]
    wechat_scans = [
        t
        for t in emulator.state.ledger.snapshot()["trades"]
        if t["provider"] == "wechat" and t["method"] == "scan_code"
    ]
    assert len(wechat_scans) == 1, "only the WeChat code ever reached WeChat Pay"


def test_a_lost_answer_switches_to_the_backup_and_never_keeps_two(
    shop: Till, emulator: Emulator
) -> None:
    emulator.state.qr_autopay_ms = 0  # customers scan when the test says
    emulator.fault("alipay", "lost_answer")
    try:
        order = shop.order("gbjd")
        p = shop.pay(order["id"], tender="wallet_qr", amount=3800).json()
        assert (p["status"], p["provider"]) == ("pending", "wechat"), p
        # One Alipay call, its answer lost: counted against Alipay, then the backup.
        assert emulator.ledger()["faults_applied"] == {"alipay:lost_answer": 1}
        router = payments_of(shop.node).routing
        assert router.routes["alipay"].last_error == "unknown"
        emulator.clear_faults()
        first = shop.bill(order["id"])["payments"][0]
        assert first["provider"] == "alipay" and first["status"] == "unknown"
        # The customer pays the QR on the till; then the lost Alipay QR is paid as well.
        assert scan(emulator, "wechat", p["id"]) == "succeeded"
        shop.wait_for(p["id"], "succeeded")
        assert scan(emulator, "alipay", first["id"]) == "succeeded"
        shop.wait_for(first["id"], "reversed", seconds=10)
        assert kept(emulator) == 3800, "the late Alipay capture was given back"
    finally:
        emulator.state.qr_autopay_ms = 200


def test_card_partial_refund(shop: Till, emulator: Emulator) -> None:
    order = shop.order("gbjd")
    p = shop.pay(order["id"], tender="card", amount=3800, tip=200).json()
    assert p["status"] == "succeeded", p
    r = shop.post(
        f"/api/payments/{p['id']}/refund", {"amount": 1000, "reason": "cold", "approval": MANAGER}
    ).json()
    assert r["refund"]["status"] == "succeeded", r
    assert kept(emulator) == 3000


def test_merchant_qr_is_settled_when_the_customer_pays(shop: Till) -> None:
    order = shop.order("rice")
    p = shop.pay(order["id"], tender="wallet_qr", amount=300, wallet="wechat").json()
    assert p["status"] == "pending" and p["qr_content"], p
    shop.wait_for(p["id"], "succeeded")
    assert shop.bill(order["id"])["status"] == "paid"


def test_an_unscanned_wechat_qr_is_closed_at_wechat_when_cancelled(
    shop: Till, emulator: Emulator
) -> None:
    emulator.state.qr_autopay_ms = 0  # the customer walks away without scanning
    try:
        order = shop.order("rice")
        p = shop.pay(order["id"], tender="wallet_qr", amount=300, wallet="wechat").json()
        assert (p["status"], p["provider"]) == ("pending", "wechat"), p
        c = shop.post(f"/api/payments/{p['id']}/cancel", {})
        assert c.status_code == 200 and c.json()["status"] == "reversed", c.text
        assert emulator.state.ledger.get("wechat", p["id"]).status == "closed"  # type: ignore[union-attr]
        assert shop.pay(order["id"], tender="cash", amount=300).json()["status"] == "succeeded"
    finally:
        emulator.state.qr_autopay_ms = 200


def test_reconciliation_against_the_emulator_statement(shop: Till, emulator: Emulator) -> None:
    order = shop.order("gbjd", "rice")
    shop.pay(order["id"], tender="wallet_scan", amount=3800, auth_code=ALIPAY_CODE)
    shop.pay(order["id"], tender="card", amount=300)
    since = int(time.time() * 1000) - 60_000
    r = shop.post(
        "/api/payments/reconcile", {"since_ms": since, "until_ms": since + 120_000}, who="M01"
    ).json()
    assert r["differences"] == 0, r


def test_crash_after_charge_is_settled_from_the_emulator_without_a_second_charge(
    tmp_path: Any, emulator: Emulator
) -> None:
    emulator.reset()
    node = _node(tmp_path, emulator)
    ids = a_small_restaurant(node)
    order_id, pid = _pending_intent(node, ids)
    alipay = next(p for p in build_providers(node.settings) if p.name == "alipay")
    # The charge went out and captured; the node died before recording the answer.
    asyncio.run(
        alipay.charge(
            ChargeRequest(
                pid, 300, "CNY", "scan_code", description=f"order {order_id}", auth_code=ALIPAY_CODE
            )
        )
    )
    time.sleep(0.5)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        till = Till(client, ids, node, {}, {})
        till.wait_for(pid, "succeeded", seconds=10)
        assert till.bill(order_id)["status"] == "paid"
    trades = [t for t in emulator.state.ledger.snapshot()["trades"] if t["intent_id"] == pid]
    assert len(trades) == 1 and trades[0]["charge_requests"] == 1
    node.close()


def test_offline_wallet_scan_is_forwarded_with_its_code_when_the_line_is_back(
    shop: Till, emulator: Emulator
) -> None:
    shop.node.settings.payment_breaker_cooldown_ms = 300
    for route in payments_of(shop.node).routing.routes.values():
        route.breaker.cooldown_ms = 300
    assert (
        shop.post(
            "/api/payments/providers/card", {"tenders": ["card"], "enabled": False}, who="M01"
        ).status_code
        == 200
    )  # a store that takes wallets only
    emulator.fault("*", "down", seconds=30)
    order = shop.order("gbjd")
    # The line is down: our QR fails on both wallets; only then is a code taken on trust.
    qr = shop.pay(order["id"], tender="wallet_qr", amount=3800).json()
    assert qr["status"] == "failed" and qr["fallback"]["tender"] == "cash", qr
    p = shop.pay(order["id"], tender="wallet_scan", amount=3800, auth_code=ALIPAY_CODE).json()
    assert (p["status"], p["offline"], p["forward_state"]) == ("succeeded", True, "queued"), p
    assert "offline" in p["message_en"]
    emulator.clear_faults()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if shop.get(f"/api/payments/{p['id']}").json()["forward_state"] == "forwarded":
            break
        time.sleep(0.2)
    assert shop.get(f"/api/payments/{p['id']}").json()["forward_state"] == "forwarded"
    assert kept(emulator) == 3800
