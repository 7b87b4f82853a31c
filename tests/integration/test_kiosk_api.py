"""The self-service kiosk's API: a registered screen orders takeaway; nothing else gets in."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import Api


def kiosk_key(api: Api) -> str:
    r = api.post("/api/terminals", {"name": "Kiosk by the door", "kind": "kiosk"}, api.login("M01"))
    assert r.status_code == 201, r.text
    key: str = r.json()["key"]
    return key


def kiosk(
    api: Api, key: str, method: str, path: str, body: Any = None, idem: str | None = None
) -> Any:
    headers = {"X-Terminal-Key": key}
    if method == "POST":
        headers["Idempotency-Key"] = idem or uuid.uuid4().hex
    return api.client.request(method, f"/api/kiosk{path}", json=body, headers=headers)


def journal_seq(api: Api) -> int:
    seq: int = api.client.get("/healthz").json()["journal_seq"]
    return seq


def test_a_kiosk_orders_takeaway_priced_by_the_server(api: Api) -> None:
    key = kiosk_key(api)
    menu = kiosk(api, key, "GET", "/menu").json()
    assert {i["name_en"] for i in menu["items"]} >= {"Kung Pao Chicken", "Cola"}
    assert "sold_out" not in menu["items"][0], "guests see only what is on sale, trimmed"
    ids = api.ids
    body = {
        "lines": [
            {
                "item_id": ids.items["gbjd"],
                "modifier_option_ids": [ids.options["Mild"], ids.options["Add egg"]],
            },
            {"item_id": ids.items["cola"], "spec_id": ids.specs["large"], "quantity": 2},
        ]
    }
    idem = uuid.uuid4().hex
    r = kiosk(api, key, "POST", "/orders", body, idem)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["channel"] == "takeaway" and order["status"] == "open"
    assert {ln["state"] for ln in order["lines"]} == {"pending"}, "cooked only once paid"
    assert order["totals"]["total"] == 3800 + 200 + 2 * 800
    assert order["number"] >= 1

    # A retry after a lost answer returns the same order, not a second one.
    again = kiosk(api, key, "POST", "/orders", body, idem)
    assert again.json()["id"] == order["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    orders = api.client.get("/api/orders", headers=api.login("C01")).json()
    assert len(orders) == 1

    status = kiosk(api, key, "GET", f"/orders/{order['id']}").json()
    assert status["number"] == order["number"]
    assert status["due"] == order["totals"]["total"] and status["paid"] == 0

    # The journal says which screen placed it.
    events = api.client.get("/api/journal?limit=1000", headers=api.login("M01")).json()
    opened = [e for e in events if e["stream"] == f"order:{order['id']}"]
    assert opened and all(str(e["actor"]).startswith("kiosk:") for e in opened)


@pytest.mark.parametrize("key", [None, "", "not-a-real-key", "x" * 300])
def test_an_unregistered_screen_is_refused_and_nothing_is_written(
    api: Api, key: str | None
) -> None:
    before = journal_seq(api)
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if key is not None:
        headers["X-Terminal-Key"] = key
    body = {"lines": [{"item_id": api.ids.items["rice"]}]}
    for method, path in (
        ("GET", "/menu"),
        ("POST", "/orders"),
        ("GET", "/orders/anything"),
        ("POST", "/orders/anything/pay"),
    ):
        r = api.client.request(method, f"/api/kiosk{path}", json=body, headers=headers)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["code"] == "kiosk-not-registered"
        assert "register" in r.json()["detail"]
    assert journal_seq(api) == before


def test_a_revoked_key_cannot_order(api: Api) -> None:
    r = api.post("/api/terminals", {"name": "Old kiosk", "kind": "kiosk"}, api.login("M01"))
    tid, key = r.json()["id"], r.json()["key"]
    assert kiosk(api, key, "GET", "/menu").status_code == 200
    api.node.writer.run(
        lambda tx: tx.append(f"terminal:{tid}", "TerminalRevoked", {"id": tid}, None)
    )
    r = kiosk(api, key, "GET", "/menu")
    assert r.status_code == 401 and r.json()["code"] == "kiosk-not-registered"


@pytest.mark.parametrize(
    "line",
    [
        {"item_id": "RICE", "unit_price": 1},
        {"item_id": "RICE", "quantity": 0},
        {"item_id": "RICE", "quantity": 10_000},
        {"item_id": "RICE", "seat": 2},
        {"item_id": "RICE", "held": True},
        {"item_id": "not-an-item"},
        {"item_id": "GBJD"},  # the spice group is required
        {"item_id": "COLA"},  # a size is required
        {"item_id": "RICE", "note": "x" * 500},
    ],
)
def test_nonsense_lines_are_refused_with_a_problem_and_nothing_written(
    api: Api, line: dict[str, Any]
) -> None:
    key = kiosk_key(api)
    line = dict(line)
    if line["item_id"].isupper():
        line["item_id"] = api.ids.items[line["item_id"].lower()]
    before = journal_seq(api)
    r = kiosk(api, key, "POST", "/orders", {"lines": [line]})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].startswith("/problems/") and problem["title"]
    assert journal_seq(api) == before
    assert api.client.get("/api/orders", headers=api.login("C01")).json() == []


def test_empty_and_oversized_carts_and_bad_json_are_problems(api: Api) -> None:
    key = kiosk_key(api)
    before = journal_seq(api)
    rice = {"item_id": api.ids.items["rice"]}
    bodies: list[dict[str, Any]] = [
        {"lines": []},
        {"lines": [rice] * 51},
        {},
        {"lines": "rice"},
        {"lines": [rice], "total": 1},
    ]
    for body in bodies:
        r = kiosk(api, key, "POST", "/orders", body)
        assert r.status_code == 422, (body, r.text)
    r = api.client.post(
        "/api/kiosk/orders",
        content=b"{not json",
        headers={
            "X-Terminal-Key": key,
            "Idempotency-Key": "k1",
            "Content-Type": "application/json",
        },
    )
    assert 400 <= r.status_code < 500
    r = api.client.post(
        "/api/kiosk/orders", json={"lines": [rice]}, headers={"X-Terminal-Key": key}
    )
    assert r.status_code == 400 and r.json()["code"] == "idempotency-key-missing"
    assert journal_seq(api) == before


def test_a_sold_out_dish_leaves_the_kiosk_menu_and_cannot_be_ordered(api: Api) -> None:
    key = kiosk_key(api)
    r = api.post(f"/api/menu/items/{api.ids.items['mpdf']}/sold-out", {}, api.login("K01"))
    assert r.status_code == 200, r.text
    menu = kiosk(api, key, "GET", "/menu").json()
    assert api.ids.items["mpdf"] not in {i["id"] for i in menu["items"]}
    before = journal_seq(api)
    r = kiosk(
        api,
        key,
        "POST",
        "/orders",
        {
            "lines": [
                {"item_id": api.ids.items["mpdf"], "modifier_option_ids": [api.ids.options["Mild"]]}
            ]
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "item-sold-out"
    assert journal_seq(api) == before


def test_a_kiosk_cannot_read_or_pay_dine_in_bills(api: Api) -> None:
    key = kiosk_key(api)
    waiter = api.login("W01")
    r = api.post(
        "/api/orders",
        {
            "channel": "dine_in",
            "table_id": api.ids.tables["A01"],
            "lines": [{"item_id": api.ids.items["rice"]}],
        },
        waiter,
    )
    assert r.status_code == 201, r.text
    dine_in = r.json()["id"]
    before = journal_seq(api)
    assert kiosk(api, key, "GET", f"/orders/{dine_in}").status_code == 404
    assert kiosk(api, key, "POST", f"/orders/{dine_in}/pay", {}).status_code == 404
    assert kiosk(api, key, "GET", "/orders/no-such-order").status_code == 404
    r = kiosk(api, key, "POST", "/orders/no-such-order/pay", {"wallet": "paypal"})
    assert r.status_code == 422
    assert journal_seq(api) == before


def test_the_demo_prints_a_working_kiosk_link_and_table_qr_link(api: Api) -> None:
    from hearth.demo.kiosk import guest_links

    lines = guest_links(api.node, "http://127.0.0.1:8000")
    kiosk_line = next(ln for ln in lines if "/kiosk?key=" in ln)
    key = kiosk_line.split("key=", 1)[1]
    assert kiosk(api, key, "GET", "/menu").status_code == 200
    table_line = next(ln for ln in lines if "/t/" in ln)
    assert "Table A01" in table_line
    token = table_line.split("/t/", 1)[1]
    assert api.client.get(f"/t/{token}").status_code == 200
    view = api.client.get(f"/api/qr/{token}").json()
    assert view["table"]["code"] == "A01"
    assert view["session"]["id"], "the demo seats the table, so a phone can try ordering"


def test_a_tills_key_does_not_open_the_kiosk_and_a_kiosks_key_signs_nobody_in(api: Api) -> None:
    """Keys are for one kind of device: a key read off a kiosk in the dining room must not
    let anyone try staff PINs, and a till's key must not turn a till into a guest screen."""
    till_key = api.ids.terminal_key
    before = journal_seq(api)
    r = kiosk(api, till_key, "POST", "/orders", {"lines": [{"item_id": api.ids.items["cola"]}]})
    assert r.status_code == 401 and r.json()["code"] == "kiosk-not-registered", r.text
    assert "till" in r.json()["title"]
    assert journal_seq(api) == before

    key = kiosk_key(api)
    r = api.client.post(
        "/api/auth/pin",
        json={"staff_code": "C01", "pin": api.ids.pins["C01"]},
        headers={"X-Terminal-Key": key},
    )
    assert r.status_code == 403 and r.json()["code"] == "terminal-is-kiosk", r.text
    assert "access_token" not in r.text

    listed = api.client.get("/api/terminals", headers=api.login("M01")).json()
    assert {t["kind"] for t in listed} == {"till", "kiosk"}


