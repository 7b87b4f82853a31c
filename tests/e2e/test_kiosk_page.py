"""The self-service kiosk in a real browser against a real store node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.bootstrap import build_node
from hearth.payments.emulator import Emulator
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from hearth.testing.waiting import wait_until
from tests.e2e.conftest import LiveStore, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def staff_headers(store: LiveStore, code: str) -> dict[str, str]:
    r = httpx.post(
        f"{store.base_url}/api/auth/pin",
        json={"staff_code": code, "pin": store.ids.pins[code]},
        headers={"X-Terminal-Key": store.ids.terminal_key},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def register_kiosk(store: LiveStore) -> str:
    r = httpx.post(
        f"{store.base_url}/api/terminals",
        json={"name": "Kiosk 1", "kind": "kiosk"},
        headers={**staff_headers(store, "M01"), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201, r.text
    key: str = r.json()["key"]
    return key


def choose_dishes(page: Any) -> None:
    page.click("#start")
    page.click(".k-item[data-name='Kung Pao Chicken']")
    page.click("#item-form .chip:has-text('Mild')")
    page.click("#dlg-add")
    page.click(".k-cats button:has-text('Drinks')")
    page.click(".k-item[data-name='Cola']")
    assert page.is_disabled("#dlg-add"), "a size must be chosen first"
    page.click("#item-form .chip:has-text('Large')")
    page.click("#dlg-plus")
    page.click("#dlg-add")
    page.wait_for_function("document.querySelectorAll('#k-lines .cart-line').length === 2")
    assert page.inner_text("#k-sum") == "¥54.00"  # 38 + 2 x 8


def orders(store: LiveStore) -> list[dict[str, Any]]:
    r = httpx.get(f"{store.base_url}/api/orders", headers=staff_headers(store, "C01"))
    result: list[dict[str, Any]] = r.json()
    return result


def order_lines(store: LiveStore, order_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{store.base_url}/api/orders/{order_id}", headers=staff_headers(store, "C01"))
    lines: list[dict[str, Any]] = r.json()["lines"]
    return lines


def test_the_kiosk_takes_an_order_to_pay_at_the_counter(browser: Any, live_store: LiveStore):
    key = register_kiosk(live_store)
    page = browser.new_page(viewport=TABLET, has_touch=True)
    page.goto(f"{live_store.base_url}/kiosk?lang=en&key={key}")
    page.wait_for_selector("#k-welcome:not(.hidden)")
    assert "key=" not in page.url, "the key is kept on the device, not left in the address"
    screenshot(page, "kiosk-welcome-tablet")
    choose_dishes(page)
    screenshot(page, "kiosk-menu-tablet")
    page.click("#checkout")
    page.wait_for_selector("#k-review:not(.hidden)")
    screenshot(page, "kiosk-review-tablet")
    page.click("#pay-counter")
    page.wait_for_selector("#k-done:not(.hidden)")
    number = page.inner_text("#k-number")
    assert page.get_attribute("#k-done", "data-how") == "counter"
    screenshot(page, "kiosk-number-tablet")

    placed = orders(live_store)
    assert len(placed) == 1
    assert placed[0]["channel"] == "takeaway" and str(placed[0]["number"]) == number
    assert placed[0]["status"] == "open", "nothing is cooked before it is paid"
    assert {ln["state"] for ln in order_lines(live_store, placed[0]["id"])} == {"pending"}

    page.click("#done")
    page.wait_for_selector("#k-welcome:not(.hidden)")
    page.click("#start")
    assert page.inner_text("#k-sum") == "¥0.00", "the next guest starts with an empty cart"
    page.close()


def test_an_idle_kiosk_starts_over(browser: Any, live_store: LiveStore):
    key = register_kiosk(live_store)
    page = browser.new_page(viewport=PHONE, has_touch=True)
    # 60 s in the shop; 2 s here so the test stays quick.
    page.goto(f"{live_store.base_url}/kiosk?lang=zh&idle=2&key={key}")
    page.click("#start")
    page.click(".k-item[data-name='Steamed Rice']")
    page.click("#dlg-add")
    page.wait_for_selector("#k-lines .cart-line")
    screenshot(page, "kiosk-menu-phone")
    page.wait_for_selector("#k-welcome:not(.hidden)", timeout=6000)
    page.click("#start")
    assert page.query_selector("#k-lines .cart-line") is None
    assert orders(live_store) == [], "an abandoned cart places nothing"
    page.close()


def test_an_unregistered_kiosk_asks_for_its_key(browser: Any, live_store: LiveStore):
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{live_store.base_url}/kiosk?lang=en&key=not-a-key")
    page.wait_for_selector("#k-setup:not(.hidden)")
    page.wait_for_selector(".toast.error")
    assert "not registered" in page.inner_text(".toast.error")
    page.fill("#kiosk-key", register_kiosk(live_store))
    page.click("#setup-form button")
    page.wait_for_selector("#k-welcome:not(.hidden)")
    page.close()


@contextmanager
def wallet_store(tmp_path: Path, **env: str) -> Iterator[tuple[LiveStore, Emulator]]:
    """A store node whose Alipay/WeChat adapters talk to the local provider emulator, where
    the customer's phone only pays when the test says so."""
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    emulator = Emulator(qr_autopay_ms=0).start()
    proc = NodeProcess(db_url, log=tmp_path / "node.log")
    callbacks = f"{proc.base_url}/api/payments/callbacks/{{provider}}"
    proc.env = emulator.settings_env() | {"HEARTH_PAYMENT_NOTIFY_URL_TEMPLATE": callbacks} | env
    proc.start()
    try:
        yield LiveStore(proc.base_url, ids, proc), emulator
    finally:
        proc.stop()
        emulator.stop()


