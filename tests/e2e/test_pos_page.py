"""A cashier takes a dine-in order on the POS page in a real browser."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_kiosk_page import staff_headers, wallet_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def wait_for_total(page: Any, text: str) -> None:
    """The bill's total as drawn: the lines and the total come from one answer, not one frame."""
    page.wait_for_function(
        "t => document.querySelector('#order-total').textContent === t", arg=text
    )


def sign_in(page, store, code):
    page.goto(f"{store.base_url}/pos?lang=en&key={store.ids.terminal_key}")
    page.fill("#staff-code", code)
    for digit in store.ids.pins[code]:
        page.click(f"#keypad button:text-is('{digit}')")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tables .table")


def test_cashier_takes_a_dine_in_order_and_voids_with_a_manager(browser, live_store):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_store, "C01")
    screenshot(page, "pos-floor-tablet")
    page.click("#tables .table[data-code=A01]")

    page.click(".item[data-name='Kung Pao Chicken']")
    page.click("#item-form .chip:has-text('Mild')")
    page.click("#item-form .chip:has-text('Add egg')")
    page.fill("#seat", "1")
    page.click("#add-ok")
    page.wait_for_selector("#lines .line")
    page.fill("#search", "cola")
    page.click(".item[data-name='Cola']")
    page.click("#item-form .chip:has-text('Large')")
    page.fill("#qty", "2")
    page.click("#add-ok")
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 2")
    wait_for_total(page, "¥56.00")  # 38 + 2 egg, 2 x 8 cola

    page.click("#send")
    page.wait_for_selector("#lines .line.st-sent")
    screenshot(page, "pos-order-tablet")

    # Voiding a sent line without a manager is refused in plain words...
    page.click("#lines .line:first-child .void")
    page.fill("#void-reason", "guest changed their mind")
    page.click("#void-ok")
    page.wait_for_selector(".toast.error")
    assert "manager" in page.inner_text(".toast.error").lower()
    # ...and accepted with the manager's PIN.
    page.click("#lines .line:first-child .void")
    page.fill("#void-reason", "guest changed their mind")
    page.fill("#void-manager", "M01")
    page.fill("#void-pin", live_store.ids.pins["M01"])
    page.click("#void-ok")
    page.wait_for_selector("#lines .line.st-voided")
    wait_for_total(page, "¥16.00")

    page.click("#back")
    page.wait_for_selector("#tables .table[data-code=A01].st-waiting")
    page.close()


