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
    assert page.inner_text("#order-total") == "¥41.00"
    page.click("#send")
    page.wait_for_selector("#lines .line.st-sent")


def test_cashier_takes_cash_sees_change_and_the_table_goes_to_clean(browser: Any,
                                                                      live_store: LiveStore):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    take_order(page, "A03")
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")
    assert page.get_attribute("#pay-due", "data-fen") == "4100"
    # Quick amounts: exact, then the next ¥10, ¥50 and ¥100 notes.
    quick = page.eval_on_selector_all("#quick-cash .quick-btn",
                                      "els => els.map(e => e.dataset.fen)")
    assert quick == ["4100", "5000", "10000"]
    page.click("#quick-cash .quick-btn[data-fen='10000']")
    assert page.inner_text("#pay-change") == "¥59.00"
    screenshot(page, "pos-checkout-tablet")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    assert page.inner_text("#change-due") == "¥59.00", "the server's change due is shown"
    assert page.is_visible("#pay-done")
    rows = page.eval_on_selector_all("#pay-list .pay-row",
                                     "els => els.map(e => [e.dataset.tender, e.dataset.status])")
    assert rows == [["cash", "succeeded"]]
    screenshot(page, "pos-checkout-paid-tablet")
    page.click("#pay-close")
    # The paid table is back on the floor, waiting to be cleaned.
    page.wait_for_selector("#tables .table[data-code=A03].st-to_clean")
    page.close()


def test_split_tender_shows_what_remains(browser: Any, live_store: LiveStore):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_store, "C01")
    take_order(page, "A05")
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")
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
    orders = httpx.get(f"{live_store.base_url}/api/orders",
                       headers={"Authorization": f"Bearer {token}"}).json()
    assert [o["status"] for o in orders] == ["paid"]
    page.close()


def test_wallet_qr_on_the_till_and_a_provider_outage_in_plain_words(browser: Any,
                                                                     wallets: Any):
    store, emulator = wallets
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, store, "C01")
    take_order(page, "A02")
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")
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
    r = httpx.post(f"{emulator.url}/_emulator/scan",
                   json={"provider": pending[0]["provider"], "intent_id": pending[0]["id"]})
    assert r.status_code == 200, r.text
    page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
    page.click("#pay-close")
    page.wait_for_selector("#tables .table[data-code=A02].st-to_clean")

    # Alipay goes down. A customer's Alipay code can only be paid through Alipay: the cashier
    # reads what happened, and one tap switches to our QR, which the customer scans.
    emulator.fault("alipay", "down", seconds=120)
    take_order(page, "A04")
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")
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
    r = httpx.post(f"{emulator.url}/_emulator/scan",
                   json={"provider": "wechat", "intent_id": pending})
    assert r.status_code == 200, r.text
    page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
    page.close()


def test_a_failed_provider_suggests_the_fallback_and_one_tap_switches(browser: Any,
                                                                        tmp_path: Path):
    with wallet_store(tmp_path, HEARTH_PAYMENT_AUTO_FAILOVER="false") as (store, emulator):
        emulator.fault("alipay", "down", seconds=120)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        sign_in(page, store, "C01")
        take_order(page, "A06")
        page.click("#pay")
        page.wait_for_selector("#pay-dialog[open][data-state=due]")
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
        httpx.post(f"{emulator.url}/_emulator/scan",
                   json={"provider": "wechat", "intent_id": pending}).raise_for_status()
        page.wait_for_selector("#pay-dialog[data-state=paid]", timeout=15000)
        page.close()


def test_the_cashier_finds_a_kiosk_order_by_number_and_takes_cash(browser: Any,
                                                                   live_store: LiveStore):
    key = register_kiosk(live_store)
    placed = httpx.post(f"{live_store.base_url}/api/kiosk/orders",
                        json={"lines": [{"item_id": live_store.ids.items["plum"]}]},
                        headers={"X-Terminal-Key": key, "Idempotency-Key": uuid.uuid4().hex})
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, live_store, "C01")
    page.click(f"#to-pay-list .table[data-number='{number}']")
    page.wait_for_selector("#lines .line.st-pending")  # not cooked before it is paid
    page.click("#pay")
    page.wait_for_selector("#pay-dialog[open][data-state=due]")
    page.click("#quick-cash .quick-btn[data-fen='600']")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    page.click("#pay-close")
    page.wait_for_selector("#floor:not(.hidden)")
    page.wait_for_selector("#to-pay", state="hidden")
    r = httpx.get(f"{live_store.base_url}/api/kiosk/orders/{placed.json()['id']}",
                  headers={"X-Terminal-Key": key})
    assert (r.json()["status"], r.json()["due"]) == ("paid", 0)
    paid = httpx.get(f"{live_store.base_url}/api/orders/{placed.json()['id']}",
                     headers=staff_headers(live_store, "C01")).json()
    assert {ln["state"] for ln in paid["lines"]} == {"sent"}, "paying sent it to the kitchen"
    page.close()
