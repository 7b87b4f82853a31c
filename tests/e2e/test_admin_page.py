"""An admin signs in on a tablet, adds a dish with a variant and a new modifier group, gives it a
picture, and a diner's phone at a table sees it on the QR menu; settings and QR codes too."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_diner_page import seat
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
    r = httpx.post(
        f"{store.base_url}/api/auth/password",
        json={"staff_code": "M01", "password": store.ids.passwords["M01"]},
    )
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
        f"document.querySelector(\"tr[data-item='{item_id}'] img.thumb\").naturalWidth === 40"
    )
    screenshot(page, "admin-item-added-tablet")

    # The diner menu for table A01 has it, with its variant, group and picture...
    headers = staff_headers(live_store)
    qr = httpx.get(
        f"{live_store.base_url}/api/tables/{live_store.ids.tables['A01']}/qr", headers=headers
    ).json()
    diner = httpx.get(f"{live_store.base_url}/api/qr/{qr['token']}/menu").json()
    dish = next(i for i in diner["items"] if i["name_en"] == "Eggplant")
    assert dish["price"] == 2850 and [s["name_en"] for s in dish["specs"]] == ["Regular"]
    group = next(g for g in diner["modifier_groups"] if g["name_en"] == "Portion")
    assert dish["modifier_group_ids"] == [group["id"]]
    assert [o["price_delta"] for o in group["options"]] == [0, 500]
    assert dish["image_url"].startswith("/api/menu/images/")
    # ...and so does the diner's phone, once a waiter has seated the table.
    seat(live_store, "A01")
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
        " return i && i.complete && i.naturalWidth > 0; })()"
    )
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
    # Rename a table: its card (and its QR code, which names the table's id) follow.
    page.once("dialog", lambda d: d.accept("窗边1"))
    page.click(".card[data-code='A01'] button.rename")
    page.wait_for_selector(".card[data-code='窗边1']")
    assert page.locator(".card[data-code='A01']").count() == 0
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
        ".some(r => r.innerText.includes('Drinks') && r.innerText.includes('Bar'))"
    )
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
        "document.getElementById('pane-printers').innerText.includes('Bar printer')"
    )
    screenshot(page, "admin-printers-tablet")

    page.click("#tab-payments")
    providers = httpx.get(
        f"{live_store.base_url}/api/payments/providers", headers=staff_headers(live_store)
    ).json()
    for p in providers:
        page.wait_for_selector(f"#pane-payments tr[data-provider='{p['name']}']")
    if not providers:
        page.wait_for_selector("#no-providers")
    screenshot(page, "admin-payments-tablet")
    page.close()


def test_a_manager_sees_a_locked_out_waiter_and_unlocks_them(browser, live_store):
    """5 wrong PINs lock W01; the staff tab explains the rules (6-digit manager PINs, 30-minute
    lockouts, a manager unlocks after 3) and an Unlock button lets W01 sign in again."""
    base, key = live_store.base_url, {"X-Terminal-Key": live_store.ids.terminal_key}
    codes = [
        httpx.post(
            f"{base}/api/auth/pin", headers=key, json={"staff_code": "W01", "pin": "97531"}
        ).status_code
        for _ in range(5)
    ]
    assert codes == [401] * 4 + [423]
    page = browser.new_page(viewport=TABLET)
    sign_in(page, live_store)
    page.click("#tab-staff")
    page.wait_for_selector("tr[data-staff='W01'][data-locked='true'] .badge.lock")
    rules = page.inner_text("#pin-rules")
    assert "6 digits" in rules and "30" in rules and "PCI DSS 8.3.4" in rules
    screenshot(page, "admin-staff-locked-tablet")
    page.click("tr[data-staff='W01'] button.unlock")
    page.wait_for_selector("tr[data-staff='W01'][data-locked='false']")
    assert page.locator("tr[data-staff='W01'] button.unlock").count() == 0
    ok = httpx.post(
        f"{base}/api/auth/pin",
        headers=key,
        json={"staff_code": "W01", "pin": live_store.ids.pins["W01"]},
    )
    assert ok.status_code == 200, ok.text
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
        ".some(r => r.innerText.includes('Kiosk by the door') && r.innerText.includes('kiosk'))"
    )
    screenshot(page, "admin-terminals-tablet")
    menu = httpx.get(f"{live_store.base_url}/api/kiosk/menu", headers={"X-Terminal-Key": key})
    assert menu.status_code == 200, menu.text
    refused = httpx.post(
        f"{live_store.base_url}/api/auth/pin",
        json={"staff_code": "C01", "pin": live_store.ids.pins["C01"]},
        headers={"X-Terminal-Key": key},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "terminal-is-kiosk"
    page.close()


def test_admin_edits_groups_categories_combos_stations_and_sees_payments(browser, live_store):
    headers = staff_headers(live_store)
    base = live_store.base_url
    page = browser.new_page(viewport=TABLET)
    sign_in(page, live_store)

    # Edit a modifier group after creation: the egg option costs more and is renamed.
    page.click("#pane-menu tr[data-name='Extras'] button.edit-group")
    page.wait_for_selector("#group-edit-form")
    egg = page.locator("#ge-options .option-row").first
    egg.locator(".opt-en").fill("Two eggs")
    egg.locator(".opt-price").fill("3.50")
    page.fill("#ge-max", "3")
    screenshot(page, "admin-group-edit-tablet")
    page.click("#group-save")
    page.wait_for_function("document.body.innerText.includes('Two eggs +¥3.50')")
    menu = httpx.get(f"{base}/api/menu", headers=headers).json()
    extras = next(g for g in menu["modifier_groups"] if g["id"] == live_store.ids.groups["extras"])
    assert extras["max_choices"] == 3
    assert extras["options"][0] == {
        "id": live_store.ids.options["Add egg"],
        "name_zh": "加蛋",
        "name_en": "Two eggs",
        "price_delta": 350,
    }
    # A limit the options cannot meet is refused in words and changes nothing.
    page.click("#pane-menu tr[data-name='Extras'] button.edit-group")
    page.fill("#ge-min", "5")
    page.click("#group-save")
    page.wait_for_selector(".toast.error:has-text('limits')")

    # Rename a category in place.
    row = page.locator("#pane-menu tr[data-name='Drinks']")
    row.locator(".cat-en").fill("Cold drinks")
    row.locator("button.save-cat").click()
    page.wait_for_selector("#pane-menu tr[data-name='Cold drinks']")

    # A new set meal, with two courses, shows on a diner's phone.
    page.click("button.new-combo")
    page.wait_for_selector("#combo-form")
    page.select_option("#cb-category", label="Set meals")
    page.fill("#cb-name-zh", "双人餐")
    page.fill("#cb-name-en", "Dinner for two")
    page.fill("#cb-price", "88")
    first = page.locator("#combo-slots .slot").first
    first.locator(".slot-zh").fill("主菜")
    first.locator(".slot-en").fill("Main")
    first.locator(".choice-item").select_option(label="Kung Pao Chicken")
    first.locator("button.add-choice").click()
    first.locator(".choice-row").nth(1).locator(".choice-item").select_option(label="Peking Duck")
    first.locator(".choice-row").nth(1).locator(".choice-up").fill("30")
    page.click("button.add-course")
    second = page.locator("#combo-slots .slot").nth(1)
    second.locator(".slot-zh").fill("饮品")
    second.locator(".slot-en").fill("Drink")
    second.locator(".choice-item").select_option(label="Sour Plum Drink")
    screenshot(page, "admin-combo-form-tablet")
    page.click("#combo-save")
    page.wait_for_selector("tr[data-combo][data-name='Dinner for two']")
    assert "Peking Duck +¥30.00" in page.inner_text("tr[data-combo][data-name='Dinner for two']")
    screenshot(page, "admin-combos-tablet")

    qr = httpx.get(f"{base}/api/tables/{live_store.ids.tables['A03']}/qr", headers=headers).json()
    seat(live_store, "A03")
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{base}{qr['path']}?lang=en")
    phone.wait_for_selector(".dish[data-name='Dinner for two']")
    assert "¥88.00" in phone.inner_text(".dish[data-name='Dinner for two']")
    phone.close()

    # Edit the set: its drink course now also offers cola, at ¥2 more.
    page.click("tr[data-name='Dinner for two'] button.edit-combo")
    second = page.locator("#combo-slots .slot").nth(1)
    second.locator("button.add-choice").click()
    second.locator(".choice-row").nth(1).locator(".choice-item").select_option(label="Cola")
    second.locator(".choice-row").nth(1).locator(".choice-up").fill("2")
    page.click("#combo-save")
    page.wait_for_function(
        "document.querySelector(\"tr[data-combo][data-name='Dinner for two']\")"
        ".innerText.includes('Cola +¥2.00')"
    )

    # Stations: a new wok station's tickets turn amber after 4 minutes and red after 9.
    page.click("#tab-kitchen")
    page.wait_for_selector("#station-form")
    page.fill("#st-key", "hot")
    page.fill("#st-zh", "炒锅")
    page.fill("#st-en", "Wok")
    page.click("#station-form button[type=submit]")
    hot = page.locator("#pane-kitchen tr[data-key='hot']")
    hot.wait_for()
    hot.locator(".warn-min").fill("4")
    hot.locator(".late-min").fill("9")
    hot.locator("button.save-timing").click()
    page.wait_for_selector(".toast.ok")
    stations = httpx.get(f"{base}/api/kitchen/stations", headers=headers).json()
    timing = next((s["warn_s"], s["late_s"]) for s in stations if s["key"] == "hot")
    assert timing == (240, 540)
    page.wait_for_function(
        "document.querySelector(\"#pane-kitchen tr[data-key='hot'] .warn-min\").value === '4'"
    )
    # Red before amber is refused by the kitchen module, in its words.
    page.locator("#pane-kitchen tr[data-key='hot'] .late-min").fill("2")
    page.locator("#pane-kitchen tr[data-key='hot'] button.save-timing").click()
    page.wait_for_selector(".toast.error")
    screenshot(page, "admin-station-timing-tablet")

    # Payments: declined offline payments and a reconciliation run on demand.
    page.click("#tab-payments")
    page.wait_for_selector("#no-declined, #declined tr[data-payment]")
    page.click("button.reconcile")
    page.wait_for_selector("#reconcile-summary")
    summary = page.get_attribute("#reconcile-summary", "data-differences")
    assert summary is not None and int(summary) == page.locator(".diff-table tbody tr").count()
    screenshot(page, "admin-payments-reconcile-tablet")

    # Delivery: map a Meituan SKU to a large cola.
    page.click("#tab-delivery")
    page.wait_for_selector("#mapping-form")
    page.fill("#mp-sku", "MT-COLA-L")
    page.fill("#mp-name", "可乐（大）")
    page.select_option("#mp-item", label="Cola")
    page.select_option("#mp-spec", label="Large ¥8.00")
    page.click("#mapping-save")
    page.wait_for_selector("tr[data-sku='MT-COLA-L']")
    maps = httpx.get(f"{base}/api/delivery/mappings", headers=headers).json()
    mapped = next(m for m in maps if m["sku"] == "MT-COLA-L")
    assert (mapped["item_id"], mapped["spec_id"]) == (
        live_store.ids.items["cola"],
        live_store.ids.specs["large"],
    )
    screenshot(page, "admin-delivery-mapping-tablet")
    page.close()
