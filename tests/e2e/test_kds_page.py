"""The kitchen display in a real browser: tickets appear live, bump by touch and by bump-bar
keys, and a dropped connection (the node restarted) resumes without losing a ticket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.bootstrap import build_node
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from hearth.testing.waiting import wait_until
from tests.e2e.conftest import LiveStore, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TABLET = {"width": 1280, "height": 800}


@pytest.fixture
def kitchen_store(tmp_path: Path) -> Iterator[tuple[LiveStore, dict[str, str]]]:
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    stations = a_kitchen(setup, ids)
    setup.close()
    # Printer fallback stays out of the way: these screens are online.
    proc = NodeProcess(
        db_url, log=tmp_path / "node.log", env={"HEARTH_KITCHEN_FALLBACK_AFTER_S": "3600"}
    )
    SPICE.update({"gbjd": [ids.options["Mild"]], "mpdf": [ids.options["Not spicy"]]})
    proc.start()
    try:
        yield LiveStore(proc.base_url, ids, proc), stations
    finally:
        proc.stop()


def waiter(store: LiveStore) -> dict[str, str]:
    r = httpx.post(
        f"{store.base_url}/api/auth/pin",
        json={"staff_code": "W01", "pin": store.ids.pins["W01"]},
        headers={"X-Terminal-Key": store.ids.terminal_key},
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


SPICE: dict[str, list[str]] = {}


def order(store: LiveStore, h: dict[str, str], item: str, note: str) -> dict[str, Any]:
    r = httpx.post(
        f"{store.base_url}/api/orders",
        headers=h | {"Idempotency-Key": uuid.uuid4().hex},
        json={
            "channel": "dine_in",
            "table_id": store.ids.tables["A02"],
            "submit": True,
            "lines": [
                {
                    "item_id": store.ids.items[item],
                    "note": note,
                    "seat": 2,
                    "modifier_option_ids": SPICE.get(item, []),
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def open_kds(browser: Any, store: LiveStore, station: str, lang: str = "en", **screen: Any) -> Any:
    context = browser.new_context(**({"viewport": TABLET} | screen), has_touch=True)
    page = context.new_page()
    page.goto(f"{store.base_url}/kds?station={station}&lang={lang}&key={store.ids.terminal_key}")
    page.fill("#staff-code", "K01")
    for digit in store.ids.pins["K01"]:
        page.tap(f"#keypad button:text-is('{digit}')")
    page.tap("#login-form button[type=submit]")
    page.wait_for_selector("#board:not(.hidden)")
    page.wait_for_function("window.KDS && window.KDS.online === true")
    return page


def open_tickets(page: Any) -> int:
    return int(page.evaluate("document.querySelectorAll('#tickets .ticket').length"))


def test_tickets_appear_live_and_bump_by_touch_and_by_key(browser, kitchen_store):
    store, _stations = kitchen_store
    h = waiter(store)
    page = open_kds(browser, store, "hot")
    assert page.inner_text("#tickets") == "No open tickets"

    first = order(store, h, "gbjd", "less oil")
    page.wait_for_selector(f".ticket:has-text('#{first['number']}')")
    card = page.inner_text(".ticket")
    assert "Kung Pao Chicken" in card and "less oil" in card and "A02" in card
    assert "宫保鸡丁" in card, "the other language is shown small under the name"
    page.wait_for_selector(".all-day .count:has-text('Kung Pao Chicken')")
    screenshot(page, "kds-hot-tablet")

    page.tap(".ticket .bump")  # touch
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 0")

    order(store, h, "rice", "")
    order(store, h, "mpdf", "no pepper")
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 2")
    page.keyboard.press("2")  # bump bar: select the second ticket...
    page.wait_for_selector(".ticket.selected:has-text('Mapo Tofu')")
    page.keyboard.press("Enter")  # ...and bump it
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 1")
    assert "Steamed Rice" in page.inner_text("#tickets")
    page.keyboard.press("r")  # recall the last bumped
    page.wait_for_selector(".ticket:has-text('Mapo Tofu')")
    page.keyboard.press("u")  # undo the recall
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 1")
    assert "Mapo Tofu" not in page.inner_text("#tickets")

    page.goto(f"{store.base_url}/kds?station=hot&lang=zh")
    page.wait_for_selector(".ticket:has-text('米饭')")
    assert "完成" in page.inner_text(".ticket .bump")


def test_a_dropped_connection_shows_offline_and_resumes_without_loss(browser, kitchen_store):
    store, _stations = kitchen_store
    page = open_kds(browser, store, "hot")
    h = waiter(store)
    order(store, h, "rice", "before")
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 1")

    store.process.stop(keep_port=True)  # the store node goes away (restart, power, Wi-Fi)
    page.wait_for_selector("#kds-offline:not(.hidden)", timeout=10_000)
    screenshot(page, "kds-offline-tablet")
    store.process.start()
    h = waiter(store)
    made = [order(store, h, "rice", f"after {n}")["number"] for n in range(3)]
    page.wait_for_function(
        "document.querySelectorAll('#tickets .ticket').length === 4", timeout=15_000
    )
    page.wait_for_selector("#kds-offline.hidden", state="attached")
    numbers = page.evaluate(
        "[...document.querySelectorAll('#tickets .ticket .num')].map(n => n.textContent)"
    )
    assert sorted(numbers) == sorted(f"#{n}" for n in [1, *made]), "each ticket once"


def test_the_expo_marks_an_order_ready(browser, kitchen_store):
    store, stations = kitchen_store
    h = waiter(store)
    made = order(store, h, "rice", "")
    expo = open_kds(browser, store, "expo")
    expo.wait_for_selector(f".expo-order:has-text('#{made['number']}')")
    k = {"Authorization": f"Bearer {expo.evaluate('localStorage.hearth_token')}"}
    tickets = httpx.get(
        f"{store.base_url}/api/kitchen/stations/{stations['hot']}/tickets", headers=k
    ).json()["tickets"]
    r = httpx.post(
        f"{store.base_url}/api/kitchen/stations/{stations['hot']}/tickets/{tickets[0]['id']}/bump",
        headers=k | {"Idempotency-Key": "b1"},
    )
    assert r.status_code == 200, r.text
    expo.wait_for_selector(".expo-order.is-ready")
    screenshot(expo, "kds-expo-tablet")
    expo.tap(".expo-order .bump")  # handed out
    expo.wait_for_function("document.querySelectorAll('.expo-order').length === 0")
    status = httpx.get(f"{store.base_url}/api/orders/{made['id']}", headers=h).json()["status"]
    assert status == "served"


def cook_headers(page: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {page.evaluate('localStorage.hearth_token')}"}


def test_the_expo_asks_before_marking_an_unfinished_order_ready(browser, kitchen_store):
    store, _stations = kitchen_store
    h = waiter(store)
    made = order(store, h, "rice", "")
    expo = open_kds(browser, store, "expo")
    expo.wait_for_selector(f".expo-order:has-text('#{made['number']}')")
    expo.keyboard.press("Enter")  # the bump bar's Enter on an order the hot station is making
    expo.wait_for_selector("#force-dialog[open]")
    assert (
        expo.inner_text("#force-text") == "Stations still working: Hot Kitchen — mark ready anyway?"
    )
    screenshot(expo, "kds-expo-force-tablet")
    expo.keyboard.press("Enter")  # a second Enter cancels: the focus is on Cancel
    expo.wait_for_selector("#force-dialog:not([open])", state="attached")

    def status() -> str:
        return str(
            httpx.get(f"{store.base_url}/api/orders/{made['id']}", headers=h).json()["status"]
        )

    assert status() == "submitted", "nothing was forced"

    expo.tap(".expo-order .bump")
    expo.wait_for_selector("#force-dialog[open]")
    expo.tap("#force-ok")
    expo.wait_for_selector(".expo-order.is-ready")
    assert status() == "ready"


def test_86_from_the_kds_stops_every_channel(browser, kitchen_store):
    store, _stations = kitchen_store
    page = open_kds(browser, store, "hot")
    page.tap("#eighty-six-open")
    page.fill("#eighty-six-q", "mpdf")  # pinyin initials, as cooks type them
    row = page.wait_for_selector("#eighty-six-results .result:has-text('Mapo Tofu')")
    assert "麻婆豆腐" in row.inner_text()
    page.keyboard.press("Enter")  # Enter in the search box 86es nothing and closes nothing
    assert page.is_visible("#eighty-six-dialog")
    row.query_selector("button").tap()
    page.wait_for_selector("#eighty-six-results .result.sold-out:has-text('Mapo Tofu')")

    h = waiter(store)
    menu = httpx.get(f"{store.base_url}/api/menu", headers=h).json()
    tofu = next(i for i in menu["items"] if i["id"] == store.ids.items["mpdf"])
    assert tofu["sold_out"] is True
    r = httpx.post(
        f"{store.base_url}/api/orders",
        headers=h | {"Idempotency-Key": uuid.uuid4().hex},
        json={
            "channel": "takeaway",
            "submit": True,
            "lines": [{"item_id": store.ids.items["mpdf"], "modifier_option_ids": SPICE["mpdf"]}],
        },
    )
    assert r.status_code in (409, 422), r.text
    page.tap("#eighty-six-dialog button[value=close]")
    page.wait_for_selector("#eighty-six-dialog:not([open])", state="attached")


def test_a_done_ticket_is_recalled_from_the_drawer(browser, kitchen_store):
    store, _stations = kitchen_store
    h = waiter(store)
    page = open_kds(browser, store, "hot")
    first = order(store, h, "gbjd", "first")
    second = order(store, h, "rice", "second")
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 2")
    page.tap(f".ticket:has-text('#{first['number']}') .bump")
    page.tap(f".ticket:has-text('#{second['number']}') .bump")
    page.wait_for_selector("#tickets .empty")
    page.tap("#recent-open")
    page.wait_for_selector("#recent-dialog[open]")
    assert page.evaluate(
        "[...document.querySelectorAll('#recent-list li .num')].map(n => n.textContent)"
    ) == [f"#{second['number']}", f"#{first['number']}"], "the last bumped on top"
    screenshot(page, "kds-recent-tablet")
    # Not the last one bumped (that is what the r key brings back): the first.
    page.tap(f"#recent-list li:has-text('#{first['number']}') .recall")
    page.wait_for_selector("#recent-dialog:not([open])", state="attached")
    page.wait_for_selector(f"#tickets .ticket:has-text('#{first['number']}')")
    assert open_tickets(page) == 1
    assert "Kung Pao Chicken" in page.inner_text("#tickets")


def test_a_void_after_sending_shows_a_marked_void_ticket(browser, kitchen_store):
    store, _stations = kitchen_store
    h = waiter(store)
    page = open_kds(browser, store, "hot")
    made = order(store, h, "gbjd", "")
    page.wait_for_selector(f".ticket:has-text('#{made['number']}')")
    line = made["lines"][0]["id"]
    r = httpx.post(
        f"{store.base_url}/api/orders/{made['id']}/lines/{line}/void",
        headers=h | {"Idempotency-Key": uuid.uuid4().hex},
        json={
            "reason": "guest left",
            "approval": {"staff_code": "M01", "pin": store.ids.pins["M01"]},
        },
    )
    assert r.status_code == 200, r.text
    slip = page.wait_for_selector(".ticket.kind-void")
    text = slip.inner_text()
    assert "VOID" in text and "Kung Pao Chicken" in text and "guest left" in text
    assert slip.query_selector(".item.marker-void") is not None, "struck through"
    assert open_tickets(page) == 1, "the original left the screen; the slip stays to be seen"
    screenshot(page, "kds-void-tablet")


def test_signing_in_again_keeps_one_feed_and_one_clock(browser, kitchen_store):
    store, stations = kitchen_store
    page = open_kds(browser, store, "hot")
    ticker = page.evaluate("window.KDS.ticker")
    for _ in range(2):  # the sign-in form again (an expired sign-in brings it back)
        page.evaluate(
            """(pin) => {
            window.beforeSignIn = window.KDS.source;
            document.getElementById('staff-code').value = 'K01';
            document.getElementById('pin').value = pin;
            document.getElementById('login-form').requestSubmit(); }""",
            store.ids.pins["K01"],
        )
        page.wait_for_function(
            "window.KDS.source !== window.beforeSignIn"
            " && window.KDS.starting === null && window.KDS.online === true"
        )
    assert page.evaluate("window.KDS.ticker") == ticker
    k = cook_headers(page)

    def online() -> int:
        listed = httpx.get(f"{store.base_url}/api/kitchen/stations", headers=k).json()
        return int(next(s for s in listed if s["id"] == stations["hot"])["screens_online"])

    wait_until(lambda: online() == 1, what="the replaced connections to close")


def test_the_kds_on_a_phone(browser, kitchen_store):
    store, _stations = kitchen_store
    h = waiter(store)
    order(store, h, "gbjd", "less oil")
    order(store, h, "mpdf", "")
    page = open_kds(
        browser,
        store,
        "hot",
        lang="zh",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        device_scale_factor=2,
    )
    page.wait_for_function("document.querySelectorAll('#tickets .ticket').length === 2")
    page.wait_for_selector(".all-day .count:has-text('宫保鸡丁')")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing runs off the side of a phone"
    screenshot(page, "kds-hot-phone")
    page.context.close()


def test_new_age_colours_reach_an_open_kds(browser, kitchen_store):
    store, stations = kitchen_store
    page = open_kds(browser, store, "hot")
    order(store, waiter(store), "rice", "")
    page.wait_for_selector(".ticket.age-green")
    r = httpx.post(
        f"{store.base_url}/api/auth/pin",
        json={"staff_code": "M01", "pin": store.ids.pins["M01"]},
        headers={"X-Terminal-Key": store.ids.terminal_key},
    )
    m = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = httpx.post(
        f"{store.base_url}/api/kitchen/stations/{stations['hot']}/timing",
        headers=m | {"Idempotency-Key": uuid.uuid4().hex},
        json={"warn_s": 30, "late_s": 60},
    )
    assert r.status_code == 200, r.text
    page.wait_for_function("window.KDS.station.warn_s === 30 && window.KDS.station.late_s === 60")
    # A ticket sent a minute ago would now be red, without reloading the page.
    page.evaluate("""() => { const tk = [...window.KDS.tickets.values()][0];
                             tk.sent_at_ms = Date.now() - 61_000; }""")
    page.wait_for_selector(".ticket.age-red")
