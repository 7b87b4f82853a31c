"""Receiving stock brings back a dish inventory sold out: the POS shows the dish sold out with
why ("no 鸡蛋 left"), a manager receives a tray of eggs on the admin page's Stock tab, and the
dish is back on the POS by itself. The phone stocktake page counts with the variance shown."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.bootstrap import build_node
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_admin_page import PHONE, TABLET, staff_headers
from tests.e2e.test_admin_page import sign_in as admin_sign_in
from tests.e2e.test_pos_page import sign_in as pos_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KUNG_PAO = ".item[data-name='Kung Pao Chicken']"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LiveStore]:
    """conftest's live store, with time to start on a busy machine (a shared CI box)."""
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    proc = NodeProcess(db_url, log=tmp_path / "node.log")
    proc.start(timeout=120)
    try:
        yield LiveStore(proc.base_url, ids, proc)
    finally:
        proc.stop()


def call(store: LiveStore, method: str, path: str, body: Any, h: dict[str, str]) -> Any:
    r = httpx.request(
        method,
        f"{store.base_url}{path}",
        json=body,
        headers={**h, "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_receiving_eggs_brings_a_dish_sold_out_by_stock_back(browser, store):
    h = staff_headers(store)
    egg = call(
        store,
        "POST",
        "/api/inventory/ingredients",
        {
            "name_zh": "鸡蛋",
            "name_en": "Egg",
            "dimension": "count",
            "stock_unit": "piece",
            "purchase_unit": "tray",
            "packs": [{"name": "tray", "quantity": "30", "of": "piece"}],
            "reorder_point": "6",
        },
        h,
    )["id"]
    # Kung Pao Chicken needs two eggs and there are none: inventory sells it out at once.
    call(
        store,
        "PUT",
        f"/api/inventory/recipes/item/{store.ids.items['gbjd']}",
        {"components": [{"ingredient_id": egg, "quantity": "2", "unit": "piece"}]},
        h,
    )

    pos = browser.new_page(viewport={"width": 1280, "height": 800})
    pos_sign_in(pos, store, "C01")
    pos.click("#tables .table[data-code=A01]")
    pos.wait_for_selector(f"{KUNG_PAO}.sold-out")
    assert "no 鸡蛋 (Egg) left" in pos.inner_text(KUNG_PAO)
    screenshot(pos, "pos-sold-out-by-stock")

    admin = browser.new_page(viewport=TABLET)
    admin_sign_in(admin, store)
    admin.click("#tab-stock")
    admin.wait_for_selector("#auto-sold-out li")
    assert "Egg" in admin.inner_text("#low-stock")
    admin.select_option("#rcv-ingredient", egg)
    admin.fill("#rcv-qty", "1")
    admin.select_option("#rcv-unit", "tray")
    admin.fill("#rcv-cost", "24")
    admin.click("#rcv-submit")
    admin.wait_for_function(
        "document.querySelector(`tr[data-ingredient] .on-hand`).textContent.startsWith('30')"
    )
    assert admin.locator("#auto-sold-out").count() == 0
    screenshot(admin, "admin-stock-tab")

    # The POS hears the dish come back from the live feed; no reload.
    pos.wait_for_selector(f"{KUNG_PAO}:not(.sold-out)")

    # A cook counts on a phone: 28 eggs on the shelf, two short, ¥1.60 of variance.
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{store.base_url}/stocktake?lang=en&key={store.ids.terminal_key}")
    phone.fill("#staff-code", "K01")
    phone.fill("#pin", store.ids.pins["K01"])
    phone.click("#login-form button[type=submit]")
    phone.fill(f"input[data-ingredient='{egg}']", "28")
    phone.click("#count-submit")
    phone.wait_for_selector("#variance-total")
    assert phone.inner_text("#variance-total") == "-¥1.60"
    screenshot(phone, "stocktake-phone")
