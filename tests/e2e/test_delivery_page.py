"""The delivery manager page in a real browser: a platform order arrives signed as the platform
sends it, the manager accepts it on /delivery, and an order held after an outage is released."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from hearth.channels.delivery.domain import Platform
from hearth.channels.delivery.emulator import Line, PlatformClient, demo_credentials
from tests.e2e.conftest import LiveStore, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def manager(store: LiveStore) -> dict[str, str]:
    r = httpx.post(
        f"{store.base_url}/api/auth/pin",
        json={"staff_code": "M01", "pin": store.ids.pins["M01"]},
        headers={"X-Terminal-Key": store.ids.terminal_key},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def map_skus(store: LiveStore) -> None:
    for sku, item, spec in (
        ("mt-gbjd", "gbjd", None),
        ("mt-rice", "rice", None),
        ("mt-cola-l", "cola", store.ids.specs["large"]),
    ):
        body: dict[str, Any] = {"item_id": store.ids.items[item], "spec_id": spec}
        if item == "gbjd":
            body["modifier_option_ids"] = [store.ids.options["Mild"]]
        r = httpx.put(
            f"{store.base_url}/api/delivery/mappings/meituan/{sku}",
            json=body,
            headers={**manager(store), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 200, r.text


def sign_in(page: Any, store: LiveStore, lang: str) -> None:
    page.goto(f"{store.base_url}/delivery?lang={lang}&key={store.ids.terminal_key}")
    page.fill("#staff-code", "M01")
    page.fill("#pin", store.ids.pins["M01"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#board:not(.hidden)")


def our_status(store: LiveStore, order_id: str) -> str:
    r = httpx.get(f"{store.base_url}/api/orders/{order_id}", headers=manager(store))
    assert r.status_code == 200, r.text
    return str(r.json()["status"])


def test_a_platform_order_is_accepted_and_a_held_one_released(browser: Any, live_store: LiveStore):
    map_skus(live_store)
    platform = PlatformClient(
        Platform.MEITUAN, live_store.base_url, demo_credentials(Platform.MEITUAN)
    )
    page = browser.new_page(viewport=TABLET)
    sign_in(page, live_store, "en")

    # A fresh order waits for someone to accept it, with its lines and the time left.
    r = platform.send_order(
        [Line("mt-gbjd", 1, 3800, "宫保鸡丁"), Line("mt-rice", 2, 300), Line("mt-cola-l", 1, 800)],
        order_id="MT1001",
    )
    assert r.status_code == 200, r.text
    fresh = r.json()["order"]
    card = "#pending .dl-card[data-platform-order='MT1001']"
    page.wait_for_selector(card)
    text = page.inner_text(card)
    assert "Kung Pao Chicken ×1" in text and "Steamed Rice ×2" in text and "Cola ×1" in text
    assert "¥52.00" in text and "left" in text

    # One held after an outage: it arrived 45 minutes after the customer ordered.
    late = int(time.time()) - 45 * 60
    r = platform.send_order([Line("mt-rice", 1, 300)], order_id="MT0999", created_at_s=late)
    assert r.status_code == 200, r.text
    held = r.json()["order"]
    assert held["state"] == "held"
    held_card = "#held .dl-card[data-platform-order='MT0999']"
    page.wait_for_selector(held_card)
    screenshot(page, "delivery-tablet")

    # Accepted: it goes to the kitchen and leaves the waiting list.
    page.click(f"{card} button.primary")
    page.wait_for_selector("#recent .dl-card[data-platform-order='MT1001'][data-state=accepted]")
    assert page.locator(card).count() == 0
    assert our_status(live_store, fresh["order_id"]) == "submitted"
    assert our_status(live_store, held["order_id"]) == "open", "held: not cooked until released"

    # The manager, now on a phone, releases the held order to the kitchen.
    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, live_store, "zh")
    phone.wait_for_selector(held_card)
    assert "放单到厨房" in phone.inner_text(held_card)
    screenshot(phone, "delivery-phone")
    phone.click(f"{held_card} button.primary")
    phone.wait_for_selector("#recent .dl-card[data-platform-order='MT0999'][data-state=accepted]")
    assert phone.locator(held_card).count() == 0
    assert our_status(live_store, held["order_id"]) == "submitted"
    phone.close()
    page.close()


def test_a_cashier_cannot_release_a_held_order_and_is_told_why(browser: Any, live_store: LiveStore):
    map_skus(live_store)
    platform = PlatformClient(
        Platform.MEITUAN, live_store.base_url, demo_credentials(Platform.MEITUAN)
    )
    late = int(time.time()) - 45 * 60
    r = platform.send_order([Line("mt-rice", 1, 300)], order_id="MT0777", created_at_s=late)
    assert r.status_code == 200, r.text
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{live_store.base_url}/delivery?lang=en&key={live_store.ids.terminal_key}")
    page.fill("#staff-code", "C01")
    page.fill("#pin", live_store.ids.pins["C01"])
    page.click("#login-form button[type=submit]")
    held_card = "#held .dl-card[data-platform-order='MT0777']"
    page.wait_for_selector(held_card)
    page.click(f"{held_card} button.primary")
    page.wait_for_selector(".toast.error")
    assert page.locator(held_card).count() == 1, "still held: nothing changed"
    page.close()
