"""An HQ owner signs in, creates a store and gets its code once, the store joins with it and
shows on the fleet as syncing, and a price change published from the chain menu editor reaches
the store's till."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.demo import hq as demo_hq
from hearth.testing.waiting import wait_until
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_admin_page import staff_headers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 860}
CHEAP_ARGON2 = {"HEARTH_HQ_ARGON2_TIME_COST": "1", "HEARTH_HQ_ARGON2_MEMORY_KIB": "1024"}


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[demo_hq.DemoHQ]:
    proc = demo_hq.DemoHQ(
        f"sqlite:///{tmp_path}/hq.db", port=0, log=tmp_path / "hq.log", env=CHEAP_ARGON2
    )
    proc.add_owner()
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def sign_in(page: Any, hq: demo_hq.DemoHQ, lang: str) -> None:
    page.goto(f"{hq.url}/hq/?lang={lang}")
    page.fill("#h-code", demo_hq.OWNER_CODE)
    page.fill("#h-password", demo_hq.OWNER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not(.hidden)")


def store_price(store: LiveStore, name_en: str) -> int | None:
    menu = httpx.get(f"{store.base_url}/api/menu", headers=staff_headers(store), timeout=10)
    for item in menu.json()["items"]:
        if item["name_en"] == name_en:
            return int(item["price"])
    return None


def test_owner_creates_a_store_sees_it_sync_and_publishes_a_price(browser, hq, live_store):
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, hq, "zh")
    assert "门店概况" in page.inner_text("#tabs")
    page.wait_for_selector("#pane-fleet .panel")  # no store yet: says how to add one

    # Stores and enrolment: the code is shown once.
    page.click("#tab-stores")
    page.fill("#s-id", "store-001")
    page.fill("#s-name", "人民路店")
    page.click("#new-store-form button[type=submit]")
    code = page.wait_for_selector("#enrol-code").inner_text().strip()
    assert code.startswith("store-001.")
    screenshot(page, "hq-stores-code-once")

    # The store joins with it (the store admin page's form calls this).
    joined = httpx.post(
        f"{live_store.base_url}/api/sync/enrol",
        timeout=30,
        json={"hq_url": hq.url, "enrol_code": code},
        headers=staff_headers(live_store) | {"Idempotency-Key": "join-1"},
    )
    assert joined.status_code == 200, joined.text

    # The fleet shows it syncing, its events held by HQ and nothing waiting.
    page.goto(f"{hq.url}/hq/?lang=en")
    page.click("#tab-fleet")
    row = "#pane-fleet tr[data-store='store-001']"
    page.wait_for_selector(row)

    def synced() -> bool:
        page.click("#tab-fleet")
        page.wait_for_selector(row)
        acked = page.inner_text(f"{row} td.acked")
        return acked.isdigit() and int(acked) > 0 and page.inner_text(f"{row} td.lag") == "0"

    wait_until(synced, timeout=30, interval=0.5, what="the store on the fleet, synced")
    assert "Syncing" in page.inner_text(row)
    screenshot(page, "hq-fleet")

    # Chain menu: a category and a dish for the whole chain, then a price for this store.
    page.click("#tab-menu")
    page.fill("#c-zh", "面食")
    page.fill("#c-en", "Noodles")
    page.click("#add-category-form button[type=submit]")
    page.fill("#i-zh", "牛肉面")
    page.fill("#i-en", "Beef noodles")
    page.fill("#i-price", "28")
    page.click("#add-item-form button[type=submit]")
    page.wait_for_selector("#pane-menu tr[data-item] input[value='Beef noodles']")
    page.click("#publish")
    page.wait_for_selector(".toast.ok")
    wait_until(
        lambda: store_price(live_store, "Beef noodles") == 2800,
        timeout=60,
        interval=0.5,
        what="the chain's new dish at the store",
    )

    price = page.wait_for_selector("#pane-menu tr[data-item] input.price-input")
    assert price.input_value() == "28.00"
    price.fill("31.50")
    assert "1" in page.inner_text("#menu-changes")
    page.check("#scope-stores")
    page.check(".pick-store[value='store-001']")
    screenshot(page, "hq-menu-editor")
    page.click("#publish")
    page.wait_for_function(
        "document.querySelector('#menu-version').innerText.includes('2')"
        " || document.querySelectorAll('.toast.ok').length > 1"
    )
    wait_until(
        lambda: store_price(live_store, "Beef noodles") == 3150,
        timeout=60,
        interval=0.5,
        what="the store's own price at its till",
    )

    # Reports have their place in the nav, for the reports issue.
    assert page.is_visible("#tab-reports")
