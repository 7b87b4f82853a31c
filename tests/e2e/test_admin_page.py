"""An admin signs in on a tablet, adds a dish with a variant and a new modifier group, gives it a
picture, and a diner's phone at a table sees it on the QR menu; settings and QR codes too."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveStore, screenshot
from tests.integration.test_admin_pictures import png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def sign_in(page: Any, store: LiveStore, lang: str = "en") -> None:
    page.goto(f"{store.base_url}/admin?lang={lang}")
    page.fill("#a-code", "M01")
    page.fill("#a-password", store.ids.passwords["M01"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#pane-menu tr[data-name='Kung Pao Chicken']")


def staff_headers(store: LiveStore) -> dict[str, str]:
    r = httpx.post(f"{store.base_url}/api/auth/password",
                   json={"staff_code": "M01", "password": store.ids.passwords["M01"]})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_admin_adds_an_item_and_it_appears_on_the_qr_menu(browser, live_store, tmp_path):
    page = browser.new_page(viewport=TABLET)
    sign_in(page, live_store)
    screenshot(page, "admin-menu-tablet")

    # A new modifier group, typed as lines of options.
    page.fill("#g-zh", "份量")
    page.fill("#g-en", "Portion")
    page.fill("#g-min", "1")
    page.fill("#g-max", "1")
    page.fill("#g-options", "小份|Small portion|0\n大份|Large portion|5")
    page.click("#group-form button[type=submit]")
    page.wait_for_selector("#item-form-box >> xpath=..")  # re-rendered
    page.wait_for_function("document.body.innerText.includes('Large portion')")

    # A refused price is explained in plain words, and nothing is added.
    page.click("text=New item")
    page.fill("#i-name-zh", "鱼香茄子")
    page.fill("#i-name-en", "Eggplant")
    page.fill("#i-price", "cheap")
    page.click("#item-save")
    page.wait_for_selector(".toast.error")
    assert "price" in page.inner_text(".toast.error").lower()

    # Now properly: a variant and the new group.
    page.fill("#i-price", "")
    page.click(".add-spec")
    page.fill(".spec-row .spec-zh", "标准")
    page.fill(".spec-row .spec-en", "Regular")
    page.fill(".spec-row .spec-price", "28.50")
    page.check("#groups label:has-text('Portion') input")
    page.click("#item-save")
    page.wait_for_selector("tr[data-name='Eggplant']")
    row = page.locator("tr[data-name='Eggplant']")
    assert "¥28.50" in row.inner_text()
    item_id = row.get_attribute("data-item")

    # A picture, uploaded from the tablet.
    picture = tmp_path / "eggplant.png"
    picture.write_bytes(png(40, 30))
    page.set_input_files(f"input[data-item='{item_id}']", str(picture))
    page.wait_for_selector(f"tr[data-item='{item_id}'] img.thumb")
    page.wait_for_function(
        f"document.querySelector(\"tr[data-item='{item_id}'] img.thumb\").naturalWidth === 40")
    screenshot(page, "admin-item-added-tablet")

    # The diner menu for table A01 has it, with its variant, group and picture...
    headers = staff_headers(live_store)
    qr = httpx.get(f"{live_store.base_url}/api/tables/{live_store.ids.tables['A01']}/qr",
                   headers=headers).json()
    diner = httpx.get(f"{live_store.base_url}/api/qr/{qr['token']}/menu").json()
    dish = next(i for i in diner["items"] if i["name_en"] == "Eggplant")
    assert dish["price"] == 2850 and [s["name_en"] for s in dish["specs"]] == ["Regular"]
    group = next(g for g in diner["modifier_groups"] if g["name_en"] == "Portion")
    assert dish["modifier_group_ids"] == [group["id"]]
    assert [o["price_delta"] for o in group["options"]] == [0, 500]
    assert dish["image_url"].startswith("/api/menu/images/")
    # ...and so does the diner's phone.
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{live_store.base_url}{qr['path']}?lang=en")
    phone.wait_for_selector(".dish[data-name='Eggplant']")
    phone.close()

    # Sold out from the admin page: it leaves the diner menu at once.
    row.locator("button.soldout").click()
    page.wait_for_selector(f"tr[data-item='{item_id}'] button.back")
    diner = httpx.get(f"{live_store.base_url}/api/qr/{qr['token']}/menu").json()
    assert all(i["id"] != item_id for i in diner["items"])

    # Store settings.
    page.click("#tab-settings")
    page.wait_for_selector("#settings-form")
    page.fill("#s-name-en", "Lao Wang Sichuan")
    page.fill("#s-service", "10")
    page.select_option("#s-rounding", "jiao")
    page.click("#settings-save")
    page.wait_for_selector(".toast.ok")
    saved = httpx.get(f"{live_store.base_url}/api/store/settings", headers=headers).json()
    assert saved["name_en"] == "Lao Wang Sichuan" and saved["service_charge_bp"] == 1000
    assert saved["cash_rounding"] == "jiao"
    page.fill("#s-phone", "not a phone!")
    page.click("#settings-save")
    page.wait_for_selector(".toast.error:has-text('phone')")
    screenshot(page, "admin-settings-tablet")

    # A table's QR code is drawn by the store node and holds the table's link.
    page.click("#tab-floor")
    page.click(".card[data-code='A01'] button.show-qr")
    page.wait_for_function(
        "(() => { const i = document.querySelector(\".card[data-code='A01'] img.qr-img\");"
        " return i && i.complete && i.naturalWidth > 0; })()")
    link = page.inner_text(".card[data-code='A01'] .url")
    assert link.endswith(qr["path"])
    screenshot(page, "admin-floor-qr-tablet")
    page.close()


def test_admin_on_a_phone_in_chinese(browser, live_store):
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_store, "zh")
    assert page.inner_text("#tab-menu") == "菜单"
    screenshot(page, "admin-menu-phone")
    page.click("#tab-staff")
    page.wait_for_selector("tr[data-staff='W01']")
    screenshot(page, "admin-staff-phone")
    page.click("#tab-floor")
    page.wait_for_selector(".card[data-code='A01']")
    screenshot(page, "admin-floor-phone")
    page.close()


def test_a_cashier_cannot_use_the_admin_page(browser, live_store):
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{live_store.base_url}/admin?lang=en")
    page.fill("#a-code", "C01")
    page.fill("#a-password", "whatever-it-is")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".toast.error")
    assert "manager" in page.inner_text(".toast.error").lower()
    assert page.is_hidden("#app")
    page.close()


def test_stations_printers_and_payment_providers_sections(browser, live_store):
    page = browser.new_page(viewport=TABLET)
    sign_in(page, live_store)
    page.click("#tab-kitchen")
    page.wait_for_selector("#station-form")
    page.fill("#st-key", "bar")
    page.fill("#st-zh", "吧台")
    page.fill("#st-en", "Bar")
    page.click("#station-form button[type=submit]")
    page.wait_for_function("document.getElementById('pane-kitchen').innerText.includes('Bar')")
    # A routing rule needs at least one station: the server says so, in words.
    page.select_option("#r-cat", label="Drinks")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector(".toast.error")
    page.check("#r-stations label:has-text('Bar') input")
    page.click("#rule-form button[type=submit]")
    page.wait_for_function(
        "[...document.querySelectorAll('#pane-kitchen tr')]"
        ".some(r => r.innerText.includes('Drinks') && r.innerText.includes('Bar'))")
    screenshot(page, "admin-stations-tablet")

    page.click("#tab-printers")
    page.wait_for_selector("#printer-form")
    page.fill("#p-name", "Bar printer")
    page.fill("#p-host", "127.0.0.1")
    page.fill("#p-port", "70000")
    page.click("#printer-form button[type=submit]")
    page.wait_for_selector(".toast.error:has-text('port')")
    page.fill("#p-port", "9100")
    page.click("#printer-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('pane-printers').innerText.includes('Bar printer')")
    screenshot(page, "admin-printers-tablet")

    page.click("#tab-payments")
    providers = httpx.get(f"{live_store.base_url}/api/payments/providers",
                          headers=staff_headers(live_store)).json()
    for p in providers:
        page.wait_for_selector(f"#pane-payments tr[data-provider='{p['name']}']")
    if not providers:
        page.wait_for_selector("#no-providers")
    screenshot(page, "admin-payments-tablet")
    page.close()



def test_a_manager_registers_a_kiosk_and_its_key_opens_the_kiosk(browser, live_store):
    page = browser.new_page(viewport=TABLET)
    sign_in(page, live_store)
    page.click("#tab-staff")
    page.wait_for_selector("#terminal-form")
    page.fill("#tm-name", "Kiosk by the door")
    page.select_option("#tm-kind", "kiosk")
    page.click("#terminal-form button[type=submit]")
    page.wait_for_selector("#terminal-key .keybox")
    key = page.inner_text("#terminal-key .keybox").strip()
    page.wait_for_function(
        "[...document.querySelectorAll('#pane-staff tr')]"
        ".some(r => r.innerText.includes('Kiosk by the door') && r.innerText.includes('kiosk'))")
    screenshot(page, "admin-terminals-tablet")
    menu = httpx.get(f"{live_store.base_url}/api/kiosk/menu", headers={"X-Terminal-Key": key})
    assert menu.status_code == 200, menu.text
    refused = httpx.post(f"{live_store.base_url}/api/auth/pin",
                         json={"staff_code": "C01", "pin": live_store.ids.pins["C01"]},
                         headers={"X-Terminal-Key": key})
    assert refused.status_code == 403 and refused.json()["code"] == "terminal-is-kiosk"
    page.close()
