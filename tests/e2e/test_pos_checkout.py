"""A cashier takes and pays a dine-in order on the POS page, in a real browser."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.payments.emulator import Emulator
from hearth.payments.emulator.codes import ALIPAY_CODE
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_kiosk_page import register_kiosk, staff_headers, wallet_store
from tests.e2e.test_pos_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def wallets(tmp_path: Path) -> Iterator[tuple[LiveStore, Emulator]]:
    """A store whose wallet providers are the local emulator (customers pay when told)."""
    with wallet_store(tmp_path) as pair:
        yield pair


def take_order(page: Any, table: str) -> None:
    page.click(f"#tables .table[data-code={table}]")
    page.click(".item[data-name='Kung Pao Chicken']")
    page.click("#item-form .chip:has-text('Mild')")
    page.click("#add-ok")
    page.wait_for_selector("#lines .line")
    page.click(".item[data-name='Steamed Rice']")
    page.click("#add-ok")
    page.wait_for_function("document.querySelectorAll('#lines .line').length === 2")
    # The lines and the total are drawn from the same answer but not in one frame: wait for it.
    page.wait_for_function("document.querySelector('#order-total').textContent === '¥41.00'")
    page.click("#send")
    page.wait_for_selector("#lines .line.st-sent")


TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def open_pay(page: Any) -> None:
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")


def checkout(browser: Any, store: LiveStore, table: str, viewport: dict[str, int]) -> Any:
    """A cashier's page with an order on ``table`` and the checkout dialog open on it."""
    page = browser.new_page(viewport=viewport)
    sign_in(page, store, "C01")
    take_order(page, table)
    open_pay(page)
    return page


def test_cashier_takes_cash_sees_change_and_the_table_goes_to_clean(
    browser: Any, live_store: LiveStore
):
    page = checkout(browser, live_store, "A03", TABLET)
    assert page.get_attribute("#pay-due", "data-fen") == "4100"
    # Quick amounts: exact, then the next ¥10, ¥50 and ¥100 notes.
    quick = page.eval_on_selector_all(
        "#quick-cash .quick-btn", "els => els.map(e => e.dataset.fen)"
    )
    assert quick == ["4100", "5000", "10000"]
    page.click("#quick-cash .quick-btn[data-fen='10000']")
    assert page.inner_text("#pay-change") == "¥59.00"
    screenshot(page, "pos-checkout-tablet")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    assert page.inner_text("#change-due") == "¥59.00", "the server's change due is shown"
    assert page.is_visible("#pay-done")
    rows = page.eval_on_selector_all(
        "#pay-list .pay-row", "els => els.map(e => [e.dataset.tender, e.dataset.status])"
    )
    assert rows == [["cash", "succeeded"]]
    screenshot(page, "pos-checkout-paid-tablet")
    page.click("#pay-close")
    # The paid table is back on the floor, waiting to be cleaned.
    page.wait_for_selector("#tables .table[data-code=A03].st-to_clean")
    page.close()


