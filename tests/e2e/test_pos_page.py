"""A cashier takes a dine-in order on the POS page in a real browser."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
    assert page.inner_text("#order-total") == "¥56.00"  # 38 + 2 egg, 2 x 8 cola

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
    assert page.inner_text("#order-total") == "¥16.00"

    page.click("#back")
    page.wait_for_selector("#tables .table[data-code=A01].st-waiting")
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
