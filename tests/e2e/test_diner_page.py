"""Diners' phones at a table, in a real browser against a real store node."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveStore, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}


def manager(store: LiveStore) -> dict[str, str]:
    r = httpx.post(
        f"{store.base_url}/api/auth/pin",
        json={"staff_code": "M01", "pin": store.ids.pins["M01"]},
        headers={"X-Terminal-Key": store.ids.terminal_key},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def table_qr(store: LiveStore, code: str) -> dict[str, Any]:
    r = httpx.get(
        f"{store.base_url}/api/tables/{store.ids.tables[code]}/qr", headers=manager(store)
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def seat(store: LiveStore, code: str) -> None:
    """A waiter seats the table (Seat / 开台 on the POS): phones order only at a seated table."""
    r = httpx.post(
        f"{store.base_url}/api/tables/{store.ids.tables[code]}/seat",
        json={},
        headers={**manager(store), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text


def add_dish(page: Any, dish: str, *chips: str) -> None:
    page.click(f".dish[data-name='{dish}'] .add")
    for chip in chips:
        page.click(f"#item-form .chip:has-text('{chip}')")
    page.click("#dlg-add")


def test_two_phones_order_at_one_table_and_see_each_other(browser: Any, live_store: LiveStore):
    qr = table_qr(live_store, "A01")
    assert qr["path"] == f"/t/{qr['token']}", "the printed QR code opens the diner page"
    seat(live_store, "A01")
    url = f"{live_store.base_url}{qr['path']}"
    alice_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    bob_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    alice, bob = alice_ctx.new_page(), bob_ctx.new_page()
    alice.goto(f"{url}?lang=en")
    bob.goto(f"{url}?lang=zh")
    alice.wait_for_selector(".dish[data-name='Kung Pao Chicken']")
    bob.wait_for_selector(".dish[data-name='Cola']")
    assert "A01" in alice.inner_text("#table-name")
    # Both phones hold the table's live stream (the 2 s poll is only the fallback).
    alice.wait_for_selector("body[data-live='1']")
    bob.wait_for_selector("body[data-live='1']")
    screenshot(alice, "diner-menu-phone")

    # A required group (Spice) must be chosen before the dish can go in the cart.
    alice.click(".dish[data-name='Kung Pao Chicken'] .add")
    assert alice.is_disabled("#dlg-add")
    assert "Spice" in alice.inner_text("#missing")
    alice.click("#item-form .chip:has-text('Mild')")
    alice.click("#item-form .chip:has-text('Add egg')")
    assert not alice.is_disabled("#dlg-add")
    assert "¥40.00" in alice.inner_text("#dlg-add")
    screenshot(alice, "diner-chooser-phone")
    alice.click("#dlg-add")

    bob.click(".dish[data-name='Cola'] .add")
    bob.click("#item-form .chip:has-text('大杯')")
    bob.click("#dlg-plus")
    assert bob.inner_text("#dlg-qty") == "2"
    bob.click("#dlg-minus")
    bob.click("#dlg-add")
    add_dish(bob, "Steamed Rice")

    # Both phones add their carts to the table at (nearly) the same moment.
    for phone in (alice, bob):
        phone.click("#cart-bar")
    alice.click("#cart-submit")
    bob.click("#cart-submit")

    # Each phone sees both diners' items in the shared order within a couple of seconds.
    for phone in (alice, bob):
        phone.wait_for_function(
            "document.querySelectorAll('#shared-lines .shared-line').length === 3", timeout=8000
        )
        names = phone.eval_on_selector_all(
            "#shared-lines .shared-line", "els => els.map(e => e.dataset.name).sort()"
        )
        assert names == ["Cola", "Kung Pao Chicken", "Steamed Rice"]
        # 38 + 2 egg; one large cola 8; one rice 3: priced by the server
        assert phone.get_attribute("#shared-total", "data-total") == str(4000 + 800 + 300)
    screenshot(bob, "diner-shared-phone")

    # Bob sends the table's order; Alice's phone follows its status.
    bob.click("#send")
    alice.wait_for_selector("#status[data-status=submitted]", timeout=8000)
    alice.wait_for_selector("#shared-lines .shared-line.st-sent")
    # The kitchen starts on it, then it is ready: both steps light up on the diner's phone.
    order_id = httpx.get(f"{live_store.base_url}/api/orders", headers=manager(live_store)).json()[
        0
    ]["id"]
    for step in ("preparing", "ready"):
        r = httpx.post(
            f"{live_store.base_url}/api/orders/{order_id}/status",
            json={"status": step},
            headers={**manager(live_store), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 200, r.text
        alice.wait_for_selector(f"#status[data-status={step}]", timeout=8000)
    assert alice.eval_on_selector_all("#status .step.done", "els => els.length") == 3
    screenshot(alice, "diner-status-ready-phone")
    alice.click("#call")
    alice.wait_for_selector(".toast.ok")
    alice.click("#bill")
    bob.wait_for_function("document.getElementById('bill').disabled === true", timeout=8000)

    r = httpx.get(f"{live_store.base_url}/api/orders", headers=manager(live_store))
    assert len(r.json()) == 1, "one shared order for the table, not one per phone"

    tablet = browser.new_page(viewport=TABLET)
    tablet.goto(f"{url}?lang=en")
    tablet.wait_for_selector("#shared-lines .shared-line.st-sent")
    screenshot(tablet, "diner-tablet")
    for ctx in (alice_ctx, bob_ctx):
        ctx.close()
    tablet.close()


def test_rotated_and_other_table_codes_ask_the_diner_to_rescan(browser: Any, live_store: LiveStore):
    qr = table_qr(live_store, "A02")
    seat(live_store, "A02")
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_store.base_url}{qr['path']}?lang=en")
    page.wait_for_selector(".dish")

    # The manager replaces the table's code while the diner has the page open.
    r = httpx.post(
        f"{live_store.base_url}/api/tables/{live_store.ids.tables['A02']}/rotate-qr",
        json={},
        headers={**manager(live_store), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#rescan:not(.hidden)", timeout=8000)
    assert page.get_attribute("#rescan", "data-code") == "qr-expired"
    assert "replaced" in page.inner_text("#rescan-text")
    assert page.is_hidden("#diner-app")
    screenshot(page, "diner-expired-phone")

    # A token whose signature belongs to another table is refused as not valid, and its live
    # stream is refused as a problem before anything is streamed.
    _table, version, mac = qr["token"].rsplit(".", 2)
    forged = f"{live_store.ids.tables['A03']}.{version}.{mac}"
    r = httpx.get(f"{live_store.base_url}/t/{forged}/events", timeout=5)
    assert r.status_code == 401 and r.json()["code"] == "qr-invalid"
    r = httpx.get(f"{live_store.base_url}/t/{qr['token']}/events", timeout=5)
    assert r.status_code == 401 and r.json()["code"] == "qr-expired"
    page.goto(f"{live_store.base_url}/t/{forged}?lang=zh")
    page.wait_for_selector("#rescan:not(.hidden)")
    assert page.get_attribute("#rescan", "data-code") == "qr-invalid"
    assert "二维码无效" in page.inner_text("#rescan-text")
    page.close()


def test_a_dish_sold_out_meanwhile_disappears_at_once(browser: Any, live_store: LiveStore):
    qr = table_qr(live_store, "A04")
    seat(live_store, "A04")
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_store.base_url}{qr['path']}?lang=en")
    page.wait_for_selector(".dish[data-name='Mapo Tofu']")
    page.wait_for_selector("body[data-live='1']")
    add_dish(page, "Mapo Tofu", "Mild")
    page.wait_for_selector("#cart-bar:not(.hidden)")
    kitchen = httpx.post(
        f"{live_store.base_url}/api/auth/pin",
        json={"staff_code": "K01", "pin": live_store.ids.pins["K01"]},
        headers={"X-Terminal-Key": live_store.ids.terminal_key},
    ).json()
    k = {"Authorization": f"Bearer {kitchen['access_token']}"}
    item = live_store.ids.items["mpdf"]
    r = httpx.post(
        f"{live_store.base_url}/api/menu/items/{item}/sold-out",
        json={},
        headers={**k, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    # The table's live stream nudges the phone: the dish leaves the menu and the cart without
    # the diner doing anything, well before the slow safety-net poll (60 s) would.
    page.wait_for_selector(".dish[data-name='Mapo Tofu']", state="detached", timeout=3000)
    page.wait_for_selector(".toast.error")
    assert "sold out" in page.inner_text(".toast.error")
    assert page.is_hidden("#cart-bar"), "the sold-out dish left the cart too"
    screenshot(page, "diner-sold-out-phone")

    # Back in stock: it returns just as quickly.
    r = httpx.post(
        f"{live_store.base_url}/api/menu/items/{item}/back-in-stock",
        json={},
        headers={**k, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector(".dish[data-name='Mapo Tofu']", timeout=3000)
    page.close()


def test_a_phone_at_a_closed_table_is_told_politely_and_orders_nothing(
    browser: Any, live_store: LiveStore
):
    """A code scanned at a table nobody seated, and a phone still open after its table was
    cleared, both say the table is closed and how to get seated; nothing can be ordered."""
    qr = table_qr(live_store, "A03")
    url = f"{live_store.base_url}{qr['path']}"
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{url}?lang=en")
    page.wait_for_selector("#rescan:not(.hidden)", timeout=8000)
    assert page.get_attribute("#rescan", "data-code") == "table-closed"
    assert page.inner_text("#rescan-title") == "This table is closed"
    assert "Ask a waiter to seat you" in page.inner_text("#rescan-text")
    assert page.is_hidden("#diner-app") and page.is_hidden("#cart-bar")
    screenshot(page, "diner-table-closed-phone")

    # Seated by a waiter, the same code orders; cleared, the open phone is told at once.
    seat(live_store, "A03")
    page.goto(f"{url}?lang=zh")
    page.wait_for_selector(".dish[data-name='Steamed Rice']")
    page.wait_for_selector("body[data-live='1']")
    r = httpx.post(
        f"{live_store.base_url}/api/tables/{live_store.ids.tables['A03']}/clean",
        json={},
        headers={**manager(live_store), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#rescan:not(.hidden)", timeout=8000)
    assert page.get_attribute("#rescan", "data-code") == "table-closed"
    assert "本桌暂未开台" in page.inner_text("#rescan-title")
    assert page.is_hidden("#diner-app")
    orders = httpx.get(f"{live_store.base_url}/api/orders", headers=manager(live_store)).json()
    assert orders == []
    page.close()