def test_the_pos_chooser_holds_add_until_the_minimum_and_caps_at_the_maximum(browser, live_store):
    """The POS opens the same chooser as the phone and the kiosk: Spice (1-1) must be picked
    before Add works, and Extras (0-2) shows its count and greys out a third option."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_store, "C01")
    page.click("#tables .table[data-code=A04]")
    page.click(".item[data-name='Kung Pao Chicken']")
    assert page.is_disabled("#add-ok"), "Spice is required"
    assert "Spice" in page.inner_text("#missing")
    page.click("#item-form .chip:has-text('Add egg')")
    page.click("#item-form .chip:has-text('Extra meat')")
    assert page.inner_text("#item-form h4[data-group=Extras] .count").strip() == "2/2"
    assert page.is_disabled("#item-form .chip:has-text('Extra rice')"), "Extras at most 2"
    page.click("#item-form .chip:has-text('Add egg')")
    assert page.is_enabled("#item-form .chip:has-text('Extra rice')")
    page.click("#item-form .chip:has-text('Mild')")
    assert page.is_enabled("#add-ok")
    assert "¥43.00" in page.inner_text("#add-ok")  # 38 + 5 meat
    page.click("#add-ok")
    page.wait_for_selector("#lines .line")
    wait_for_total(page, "¥43.00")
    page.close()


def test_waiter_mode_on_a_phone(browser, live_store):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_store.base_url}/pos?mode=waiter&lang=zh&key={live_store.ids.terminal_key}")
    page.fill("#staff-code", "W01")
    page.fill("#pin", live_store.ids.pins["W01"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tables .table")
    screenshot(page, "pos-waiter-phone")
    page.click("#tables .table[data-code=A02]")
    page.fill("#search", "gbjd")
    # Pinyin initials narrow the menu to exactly the dish.
    page.wait_for_function("document.querySelectorAll('.item').length === 1")
    assert page.get_attribute(".item", "data-name") == "Kung Pao Chicken"
    assert not page.is_visible("#discount"), "waiters do not give discounts"
    screenshot(page, "pos-waiter-search-phone")
    page.close()


def add_dish(page, dish, lines_after):
    page.click(f".item[data-name='{dish}']")
    page.click("#add-ok")
    page.wait_for_function(f"document.querySelectorAll('#lines .line').length === {lines_after}")


def api_get(page, store, path):
    token = page.evaluate("localStorage.getItem('hearth_token')")
    r = httpx.get(f"{store.base_url}{path}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_two_tables_merge_into_one_bill_and_dishes_split_onto_a_new_one(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    page.click("#tables .table[data-code=A01]")
    add_dish(page, "Steamed Rice", 1)
    page.click("#send")
    page.wait_for_selector("#lines .line.st-sent")
    page.click("#back")
    page.wait_for_selector("#tables .table[data-code=A01].st-waiting")

    page.click("#tables .table[data-code=A02]")
    add_dish(page, "Steamed Rice", 1)
    add_dish(page, "Cola", 2)
    page.click("#merge")
    page.wait_for_selector("#merge-dialog[open] #merge-targets .table[data-code=A01]")
    assert not page.is_visible("#merge-targets .table[data-code=A02]"), "not into itself"
    screenshot(page, "pos-merge-tablet")
    page.click("#merge-targets .table[data-code=A01]")
    # The panel now shows A01's bill with all three dishes.
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 3")
    assert " A01 " in page.inner_text("#order-title")
    orders = api_get(page, live_store, "/api/orders")
    assert sorted(o["status"] for o in orders) == ["merged", "submitted"]

    # Split: the cola goes on a bill of its own at the same table.
    page.click("#split-lines")
    page.wait_for_selector("#split-dialog[open]")
    boxes = page.query_selector_all("#split-list li")
    cola = [b for b in boxes if "Cola" in b.inner_text()]
    assert len(cola) == 1
    cola[0].query_selector("input").check()
    page.click("#split-ok")
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 2")
    assert "Cola" not in page.inner_text("#lines")
    page.wait_for_selector(".toast.ok:has-text('New bill')")
    orders = api_get(page, live_store, "/api/orders")
    live = [o for o in orders if o["status"] not in ("merged",)]
    assert len(live) == 2 and all(o["table_id"] == live[0]["table_id"] for o in live)
    # Back on the floor, A01 now has two bills: the cashier chooses the new one.
    new_number = max(o["number"] for o in live)
    page.click("#back")
    page.click("#tables .table[data-code=A01]")
    page.click(f"#bills-dialog[open] #bills-list .table[data-number='{new_number}']")
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 1")
    assert "Cola" in page.inner_text("#lines")
    page.close()


def test_moving_to_an_occupied_table_offers_a_merge(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    page.click("#tables .table[data-code=A01]")
    add_dish(page, "Steamed Rice", 1)
    page.click("#back")
    page.click("#tables .table[data-code=A02]")
    add_dish(page, "Cola", 1)
    page.click("#transfer")
    page.wait_for_selector("#transfer-dialog[open]")
    assert not page.is_visible("#transfer-tables .table[data-code=A01]"), "A01 is not free"
    page.click("#transfer-occupied .table[data-code=A01]")
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 2")
    assert " A01 " in page.inner_text("#order-title")
    page.close()


def test_a_provider_outage_shows_a_standing_banner_with_what_still_works(browser, tmp_path):
    with wallet_store(tmp_path) as (store, emulator):
        emulator.fault("alipay", "down", seconds=120)
        # A wallet payment tried on Alipay fails over to WeChat Pay: Alipay is now known down.
        auth = staff_headers(store, "C01")
        order = httpx.post(
            f"{store.base_url}/api/orders",
            json={"channel": "takeaway", "lines": [{"item_id": store.ids.items["plum"]}]},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert order.status_code == 201, order.text
        paid = httpx.post(
            f"{store.base_url}/api/orders/{order.json()['id']}/payments",
            json={
                "tender": "wallet_scan",
                "wallet": "alipay",
                "amount": order.json()["totals"]["total"],
                "auth_code": "281234567890123456",
            },
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            timeout=30,
        )
        assert paid.status_code in (200, 201), paid.text

        page = browser.new_page(viewport={"width": 1024, "height": 768})
        sign_in(page, store, "C01")
        page.wait_for_selector("#status-banner:not(.hidden)")
        assert page.get_attribute("#status-banner", "data-down") == "alipay"
        text = page.inner_text("#status-banner")
        assert text.startswith("Alipay is unreachable"), text
        assert "WeChat Pay" in text and "cash" in text and "stored value" in text
        screenshot(page, "pos-banner-tablet")
        page.close()


def test_after_paying_the_receipt_is_shown_on_screen(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    page.click("#tables .table[data-code=A03]")
    add_dish(page, "Steamed Rice", 1)
    add_dish(page, "Cola", 2)
    page.click("#send")
    page.wait_for_selector("#lines .line.st-sent")
    total = page.inner_text("#order-total")
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")
    page.click("#quick-cash .quick-btn[data-fen='10000']")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    page.click("#pay-close")
    page.wait_for_selector("#floor:not(.hidden) #last-receipt:not(.hidden)")
    page.click("#last-receipt")
    page.wait_for_selector("#receipt-dialog[open] .rc-lines li")
    body = page.inner_text("#receipt-body")
    assert "Steamed Rice" in body and "Cola" in body
    assert total in body
    tenders = page.eval_on_selector_all(
        "#receipt-body .rc-tenders li", "els => els.map(e => e.dataset.tender)"
    )
    assert tenders == ["cash"]
    fen = int(total.replace("¥", "").replace(".", ""))
    change = 10000 - fen
    assert page.inner_text("#receipt-body dd.rc-change") == f"¥{change // 100}.{change % 100:02d}"
    page.click("#receipt-close")
    page.wait_for_selector("#receipt-dialog", state="hidden")
    page.close()


def test_a_line_discount_over_the_limit_needs_a_manager(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    page.click("#tables .table[data-code=A04]")
    add_dish(page, "Steamed Rice", 1)
    add_dish(page, "Cola", 2)
    cola = page.locator("#lines .line", has_text="Cola")
    cola_fen = int(cola.locator(".price").inner_text().replace("¥", "").replace(".", ""))
    total_before = page.inner_text("#order-total")

    def discount_cola(manager):
        cola.locator(".line-disc").click()
        page.wait_for_selector("#discount-dialog[open]")
        assert "Cola" in page.inner_text("#discount-target")
        page.fill("#discount-value", "50")
        page.fill("#discount-reason", "regular guest")
        if manager:
            page.fill("#discount-manager", "M01")
            page.fill("#discount-pin", live_store.ids.pins["M01"])
        page.click("#discount-ok")

    # 50% is over the 10% a cashier may give alone: refused in plain words...
    discount_cola(manager=False)
    page.wait_for_selector(".toast.error")
    assert "manager" in page.inner_text(".toast.error").lower()
    assert page.inner_text("#order-total") == total_before
    # ...and given with the manager's PIN, on that line only.
    discount_cola(manager=True)
    page.wait_for_function(
        "document.querySelector('#lines .line:nth-child(2) .line-sub').textContent.includes('50%')"
    )
    order_id = api_get(page, live_store, "/api/orders")[0]["id"]
    order = api_get(page, live_store, f"/api/orders/{order_id}")
    discounted = [ln for ln in order["lines"] if ln["discount"]]
    assert [ln["name_en"] for ln in discounted] == ["Cola"]
    assert order["totals"]["line_discounts"] == cola_fen // 2
    assert order["discount"] is None, "the bill itself is not discounted"
    page.close()


def test_on_a_phone_fire_names_the_held_course_and_is_off_when_nothing_is_held(browser, live_store):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_store, "C01")
    screenshot(page, "pos-floor-phone")
    page.click("#tables .table[data-code=A05]")
    add_dish(page, "Steamed Rice", 1)
    assert page.is_disabled("#fire"), "nothing is held"
    page.click(".item[data-name='Cola']")
    page.select_option("#course", "3")
    page.check("#hold")
    page.click("#add-ok")
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 2")
    assert page.is_enabled("#fire")
    assert page.get_attribute("#fire", "data-course") == "3"
    page.click("#send")
    page.wait_for_selector("#lines .line.st-sent")
    screenshot(page, "pos-order-phone")
    page.click("#fire")
    page.wait_for_function("document.querySelectorAll('#lines .line.st-sent').length === 2")
    assert page.is_disabled("#fire")
    page.close()


def test_waiter_tablet_shows_send_and_pay_disabled_until_there_is_an_order(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(f"{live_store.base_url}/pos?mode=waiter&lang=zh&key={live_store.ids.terminal_key}")
    page.fill("#staff-code", "W01")
    page.fill("#pin", live_store.ids.pins["W01"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tables .table")
    page.click("#tables .table[data-code=A06]")
    page.wait_for_selector("#ordering:not(.hidden)")
    for button in ("#send", "#pay"):
        assert page.is_disabled(button)
        opacity = page.eval_on_selector(button, "b => Number(getComputedStyle(b).opacity)")
        assert opacity < 1, f"{button} must look disabled"
    screenshot(page, "pos-waiter-tablet")
    page.click(".item[data-name='Steamed Rice']")
    page.click("#add-ok")
    page.wait_for_selector("#lines .line")
    assert page.is_enabled("#send")
    page.close()


def test_a_waiter_seats_a_table_for_phones_and_confirms_a_held_diner_order(browser, live_store):
    """Phones order only at a seated table: the waiter seats A05 from the POS; the guests'
    order above the store's limit waits, marked on the floor, until the waiter confirms it."""
    base, ids = live_store.base_url, live_store.ids
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_store, "M01")
    page.click("#tables .table[data-code=A05]")
    page.wait_for_selector("#seat-table:not(.hidden)")
    page.click("#seat-table")
    page.wait_for_selector(".toast.ok")
    token = page.evaluate(
        """async (id) => (await Hearth.api("GET", `/api/tables/${id}/qr`)).token""",
        ids.tables["A05"],
    )
    m = page.evaluate("() => localStorage.getItem('hearth_token')")
    settings = httpx.get(
        f"{base}/api/store/settings", headers={"Authorization": f"Bearer {m}"}
    ).json()
    r = httpx.put(
        f"{base}/api/store/settings",
        json={**settings, "qr_confirm_above": 100},
        headers={"Authorization": f"Bearer {m}", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    session = httpx.get(f"{base}/api/qr/{token}").json()["session"]["id"]
    assert session
    phone = {"X-Table-Session": session}
    r = httpx.post(
        f"{base}/api/qr/{token}/lines",
        json={"lines": [{"item_id": ids.items["rice"]}]},
        headers={**phone, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    r = httpx.post(
        f"{base}/api/qr/{token}/submit",
        json={},
        headers={**phone, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 202 and r.json()["waiting_confirmation"] == "over-threshold"

    page.click("#back")
    page.wait_for_selector("#tables .table[data-code=A05] .held", timeout=8000)
    screenshot(page, "pos-held-diner-order")
    page.click("#tables .table[data-code=A05]")
    page.wait_for_selector("#confirm-send:not(.hidden)")
    page.click("#confirm-send")
    page.wait_for_selector("#confirm-send.hidden", state="attached")
    page.wait_for_selector("#lines .line.st-sent")
    order = httpx.get(f"{base}/api/qr/{token}").json()["order"]
    assert order["status"] == "submitted"
    page.close()


def test_the_pos_follows_the_journal_live_without_polling(browser, live_store):
    """The till's feed (GET /pos/events) redraws what changed within a second or two: an order
    taken on another till, a phone calling a waiter, a dish 86'd in the kitchen. The old timers
    (floor 5 s, calls 10 s, menu never) could not meet the deadlines below."""
    from tests.e2e.test_diner_page import seat, table_qr

    base, ids = live_store.base_url, live_store.ids
    assert httpx.get(f"{base}/pos/events").status_code == 401, "the feed needs a staff token"
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_store, "C01")
    page.wait_for_function("window.hearthPosFeed && window.hearthPosFeed.readyState === 1")
    other_till = {**staff_headers(live_store, "W01")}

    r = httpx.post(
        f"{base}/api/orders",
        json={
            "channel": "dine_in",
            "table_id": ids.tables["A03"],
            "lines": [{"item_id": ids.items["rice"]}],
        },
        headers={**other_till, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code in (200, 201), r.text
    page.wait_for_selector("#tables .table[data-code=A03].st-ordering", timeout=3000)

    seat(live_store, "A02")
    r = httpx.post(
        f"{base}/api/qr/{table_qr(live_store, 'A02')['token']}/call-waiter",
        json={},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code in (200, 201, 204), r.text
    page.wait_for_selector("#calls:not(.hidden)", timeout=3000)
    assert "A02" in page.inner_text("#calls")

    page.click("#takeaway")
    page.wait_for_selector(".item[data-name='Cola']:not(.sold-out)")
    kitchen = staff_headers(live_store, "K01")
    r = httpx.post(
        f"{base}/api/menu/items/{ids.items['cola']}/sold-out",
        json={},
        headers={**kitchen, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector(".item[data-name='Cola'].sold-out", timeout=3000)
    page.close()