@pytest.fixture
def store_with_wallets(tmp_path: Path) -> Iterator[tuple[LiveStore, Emulator]]:
    with wallet_store(tmp_path) as pair:
        yield pair


def test_the_kiosk_is_paid_by_wallet_qr_and_shows_the_number(browser: Any, store_with_wallets: Any):
    store, emulator = store_with_wallets
    key = register_kiosk(store)
    page = browser.new_page(viewport=TABLET, has_touch=True)
    page.goto(f"{store.base_url}/kiosk?lang=en&key={key}")
    choose_dishes(page)
    page.click("#checkout")
    page.click("#pay-alipay")
    page.wait_for_selector("#k-pay:not(.hidden)")
    assert page.inner_text("#k-due") == "¥54.00"
    src = page.get_attribute("#k-qr", "src") or ""
    assert src.startswith("data:image/svg+xml;base64,"), "the QR is drawn by the store node"
    payment_id = page.get_attribute("#k-pay", "data-payment-id")
    assert payment_id and page.get_attribute("#k-pay", "data-qr")
    screenshot(page, "kiosk-pay-qr-tablet")
    page.wait_for_timeout(2000)
    assert page.is_visible("#k-pay"), "nothing is paid until the customer scans"

    # The customer scans the QR with their phone and confirms.
    r = httpx.post(
        f"{emulator.url}/_emulator/scan",
        json={"provider": "alipay", "intent_id": payment_id, "outcome": "pay"},
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#k-done:not(.hidden)", timeout=15000)
    assert page.get_attribute("#k-done", "data-how") == "paid"
    assert "Paid" in page.inner_text("#k-done-text")
    screenshot(page, "kiosk-paid-tablet")
    placed = orders(store)
    assert [o["status"] for o in placed] == ["paid"]
    assert {ln["state"] for ln in order_lines(store, placed[0]["id"])} == {"sent"}, (
        "paid, so sent to the kitchen"
    )
    # Alipay's notification reached the node and was acknowledged the way Alipay wants it
    # (the plain text `success`), so a real Alipay would not keep sending it.
    wait_until(lambda: emulator.state.callbacks_sent >= 1, what="Alipay's notification")
    assert emulator.state.callbacks_failed == 0
    assert page.inner_text("#k-number") == str(placed[0]["number"])
    page.close()
