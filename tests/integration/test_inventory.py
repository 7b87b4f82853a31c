"""Inventory on a real node: stock moves from the journal exactly once, voids give back, a dish
sells itself out when an ingredient runs out and comes back when stock is received; bad input
is refused clearly with nothing written. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.subscribers import cursor_of
from hearth.inventory.tables import moves
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.waiting import subscribers_caught_up, wait_until
from tests.conftest import Api


def _api(url: str) -> Iterator[Api]:
    node = build_node(fast_settings(url))
    ids = a_small_restaurant(node)
    app = create_app(node=node)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, ids, node)
    node.close()


@pytest.fixture
def inv(db_url: str) -> Iterator[Api]:
    """The whole story runs on SQLite and PostgreSQL; the narrower tests on SQLite only."""
    yield from _api(db_url)


@pytest.fixture
def inv1(sqlite_url: str) -> Iterator[Api]:
    yield from _api(sqlite_url)


def post(api: Api, path: str, body: Any, h: dict[str, str], key: str | None = None) -> Any:
    return api.post(path, body, h, key)


def put(api: Api, path: str, body: Any, h: dict[str, str]) -> Any:
    return api.client.put(path, json=body, headers={**h, "Idempotency-Key": uuid.uuid4().hex})


def ingredient(api: Api, h: dict[str, str], **kw: Any) -> str:
    body = {
        "name_zh": "鸡蛋",
        "name_en": "Egg",
        "dimension": "count",
        "stock_unit": "piece",
        "purchase_unit": "tray",
        "packs": [{"name": "tray", "quantity": "30", "of": "piece"}],
        "reorder_point": "5",
        "supplier": "Farm",
    } | kw
    r = post(api, "/api/inventory/ingredients", body, h)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def level(api: Api, h: dict[str, str], ing: str) -> dict[str, Any]:
    r = api.client.get("/api/inventory/ingredients", headers=h)
    return next(i for i in r.json() if i["id"] == ing)


def _cursor(api: Api) -> int:
    with api.node.engine.connect() as conn:
        return cursor_of(conn, "inventory.stock")


def settle(api: Api) -> None:
    wait_until(subscribers_caught_up(api.node), what="subscribers caught up")


def menu_item(api: Api, h: dict[str, str], item_id: str) -> dict[str, Any]:
    items = api.client.get("/api/menu", headers=h).json()["items"]
    return next(i for i in items if i["id"] == item_id)


def order(api: Api, h: dict[str, str], lines: list[dict[str, Any]]) -> dict[str, Any]:
    r = post(api, "/api/orders", {"channel": "takeaway", "submit": True, "lines": lines}, h)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def test_sending_deducts_once_a_void_gives_back_and_the_dish_sells_out_and_returns(inv):
    api = inv
    m = api.login("M01")
    egg = ingredient(api, m)
    rice = ingredient(
        api,
        m,
        name_zh="大米",
        name_en="Rice",
        dimension="mass",
        stock_unit="kg",
        purchase_unit="bag",
        packs=[{"name": "bag", "quantity": "10", "of": "kg"}],
        reorder_point="1",
    )
    gbjd, rice_item = api.ids.items["gbjd"], api.ids.items["rice"]
    add_egg = api.ids.options["Add egg"]
    assert (
        put(
            api,
            f"/api/inventory/recipes/item/{gbjd}",
            {"components": [{"ingredient_id": egg, "quantity": "2", "unit": "piece"}]},
            m,
        ).status_code
        == 200
    )
    assert (
        put(
            api,
            f"/api/inventory/recipes/option/{add_egg}",
            {"components": [{"ingredient_id": egg, "quantity": "1", "unit": "piece"}]},
            m,
        ).status_code
        == 200
    )
    assert (
        put(
            api,
            f"/api/inventory/recipes/item/{rice_item}",
            {"components": [{"ingredient_id": rice, "quantity": "3", "unit": "两"}]},
            m,
        ).status_code
        == 200
    )
    # 1 tray of eggs (30) at ¥24.00; 1 bag of rice (10 kg) at ¥50.00
    r = post(
        api,
        "/api/inventory/receipts",
        {
            "supplier": "Farm",
            "lines": [
                {"ingredient_id": egg, "quantity": "1", "unit": "tray", "cost": 2400},
                {"ingredient_id": rice, "quantity": "1", "unit": "bag", "cost": 5000},
            ],
        },
        m,
    )
    assert r.status_code == 201, r.text
    assert level(api, m, egg)["on_hand"] == 30_000
    assert level(api, m, egg)["cost_per_stock_unit"] == 80

    spice = api.ids.options["Mild"]
    o = order(
        api,
        m,
        [
            {"item_id": gbjd, "quantity": 3, "modifier_option_ids": [spice, add_egg]},
            {"item_id": rice_item, "quantity": 2},
        ],
    )
    settle(api)
    assert level(api, m, egg)["on_hand"] == 30_000 - 9_000  # 3 × (2 + 1 extra egg)
    assert level(api, m, rice)["on_hand"] == 10_000_000 - 2 * 150_000
    # Replaying the subscriber from the start moves nothing twice.
    with api.node.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE subscriber_cursors SET seq = 0 WHERE name = 'inventory.stock'")
        )
    ingredient(
        api,
        m,
        name_zh="盐",
        name_en="Salt",
        dimension="mass",
        stock_unit="g",
        purchase_unit="kg",
        packs=[],
    )  # a commit wakes the subscriber
    wait_until(lambda: _cursor(api) >= api.node.writer.journal.next_seq - 1)
    settle(api)
    assert level(api, m, egg)["on_hand"] == 21_000

    # A void before cooking gives back exactly what the line took.
    line = o["lines"][0]["id"]
    r = post(
        api,
        f"/api/orders/{o['id']}/lines/{line}/void",
        {"reason": "guest left", "approval": {"staff_code": "M01", "pin": api.ids.pins["M01"]}},
        m,
    )
    assert r.status_code == 200, r.text
    settle(api)
    assert level(api, m, egg)["on_hand"] == 30_000
    assert level(api, m, egg)["value"] == 2400

    # 14 portions of 2 eggs leave 2 eggs; the next one cannot be made: sold out with why.
    order(api, m, [{"item_id": gbjd, "quantity": 14, "modifier_option_ids": [spice]}])
    settle(api)
    assert level(api, m, egg)["on_hand"] == 2_000
    assert menu_item(api, m, gbjd)["sold_out"] is False
    order(api, m, [{"item_id": gbjd, "quantity": 1, "modifier_option_ids": [spice]}])
    settle(api)
    assert menu_item(api, m, gbjd)["sold_out"] is True
    why = api.client.get("/api/inventory/sold-out", headers=m).json()
    assert why[0]["item_id"] == gbjd and "鸡蛋" in why[0]["reason_zh"]
    low = api.client.get("/api/inventory/low-stock", headers=m).json()
    assert [x["id"] for x in low] == [egg]
    # Receiving brings it back by itself.
    r = post(
        api,
        "/api/inventory/receipts",
        {"lines": [{"ingredient_id": egg, "quantity": "30", "unit": "piece", "cost": 3000}]},
        m,
    )
    assert r.status_code == 201, r.text
    assert menu_item(api, m, gbjd)["sold_out"] is False
    assert api.client.get("/api/inventory/sold-out", headers=m).json() == []


def test_a_dish_86d_by_hand_is_not_brought_back_by_stock(inv1):
    api = inv1
    m = api.login("M01")
    egg = ingredient(api, m)
    gbjd = api.ids.items["gbjd"]
    put(
        api,
        f"/api/inventory/recipes/item/{gbjd}",
        {"components": [{"ingredient_id": egg, "quantity": "1", "unit": "piece"}]},
        m,
    )
    assert menu_item(api, m, gbjd)["sold_out"] is True  # no eggs at all: sold out by stock
    r = post(api, f"/api/menu/items/{gbjd}/sold-out", {}, m)  # and now by hand too
    assert r.status_code == 200
    post(
        api,
        "/api/inventory/receipts",
        {"lines": [{"ingredient_id": egg, "quantity": "10", "unit": "piece"}]},
        m,
    )
    assert menu_item(api, m, gbjd)["sold_out"] is True


def test_bad_input_is_refused_clearly_and_writes_nothing(inv1):
    api = inv1
    m = api.login("M01")
    egg = ingredient(api, m)
    salt = ingredient(
        api,
        m,
        name_zh="盐",
        name_en="Salt",
        dimension="mass",
        stock_unit="g",
        purchase_unit="kg",
        packs=[],
    )
    top = api.node.writer.journal.next_seq
    cases = [
        (
            "/api/inventory/receipts",
            {"lines": [{"ingredient_id": egg, "quantity": "-3", "unit": "piece"}]},
            422,
            "quantity-invalid",
        ),
        (
            "/api/inventory/receipts",
            {"lines": [{"ingredient_id": egg, "quantity": "99999999999999", "unit": "piece"}]},
            422,
            "validation-error",
        ),
        (
            "/api/inventory/receipts",
            {"lines": [{"ingredient_id": egg, "quantity": "1", "unit": "kg"}]},
            422,
            "unit-mismatch",
        ),
        (
            "/api/inventory/receipts",
            {"lines": [{"ingredient_id": egg, "quantity": "1", "unit": "sack"}]},
            422,
            "unit-unknown",
        ),
        (
            "/api/inventory/receipts",
            {"lines": [{"ingredient_id": egg, "quantity": "0.0001", "unit": "piece"}]},
            422,
            "quantity-invalid",
        ),
        (
            "/api/inventory/waste",
            {"ingredient_id": egg, "quantity": "1", "unit": "piece", "reason": " "},
            422,
            "reason-required",
        ),
        (
            "/api/inventory/receipts",
            {"lines": [{"ingredient_id": "nope", "quantity": "1", "unit": "piece"}]},
            422,
            "ingredient-unknown",
        ),
    ]
    for path, body, status, code in cases:
        r = post(api, path, body, m)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    r = api.client.patch(
        f"/api/inventory/ingredients/{salt}",
        json={"name_zh": "鸡蛋"},
        headers={**m, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert (r.status_code, r.json()["code"]) == (409, "ingredient-name-taken")
    gbjd = api.ids.items["gbjd"]
    r = put(
        api,
        f"/api/inventory/recipes/item/{gbjd}",
        {"components": [{"item_id": gbjd, "quantity": "1"}]},
        m,
    )
    assert (r.status_code, r.json()["code"]) == (422, "recipe-cycle")
    assert api.node.writer.journal.next_seq == top
    # A stocktake of a deleted ingredient: 409, nothing counted.
    assert post(api, f"/api/inventory/ingredients/{egg}/delete", {}, m).status_code == 200
    r = post(
        api,
        "/api/inventory/stocktakes",
        {"lines": [{"ingredient_id": egg, "quantity": "3", "unit": "piece"}]},
        m,
    )
    assert (r.status_code, r.json()["code"]) == (409, "ingredient-retired")
    with api.node.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(moves)).scalar() == 0


def test_stocktake_variance_and_theoretical_against_actual(inv1):
    api = inv1
    m = api.login("M01")
    k = api.login("K01")
    egg = ingredient(api, m)
    gbjd = api.ids.items["gbjd"]
    put(
        api,
        f"/api/inventory/recipes/item/{gbjd}",
        {"components": [{"ingredient_id": egg, "quantity": "2", "unit": "piece"}]},
        m,
    )
    post(
        api,
        "/api/inventory/receipts",
        {"lines": [{"ingredient_id": egg, "quantity": "20", "unit": "piece", "cost": 2000}]},
        m,
    )
    mild = [api.ids.options["Mild"]]
    plum = api.ids.items["plum"]
    order(
        api,
        m,
        [
            {"item_id": gbjd, "quantity": 5, "modifier_option_ids": mild},
            {"item_id": plum, "quantity": 2},
        ],
    )
    settle(api)
    no_recipe = api.client.get("/api/inventory/no-recipe", headers=m).json()
    assert (no_recipe["total"], no_recipe["items"][0]["item_id"]) == (2, plum)
    key = uuid.uuid4().hex
    body = {"lines": [{"ingredient_id": egg, "quantity": "8", "unit": "piece"}]}
    r = post(api, "/api/inventory/stocktakes", body, k, key)
    assert r.status_code == 201, r.text
    sheet = r.json()
    assert sheet["lines"][0]["variance"] == -2_000 and sheet["variance_value"] == -200
    again = post(api, "/api/inventory/stocktakes", body, k, key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert level(api, m, egg)["on_hand"] == 8_000
    v = api.client.get("/api/inventory/variance", headers=m).json()
    (row,) = v
    assert (row["theoretical"], row["actual"], row["gap_value"], row["gap_bp"]) == (
        10_000,
        12_000,
        200,
        2000,
    )
    # A waiter may read but not count.
    w = api.login("W01")
    r = post(api, "/api/inventory/stocktakes", body, w)
    assert r.status_code == 403


def test_purchase_orders_receive_once_and_transfers_are_keyed_by_the_transfer(inv1):
    api = inv1
    m = api.login("M01")
    oil = ingredient(
        api,
        m,
        name_zh="食用油",
        name_en="Oil",
        dimension="volume",
        stock_unit="L",
        purchase_unit="case",
        packs=[{"name": "case", "quantity": "12", "of": "L"}],
        reorder_point="0",
    )
    line = {"ingredient_id": oil, "quantity": "2", "unit": "case", "cost": 24000}
    po = post(api, "/api/inventory/purchase-orders", {"supplier": "粮油店", "lines": [line]}, m)
    assert po.status_code == 201, po.text
    body = {"purchase_order_id": po.json()["id"], "lines": [line]}
    assert post(api, "/api/inventory/receipts", body, m).status_code == 201
    again = post(api, "/api/inventory/receipts", body, m)
    assert (again.status_code, again.json()["code"]) == (409, "purchase-order-closed")
    assert level(api, m, oil)["on_hand"] == 24_000  # ml
    assert level(api, m, oil)["cost_per_stock_unit"] == 1000  # ¥10.00 a litre

    out = post(
        api,
        "/api/inventory/transfers/out",
        {
            "to_store": "store-002",
            "lines": [{"ingredient_id": oil, "quantity": "1.5", "unit": "L"}],
        },
        m,
    )
    assert out.status_code == 201, out.text
    assert out.json()["lines"][0]["value"] == 1500
    assert level(api, m, oil)["on_hand"] == 22_500
    book_in = {
        "from_store": "store-009",
        "transfer_id": "t-1",
        "lines": [{"ingredient_id": oil, "quantity": "500", "unit": "ml", "cost": 500}],
    }
    assert post(api, "/api/inventory/transfers/in", book_in, m).json()["moves"] == 1
    assert post(api, "/api/inventory/transfers/in", book_in, m).json()["moves"] == 0
    assert level(api, m, oil)["on_hand"] == 23_000