def test_a_terminal_of_an_unknown_kind_is_refused(api: Api) -> None:
    manager = api.login("M01")
    before = journal_seq(api)
    r = api.post("/api/terminals", {"name": "Toaster", "kind": "toaster"}, manager)
    assert r.status_code == 422 and r.json()["field"] == "kind", r.text
    assert journal_seq(api) == before


def test_the_stores_quantity_caps_and_rate_hold_at_the_kiosk_too(api: Api) -> None:
    key = kiosk_key(api)
    rice = api.ids.items["rice"]
    before = journal_seq(api)
    r = kiosk(api, key, "POST", "/orders", {"lines": [{"item_id": rice, "quantity": 21}]})
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["field"]) == ("quantity-over-limit", "lines[0].quantity")
    r = kiosk(api, key, "POST", "/orders", {"lines": [{"item_id": rice, "quantity": 20}] * 4})
    assert r.status_code == 422 and r.json()["field"] == "lines", r.text
    assert journal_seq(api) == before
    made = 2
    while True:  # 20 a minute by default: the kiosk is refused before a flood is written
        r = kiosk(api, key, "POST", "/orders", {"lines": [{"item_id": rice}]})
        made += 1
        if r.status_code != 201:
            break
        assert made <= 20, "the twenty-first order in a minute must be refused"
    assert r.status_code == 429 and r.json()["code"] == "too-many-changes", r.text
    assert "kiosk" in r.json()["detail"] and int(r.headers["Retry-After"]) >= 1
