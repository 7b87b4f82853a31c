"""Orders reach the kitchen: the right stations, exactly once; voids and moves follow; the expo
sees the order ready; refusals write nothing."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from hearth.core.db import make_engine
from hearth.core.rebuild import rebuild
from hearth.kitchen.tables import ticket_items, tickets
from hearth.testing.builders import a_kitchen
from hearth.testing.waiting import TIMEOUT_S, subscribers_caught_up, wait_until


def wait_for(check: Callable[[], Any], timeout: float = TIMEOUT_S) -> Any:
    """Poll until ``check`` returns something truthy (the routing subscriber is async)."""
    return wait_until(check, timeout)


@pytest.fixture
def kitchen(api):
    return a_kitchen(api.node, api.ids)


def seq(api) -> int:
    return int(api.client.get("/healthz").json()["journal_seq"])


def tickets_of(api, station_id: str, h: dict[str, str]) -> list[dict[str, Any]]:
    r = api.client.get(f"/api/kitchen/stations/{station_id}/tickets", headers=h)
    assert r.status_code == 200, r.text
    return list(r.json()["tickets"])


def routed(api) -> Counter[tuple[str, str]]:
    """(station, ticket item) -> how many times it is on a NEW ticket."""
    with api.node.engine.connect() as conn:
        rows = conn.execute(
            sa.select(ticket_items.c.station_id, ticket_items.c.id).where(
                ticket_items.c.kind == "new"
            )
        ).all()
    return Counter((r.station_id, r.id) for r in rows)


def settle(api, n_tickets: int) -> None:
    def count() -> bool:
        with api.node.engine.connect() as conn:
            return (
                int(conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() or 0)
                >= n_tickets
            )

    wait_for(count)
    wait_for(subscribers_caught_up(api.node))  # and nothing more arrives


def place(api, h, lines, **kw) -> dict[str, Any]:
    body = {
        "channel": "dine_in",
        "table_id": api.ids.tables["A01"],
        "guests": 2,
        "lines": lines,
        "submit": True,
    } | kw
    r = api.post("/api/orders", body, h)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_submitted_order_reaches_each_station_exactly_once(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(
        api,
        w,
        [
            {
                "item_id": ids.items["gbjd"],
                "seat": 1,
                "modifier_option_ids": [ids.options["Mild"], ids.options["Add egg"]],
                "note": "less oil",
            },
            {"item_id": ids.items["cola"], "quantity": 2, "spec_id": ids.specs["large"]},
            {
                "item_id": ids.items["lunch"],
                "combo_choices": {
                    ids.slots["main"]: ids.items["mpdf"],
                    ids.slots["drink"]: ids.items["plum"],
                },
            },
        ],
    )
    settle(api, 2)
    hot = tickets_of(api, kitchen["hot"], k)
    bar = tickets_of(api, kitchen["bar"], k)
    assert len(hot) == 1 and len(bar) == 1
    assert hot[0]["order_number"] == order["number"] and hot[0]["where"] == "A01"
    assert [(i["name_en"], i["quantity"]) for i in hot[0]["items"]] == [
        ("Kung Pao Chicken", 1),
        ("Mapo Tofu", 1),
    ]
    kp = hot[0]["items"][0]
    assert kp["seat"] == 1 and kp["note"] == "less oil"
    assert kp["modifiers"] == ["微辣 Mild", "加蛋 Add egg"]
    assert [(i["name_en"], i["quantity"]) for i in bar[0]["items"]] == [
        ("Cola", 2),
        ("Sour Plum Drink", 1),
    ]
    assert bar[0]["items"][0]["modifiers"] == ["大杯 Large"]
    assert all(v == 1 for v in routed(api).values())
    assert tickets_of(api, kitchen["expo"], k) == []


def test_held_lines_wait_until_their_course_is_fired(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(
        api,
        w,
        [
            {"item_id": ids.items["rice"]},
            {
                "item_id": ids.items["mpdf"],
                "course": 2,
                "held": True,
                "modifier_option_ids": [ids.options["Not spicy"]],
            },
        ],
    )
    settle(api, 1)
    assert [i["name_en"] for t in tickets_of(api, kitchen["hot"], k) for i in t["items"]] == [
        "Steamed Rice"
    ]
    r = api.post(f"/api/orders/{order['id']}/fire", {"course": 2}, w)
    assert r.status_code == 200, r.text
    settle(api, 2)
    names = sorted(i["name_en"] for t in tickets_of(api, kitchen["hot"], k) for i in t["items"])
    assert names == ["Mapo Tofu", "Steamed Rice"]
    assert all(v == 1 for v in routed(api).values())


def test_a_void_after_sending_reaches_the_same_station_as_a_marked_slip(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}])
    settle(api, 2)
    rice = next(ln["id"] for ln in order["lines"] if ln["name_en"] == "Steamed Rice")
    r = api.post(
        f"/api/orders/{order['id']}/lines/{rice}/void",
        {"reason": "guest changed mind", "approval": {"staff_code": "M01", "pin": ids.pins["M01"]}},
        w,
    )
    assert r.status_code == 200, r.text
    settle(api, 3)
    hot = tickets_of(api, kitchen["hot"], k)
    slip = next(t for t in hot if t["kind"] == "void")
    assert [(i["name_en"], i["marker"], i["note"]) for i in slip["items"]] == [
        ("Steamed Rice", "void", "guest changed mind")
    ]
    original = next(t for t in hot if t["kind"] == "new")
    assert original["items"][0]["voided"] is True and original["status"] == "done"
    assert all(t["kind"] == "new" for t in tickets_of(api, kitchen["bar"], k)), (
        "the bar never had the rice"
    )
    all_day = api.client.get(f"/api/kitchen/stations/{kitchen['hot']}/all-day", headers=k)
    assert all_day.json() == []


def test_voiding_the_whole_order_tells_every_station(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}])
    settle(api, 2)
    r = api.post(
        f"/api/orders/{order['id']}/void",
        {"reason": "walked out", "approval": {"staff_code": "M01", "pin": ids.pins["M01"]}},
        w,
    )
    assert r.status_code == 200, r.text
    settle(api, 4)
    for station in ("hot", "bar"):
        kinds = sorted(t["kind"] for t in tickets_of(api, kitchen[station], k))
        assert kinds == ["new", "void"], station


def test_a_table_move_updates_open_tickets_and_sends_a_change_slip(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}])
    settle(api, 1)
    r = api.post(f"/api/orders/{order['id']}/transfer", {"table_id": ids.tables["A05"]}, w)
    assert r.status_code == 200, r.text
    settle(api, 2)
    hot = tickets_of(api, kitchen["hot"], k)
    assert {t["where"] for t in hot} == {"A05"}
    change = next(t for t in hot if t["kind"] == "change")
    assert change["items"][0]["marker"] == "moved" and change["items"][0]["note"] == "→ A05"


def test_bumping_every_station_makes_the_order_ready_and_the_expo_serves_it(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}])
    settle(api, 2)
    hot = tickets_of(api, kitchen["hot"], k)[0]
    bar = tickets_of(api, kitchen["bar"], k)[0]
    r = api.post(f"/api/kitchen/stations/{kitchen['hot']}/tickets/{hot['id']}/start", {}, k)
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    assert api.client.get(f"/api/orders/{order['id']}", headers=w).json()["status"] == "preparing"
    early = api.post(f"/api/kitchen/orders/{order['id']}/ready", {}, k)
    assert early.status_code == 409 and early.json()["code"] == "order-not-done"
    api.post(f"/api/kitchen/stations/{kitchen['hot']}/tickets/{hot['id']}/bump", {}, k)
    expo = api.client.get("/api/kitchen/expo", headers=k).json()["orders"]
    assert [(o["order_number"], o["all_done"]) for o in expo] == [(order["number"], False)]
    item = bar["items"][0]["id"]
    r = api.post(
        f"/api/kitchen/stations/{kitchen['bar']}/tickets/{bar['id']}/items/{item}/bump", {}, k
    )
    assert r.status_code == 200 and r.json()["status"] == "done", r.text
    assert api.client.get(f"/api/orders/{order['id']}", headers=w).json()["status"] == "ready"
    served = api.post(f"/api/kitchen/orders/{order['id']}/ready", {}, k)
    assert served.json()["status"] == "served"


def test_recall_undo_and_rush(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    place(api, w, [{"item_id": ids.items["rice"]}])
    place(api, w, [{"item_id": ids.items["mpdf"], "modifier_option_ids": [ids.options["Mild"]]}])
    settle(api, 2)
    hot = kitchen["hot"]
    first, second = tickets_of(api, hot, k)
    base = f"/api/kitchen/stations/{hot}"
    assert api.post(f"{base}/tickets/{first['id']}/bump", {}, k).json()["status"] == "done"
    back = api.post(f"{base}/recall-last", {}, k).json()
    assert back["id"] == first["id"] and back["status"] == "in_progress"
    undone = api.post(f"{base}/undo", {}, k).json()
    assert undone["id"] == first["id"] and undone["status"] == "done"
    rushed = api.post(f"{base}/tickets/{second['id']}/rush", {"rush": True}, k).json()
    assert rushed["rush"] is True
    assert tickets_of(api, hot, k)[0]["id"] == second["id"], "rush goes to the top"


def status_of(api, order_id: str, h: dict[str, str]) -> str:
    return str(api.client.get(f"/api/orders/{order_id}", headers=h).json()["status"])


def void_line(api, h, order: dict[str, Any], name_en: str) -> None:
    line = next(ln["id"] for ln in order["lines"] if ln["name_en"] == name_en)
    r = api.post(
        f"/api/orders/{order['id']}/lines/{line}/void",
        {"reason": "out of stock", "approval": {"staff_code": "M01", "pin": api.ids.pins["M01"]}},
        h,
    )
    assert r.status_code == 200, r.text


def test_voiding_the_last_open_dish_makes_the_order_ready(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}])
    settle(api, 2)
    bar = tickets_of(api, kitchen["bar"], k)[0]
    r = api.post(f"/api/kitchen/stations/{kitchen['bar']}/tickets/{bar['id']}/bump", {}, k)
    assert r.status_code == 200, r.text
    assert status_of(api, order["id"], w) == "preparing", "the rice is still to make"
    void_line(api, w, order, "Steamed Rice")
    wait_for(lambda: status_of(api, order["id"], w) == "ready")
    expo = api.client.get("/api/kitchen/expo", headers=k).json()["orders"]
    assert [(o["order_number"], o["status"], o["all_done"]) for o in expo] == [
        (order["number"], "ready", True)
    ]


def test_a_ticket_finished_by_a_void_stays_listed_for_recall_from_the_void(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}])
    settle(api, 1)
    sent = tickets_of(api, kitchen["hot"], k)[0]
    wait_for(lambda: int(time.time() * 1000) > sent["sent_at_ms"])  # the next millisecond
    voided_at = int(time.time() * 1000)
    void_line(api, w, order, "Steamed Rice")
    settle(api, 2)
    original = next(t for t in tickets_of(api, kitchen["hot"], k) if t["id"] == sent["id"])
    assert original["status"] == "done"
    assert original["done_at_ms"] >= voided_at > sent["sent_at_ms"]
    from hearth.kitchen import service

    with api.node.engine.connect() as conn:
        recent = service.station_tickets(
            conn,
            api.node.settings.store_id,
            kitchen["hot"],
            now_ms=voided_at + service.RECENT_DONE_MS - 100,
        )
    assert sent["id"] in {t["id"] for t in recent["tickets"]}, (
        "listed for the whole recall window after the void"
    )


def test_a_recall_or_undo_after_ready_puts_the_order_back_to_preparing(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}])
    settle(api, 2)
    hot, bar = kitchen["hot"], kitchen["bar"]
    hot_t, bar_t = tickets_of(api, hot, k)[0], tickets_of(api, bar, k)[0]
    base = f"/api/kitchen/stations/{hot}"
    api.post(f"/api/kitchen/stations/{bar}/tickets/{bar_t['id']}/bump", {}, k)
    api.post(f"{base}/tickets/{hot_t['id']}/bump", {}, k)
    assert status_of(api, order["id"], w) == "ready"

    back = api.post(f"{base}/tickets/{hot_t['id']}/recall", {}, k)
    assert back.status_code == 200 and back.json()["status"] == "in_progress", back.text
    assert status_of(api, order["id"], w) == "preparing", "a recalled dish is not ready"
    expo = api.client.get("/api/kitchen/expo", headers=k).json()["orders"]
    assert [(o["status"], o["all_done"]) for o in expo] == [("preparing", False)]

    api.post(f"{base}/undo", {"ticket_id": hot_t["id"]}, k)  # undo the recall: done again
    assert status_of(api, order["id"], w) == "ready"
    api.post(f"{base}/undo", {"ticket_id": hot_t["id"]}, k)  # undo the bump itself
    assert status_of(api, order["id"], w) == "preparing"
    api.post(f"{base}/tickets/{hot_t['id']}/bump", {}, k)
    assert status_of(api, order["id"], w) == "ready"
    assert api.post(f"{base}/recall-last", {}, k).status_code == 200
    assert status_of(api, order["id"], w) == "preparing"
    statuses = [
        e["payload"]["to"]
        for e in order_events(api, order["id"])
        if e["type"] == "OrderStatusChanged"
    ]
    assert statuses == [
        "preparing",
        "ready",
        "preparing",
        "ready",
        "preparing",
        "ready",
        "preparing",
    ]


def test_an_order_the_expo_forced_ready_stays_ready_while_stations_finish(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    order = place(api, w, [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}])
    settle(api, 2)
    r = api.post(f"/api/kitchen/orders/{order['id']}/ready", {"force": True}, k)
    assert r.status_code == 200 and r.json()["status"] == "ready", r.text
    bar = tickets_of(api, kitchen["bar"], k)[0]
    api.post(f"/api/kitchen/stations/{kitchen['bar']}/tickets/{bar['id']}/start", {}, k)
    api.post(f"/api/kitchen/stations/{kitchen['bar']}/tickets/{bar['id']}/bump", {}, k)
    assert status_of(api, order["id"], w) == "ready"


def order_events(api, order_id: str) -> list[dict[str, Any]]:
    from hearth.core.journal import stream_events

    with api.node.engine.connect() as conn:
        return [
            {"type": e.type, "payload": e.payload} for e in stream_events(conn, f"order:{order_id}")
        ]


def test_refusals_are_clear_and_write_nothing(api, kitchen):
    ids, w, k, m = api.ids, api.login("W01"), api.login("K01"), api.login("M01")
    place(api, w, [{"item_id": ids.items["rice"]}])
    settle(api, 1)
    hot_ticket = tickets_of(api, kitchen["hot"], k)[0]
    before = seq(api)
    other = api.post(
        f"/api/kitchen/stations/{kitchen['bar']}/tickets/{hot_ticket['id']}/bump", {}, k
    )
    assert other.status_code == 409 and other.json()["code"] == "ticket-other-station"
    unknown = api.post(f"/api/kitchen/stations/{kitchen['hot']}/tickets/nope/recall", {}, k)
    assert unknown.status_code == 404 and unknown.json()["code"] == "ticket-not-found"
    not_done = api.post(
        f"/api/kitchen/stations/{kitchen['hot']}/tickets/{hot_ticket['id']}/recall", {}, k
    )
    assert not_done.status_code == 409
    bad_item = api.post(
        f"/api/kitchen/stations/{kitchen['hot']}/tickets/{hot_ticket['id']}/items/nope/bump", {}, k
    )
    assert bad_item.status_code == 404 and bad_item.json()["code"] == "ticket-item-not-found"
    no_station = api.post("/api/kitchen/stations/nope/undo", {}, k)
    assert no_station.status_code == 404
    bad_rule = api.post("/api/kitchen/routing-rules", {"station_ids": [kitchen["hot"]]}, m)
    assert bad_rule.status_code == 422 and bad_rule.json()["code"] == "rule-target"
    waiter_bump = api.post(
        f"/api/kitchen/stations/{kitchen['hot']}/tickets/{hot_ticket['id']}/bump", {}, w
    )
    assert waiter_bump.status_code == 403
    assert seq(api) == before, "a refusal writes nothing"


def test_routing_rules_send_an_item_to_two_stations(api, kitchen):
    ids, w, k, m = api.ids, api.login("W01"), api.login("K01"), api.login("M01")
    r = api.post(
        "/api/kitchen/routing-rules",
        {"item_id": ids.items["duck"], "station_ids": [kitchen["hot"], kitchen["bar"]]},
        m,
    )
    assert r.status_code == 201, r.text
    rules = api.client.get("/api/kitchen/routing-rules", headers=k).json()
    assert len(rules) == 3
    place(api, w, [{"item_id": ids.items["duck"]}])
    settle(api, 2)
    for station in ("hot", "bar"):
        assert [i["name_en"] for t in tickets_of(api, kitchen[station], k) for i in t["items"]] == [
            "Peking Duck"
        ]
    gone = api.client.request(
        "DELETE",
        f"/api/kitchen/routing-rules/{r.json()['id']}",
        headers=m | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert gone.status_code == 200
    assert len(api.client.get("/api/kitchen/routing-rules", headers=k).json()) == 2


def test_86_from_the_kitchen_stops_every_channel(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    r = api.post(f"/api/kitchen/items/{ids.items['mpdf']}/sold-out", {}, k)
    assert r.status_code == 200, r.text
    refused = api.post(
        "/api/orders",
        {
            "channel": "takeaway",
            "lines": [{"item_id": ids.items["mpdf"], "modifier_option_ids": [ids.options["Mild"]]}],
        },
        w,
    )
    assert refused.status_code in (409, 422), refused.text
    unknown = api.post("/api/kitchen/items/nope/sold-out", {}, k)
    assert unknown.status_code == 404


def test_rebuild_reproduces_the_tickets(api, kitchen, tmp_path):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    place(
        api,
        w,
        [
            {"item_id": ids.items["rice"]},
            {"item_id": ids.items["cola"], "spec_id": ids.specs["small"]},
        ],
    )
    settle(api, 2)
    t = tickets_of(api, kitchen["hot"], k)[0]
    api.post(f"/api/kitchen/stations/{kitchen['hot']}/tickets/{t['id']}/bump", {}, k)

    # Rebuild a consistent copy: the running node keeps its writer's connection open.
    src = api.node.engine.url.database
    copy = tmp_path / "copy.db"
    with sqlite3.connect(src) as a, sqlite3.connect(copy) as b:
        a.backup(b)
    engine = make_engine(f"sqlite:///{copy}")
    report = rebuild(engine, api.node.projectors, keep=False)
    engine.dispose()
    assert report.tables["kitchen_tickets"] == 2
    assert not [t for t in report.mismatched if t.startswith("kitchen")], report.mismatched


def test_merged_and_split_orders_keep_their_tickets_and_get_ready(api, kitchen):
    ids, w, k = api.ids, api.login("W01"), api.login("K01")
    first = place(api, w, [{"item_id": ids.items["rice"]}])
    second = place(
        api,
        w,
        [{"item_id": ids.items["mpdf"], "modifier_option_ids": [ids.options["Mild"]]}],
        table_id=ids.tables["A02"],
    )
    settle(api, 2)
    r = api.post(f"/api/orders/{second['id']}/merge", {"into_order_id": first["id"]}, w)
    assert r.status_code == 200, r.text
    settle(api, 3)
    hot = tickets_of(api, kitchen["hot"], k)
    originals = [t for t in hot if t["kind"] == "new"]
    assert {(t["order_number"], t["where"]) for t in originals} == {(first["number"], "A01")}
    assert any(t["kind"] == "change" for t in hot), "the cook is told the dish moved"
    for t in hot:
        api.post(f"/api/kitchen/stations/{kitchen['hot']}/tickets/{t['id']}/bump", {}, k)
    assert api.client.get(f"/api/orders/{first['id']}", headers=w).json()["status"] == "ready"

    third = place(
        api,
        w,
        [{"item_id": ids.items["rice"]}, {"item_id": ids.items["plum"]}],
        table_id=ids.tables["A03"],
    )
    settle(api, 5)
    plum = next(ln["id"] for ln in third["lines"] if ln["name_en"] == "Sour Plum Drink")
    split = api.post(f"/api/orders/{third['id']}/split", {"line_ids": [plum]}, w)
    assert split.status_code == 201, split.text
    new_bill = split.json()
    settle(api, 6)
    bar = [t for t in tickets_of(api, kitchen["bar"], k) if t["kind"] == "new"]
    assert bar[0]["order_id"] == new_bill["id"], "the drink's ticket follows it to the new bill"
    api.post(f"/api/kitchen/stations/{kitchen['bar']}/tickets/{bar[0]['id']}/bump", {}, k)
    assert api.client.get(f"/api/orders/{new_bill['id']}", headers=w).json()["status"] == "ready"
    assert (
        api.client.get(f"/api/orders/{third['id']}", headers=w).json()["status"] == "submitted"
    ), "the rice is still cooking"