def test_split_tender_shows_what_remains(browser: Any, live_store: LiveStore):
    page = checkout(browser, live_store, "A05", PHONE)
    page.fill("#pay-amount", "20")
    page.fill("#pay-tendered", "20")
    page.click("#pay-go")
    page.wait_for_function("document.getElementById('pay-due').dataset.fen === '2100'")
    assert page.inner_text("#pay-paid") == "¥20.00"
    screenshot(page, "pos-checkout-split-phone")
    # The rest, with a ¥5 tip, handed over as ¥30.
    page.fill("#pay-tip", "5")
    page.fill("#pay-tendered", "30")
    assert page.inner_text("#pay-change") == "¥4.00"
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    assert page.inner_text("#change-due") == "¥4.00"
    page.click("#pay-close")
    page.wait_for_selector("#tables .table[data-code=A05].st-to_clean")

    token = page.evaluate("localStorage.getItem('hearth_token')")
    orders = httpx.get(
        f"{live_store.base_url}/api/orders", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [o["status"] for o in orders] == ["paid"]
    page.close()


def test_wallet_qr_on_the_till_and_a_provider_outage_in_plain_words(browser: Any, wallets: Any):
    store, emulator = wallets
    page = checkout(browser, store, "A02", TABLET)
    page.click("#tenders button[data-tender=wallet_qr]")
    page.click("#pay-go")
    page.wait_for_selector("#pay-qr-box:not(.hidden)")
    assert "/pos/qr.svg?data=" in (page.get_attribute("#pay-qr", "src") or "")
    page.wait_for_function("document.getElementById('pay-qr').naturalWidth > 0")
    screenshot(page, "pos-checkout-qr-tablet")
    payment_id = page.get_attribute("#pay-list .pay-row[data-status=pending]", "data-id")
    token = page.evaluate("localStorage.getItem('hearth_token')")
    auth = {"Authorization": f"Bearer {token}"}
    order_id = httpx.get(f"{store.base_url}/api/orders", headers=auth).json()[0]["id"]
    bill = httpx.get(f"{store.base_url}/api/orders/{order_id}/payments", headers=auth).json()
    pending = [p for p in bill["payments"] if p["status"] == "pending"]
    assert len(pending) == 1 and payment_id == pending[0]["id"]
    r = httpx.post(
        f"{emulator.url}/_emulator/scan",
        json={"provider": pending[0]["provider"], "intent_id": pending[0]["id"]},
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
    page.click("#pay-close")
    page.wait_for_selector("#tables .table[data-code=A02].st-to_clean")

    # Alipay goes down. A customer's Alipay code can only be paid through Alipay: the cashier
    # reads what happened, and one tap switches to our QR, which the customer scans.
    emulator.fault("alipay", "down", seconds=120)
    take_order(page, "A04")
    open_pay(page)
    page.click("#tenders button[data-tender=wallet_scan]")
    page.fill("#pay-auth", ALIPAY_CODE)
    assert page.get_attribute("#pay-auth-wallet", "data-wallet") == "alipay"
    page.click("#pay-go")
    page.wait_for_selector("#pay-result:not(.hidden)", timeout=15000)
    screenshot(page, "pos-checkout-provider-down-tablet")
    assert page.get_attribute("#pay-result", "data-status") == "failed"
    said = page.inner_text("#pay-result")
    assert "Alipay" in said and "show our QR" in said, said
    assert page.get_attribute("#pay-dialog", "data-state") == "due", "nothing was charged"
    page.click("#use-fallback")
    assert page.get_attribute("#tenders button.on", "data-tender") == "wallet_qr"
    assert page.is_checked("input[name=wallet-qr][value=wechat]")
    page.click("#pay-go")
    page.wait_for_selector("#pay-qr-box:not(.hidden)", timeout=15000)
    pending = page.get_attribute("#pay-list .pay-row[data-status=pending]", "data-id")
    r = httpx.post(
        f"{emulator.url}/_emulator/scan", json={"provider": "wechat", "intent_id": pending}
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
    page.close()


def test_a_failed_provider_suggests_the_fallback_and_one_tap_switches(browser: Any, tmp_path: Path):
    with wallet_store(tmp_path, HEARTH_PAYMENT_AUTO_FAILOVER="false") as (store, emulator):
        emulator.fault("alipay", "down", seconds=120)
        page = checkout(browser, store, "A06", TABLET)
        page.click("#tenders button[data-tender=wallet_qr]")
        page.click("#pay-go")
        page.wait_for_selector("#pay-result:not(.hidden)", timeout=15000)
        screenshot(page, "pos-checkout-fallback-tablet")
        status = page.get_attribute("#pay-result", "data-status")
        assert status in ("failed", "unknown"), page.inner_text("#pay-result")
        assert page.get_attribute("#pay-dialog", "data-state") == "due", "nothing was charged"
        page.click("#use-fallback")
        # The suggestion names the backup (WeChat Pay for our QR) and one tap selects it,
        # ready for the cashier to take the payment again.
        assert page.get_attribute("#tenders button.on", "data-tender") == "wallet_qr"
        assert page.is_checked("input[name=wallet-qr][value=wechat]")
        page.click("#pay-go")
        page.wait_for_selector("#pay-qr-box:not(.hidden)", timeout=15000)
        pending = page.get_attribute("#pay-list .pay-row[data-status=pending]", "data-id")
        httpx.post(
            f"{emulator.url}/_emulator/scan", json={"provider": "wechat", "intent_id": pending}
        ).raise_for_status()
        page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
        page.close()


def test_the_cashier_finds_a_kiosk_order_by_number_and_takes_cash(
    browser: Any, live_store: LiveStore
):
    key = register_kiosk(live_store)
    placed = httpx.post(
        f"{live_store.base_url}/api/kiosk/orders",
        json={"lines": [{"item_id": live_store.ids.items["plum"]}]},
        headers={"X-Terminal-Key": key, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    page.click(f"#to-pay-list .table[data-number='{number}']")
    page.wait_for_selector("#lines .line.st-pending")  # not cooked before it is paid
    open_pay(page)
    page.click("#quick-cash .quick-btn[data-fen='600']")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    page.click("#pay-close")
    page.wait_for_selector("#floor:not(.hidden)")
    page.wait_for_selector("#to-pay", state="hidden")
    r = httpx.get(
        f"{live_store.base_url}/api/kiosk/orders/{placed.json()['id']}",
        headers={"X-Terminal-Key": key},
    )
    assert (r.json()["status"], r.json()["due"]) == ("paid", 0)
    paid = httpx.get(
        f"{live_store.base_url}/api/orders/{placed.json()['id']}",
        headers=staff_headers(live_store, "C01"),
    ).json()
    assert {ln["state"] for ln in paid["lines"]} == {"sent"}, "paying sent it to the kitchen"
    page.close()


def pay_in_full_by_cash(page: Any) -> None:
    open_pay(page)
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")


def test_a_refund_with_a_manager_pin_from_the_checkout_dialog(browser: Any, live_store: LiveStore):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    take_order(page, "A01")
    pay_in_full_by_cash(page)
    row = "#pay-list .pay-row[data-tender=cash]"
    page.click(f"{row} .refund-btn")
    page.wait_for_selector("#refund-dialog[open]")
    assert page.input_value("#refund-amount") == "41.00", "the whole payment by default"
    assert page.inner_text("#refund-left") == "¥41.00"
    page.fill("#refund-amount", "10")  # part of it: one dish came back cold
    page.fill("#refund-reason", "Kung Pao came back cold")
    page.fill("#refund-manager", "M01")
    page.fill("#refund-pin", "0000")
    page.click("#refund-ok")
    page.wait_for_selector("#refund-error:not(.hidden)")
    assert "not right" in page.inner_text("#refund-error"), "the refusal's own words"
    assert page.is_visible("#refund-dialog"), "still open to correct"
    page.fill("#refund-pin", live_store.ids.pins["M01"])
    screenshot(page, "pos-refund-tablet")
    page.click("#refund-ok")
    page.wait_for_selector("#refund-dialog", state="hidden")
    page.wait_for_selector("#refund-said")
    assert "10.00" in page.inner_text("#refund-said")
    page.wait_for_selector(f"{row}[data-status=refunded]")
    assert "¥10.00" in page.inner_text(f"{row} .refunded")
    assert page.inner_text("#pay-paid") == "¥31.00"
    screenshot(page, "pos-refund-done-tablet")
    # What is left can still be refunded, and no more.
    page.click(f"{row} .refund-btn")
    assert page.input_value("#refund-amount") == "31.00"
    page.click("#refund-form button[value=cancel]")
    page.close()


def test_a_card_payment(browser: Any, wallets: Any):
    store, emulator = wallets
    page = checkout(browser, store, "A02", TABLET)
    page.click("#tenders button[data-tender=card]")
    screenshot(page, "pos-card-tablet")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
    rows = page.eval_on_selector_all(
        "#pay-list .pay-row", "els => els.map(e => [e.dataset.tender, e.dataset.status])"
    )
    assert rows == [["card", "succeeded"]]
    assert "Card" in page.inner_text("#pay-result")
    trades = emulator.ledger()["trades"]
    assert [(t["provider"], t["amount"], t["status"]) for t in trades] == [
        ("card", 4100, "succeeded")
    ]
    page.close()


def test_a_stored_value_payment_found_by_phone(browser: Any, live_store: LiveStore):
    r = httpx.post(
        f"{live_store.base_url}/api/payments/accounts",
        json={"name": "王女士", "phone": "13800000001", "balance": 50_000},
        headers={**staff_headers(live_store, "C01"), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201, r.text
    page = checkout(browser, live_store, "A03", PHONE)
    page.click("#tenders button[data-tender=stored_value]")
    page.fill("#sv-query", "13800000001")
    page.press("#sv-query", "Enter")
    page.wait_for_selector("#sv-account:not(.hidden)")
    assert page.inner_text("#sv-balance") == "¥500.00", "the balance before paying"
    shown = page.inner_text("#sv-account")
    assert "王女士" in shown and "138****0001" in shown and "null" not in shown, shown
    screenshot(page, "pos-stored-value-phone")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    page.wait_for_function("document.getElementById('sv-balance').textContent === '¥459.00'")
    rows = page.eval_on_selector_all(
        "#pay-list .pay-row", "els => els.map(e => [e.dataset.tender, e.dataset.status])"
    )
    assert rows == [["stored_value", "succeeded"]]
    page.close()


def test_a_shift_pay_out_then_close_shows_the_difference(browser: Any, live_store: LiveStore):
    page = checkout(browser, live_store, "A04", TABLET)
    page.click("#shift-btn")
    page.wait_for_selector("#shift-dialog[open][data-state=none]")
    page.fill("#shift-amount", "200")
    page.click("#shift-ok")
    page.wait_for_selector("#shift-dialog[data-state=open]")
    assert page.get_attribute("#shift-info", "data-expected") == "20000"
    page.fill("#move-amount", "20")
    page.fill("#move-reason", "ice from the shop next door")
    page.click("#pay-out")
    page.wait_for_function("document.getElementById('shift-info').dataset.expected === '18000'")
    assert "20.00" in page.inner_text("#move-note")
    page.fill("#move-amount", "5")
    page.fill("#move-reason", "coins")
    page.click("#pay-in")
    page.wait_for_function("document.getElementById('shift-info').dataset.expected === '18500'")
    screenshot(page, "pos-shift-pay-out-tablet")
    page.fill("#shift-amount", "180")  # counted: ¥5 short
    page.click("#shift-ok")
    page.wait_for_selector("#shift-result:not(.hidden)")
    assert page.inner_text("#shift-expected") == "¥185.00"
    assert page.inner_text("#shift-counted") == "¥180.00"
    assert page.inner_text("#shift-difference") == "-¥5.00"
    assert page.get_attribute("#shift-result", "data-verdict") == "short"
    assert "Short" in page.inner_text("#shift-verdict")
    screenshot(page, "pos-shift-close-tablet")
    page.click("#shift-done")
    page.wait_for_selector("#shift-dialog", state="hidden")
    r = httpx.get(
        f"{live_store.base_url}/api/shifts/current", headers=staff_headers(live_store, "C01")
    )
    assert r.status_code == 404, "the shift is closed"
    page.close()


def test_a_waiting_qr_can_be_cancelled_and_the_bill_paid_in_cash(browser: Any, wallets: Any):
    store, emulator = wallets
    page = checkout(browser, store, "A05", TABLET)
    page.click("#tenders button[data-tender=wallet_qr]")
    page.click("#pay-go")
    page.wait_for_selector("#pay-qr-box:not(.hidden)")
    payment_id = page.get_attribute("#pay-qr-box", "data-id")
    assert page.inner_text("#pay-qr-cancel") == "Cancel / 取消"
    page.click("#pay-qr-cancel")
    page.wait_for_selector("#pay-qr-box", state="hidden")
    page.wait_for_selector(f"#pay-list .pay-row[data-id='{payment_id}'][data-status=reversed]")
    screenshot(page, "pos-qr-cancelled-tablet")
    trade = next(t for t in emulator.ledger()["trades"] if t["intent_id"] == payment_id)
    assert trade["status"] == "closed", "closed at the provider: a late scan cannot pay"
    page.click("#tenders button[data-tender=cash]")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    page.close()


def test_cash_change_on_screen_follows_the_stores_rounding(browser: Any, live_store: LiveStore):
    manager = {**staff_headers(live_store, "M01")}
    settings = httpx.get(f"{live_store.base_url}/api/store/settings", headers=manager).json()
    r = httpx.put(
        f"{live_store.base_url}/api/store/settings",
        json=settings | {"cash_rounding": "jiao"},
        headers=manager | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    page = checkout(browser, live_store, "A06", TABLET)
    page.fill("#pay-amount", "40.95")  # a part payment is taken as keyed
    page.fill("#pay-tendered", "40.95")
    page.click("#pay-go")
    page.wait_for_function("document.getElementById('pay-due').dataset.fen === '5'")
    # The last 0.05 settles the bill: rounded half up to 0.10, as the server will.
    assert page.inner_text("#pay-collect-amount") == "¥0.10"
    assert "+¥0.05" in page.inner_text("#pay-rounding")
    page.fill("#pay-tendered", "1")
    assert page.inner_text("#pay-change") == "¥0.90"
    screenshot(page, "pos-cash-rounding-tablet")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    assert page.inner_text("#change-due") == "¥0.90", "the server agrees"
    page.close()
