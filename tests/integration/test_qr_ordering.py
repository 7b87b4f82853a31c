"""Diners at one table order from their phones into one shared order, priced by the server,
and only while the table is seated: a photographed table code opens nothing."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from hearth.core.tables import journal
from hearth.kitchen.tables import tickets
from hearth.testing.builders import a_kitchen
from hearth.testing.waiting import wait_until
from tests.conftest import Api


@pytest.fixture
def kitchen(api):
    return a_kitchen(api.node, api.ids)


def qr_token(api, code="A01"):
    m = api.login("M01")
    r = api.client.get(f"/api/tables/{api.ids.tables[code]}/qr", headers=m)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def seat(api, code="A01") -> str:
    """A waiter seats the party at the table (Seat / 开台 on the POS)."""
    r = api.post(f"/api/tables/{api.ids.tables[code]}/seat", {}, api.login("W01"))
    assert r.status_code == 200, r.text
    return str(r.json()["session_id"])


def seated_token(api, code="A01") -> tuple[str, str]:
    """The table's code and the session a phone learns by loading it, once it is seated."""
    seat(api, code)
    token = qr_token(api, code)
    session = api.client.get(f"/api/qr/{token}").json()["session"]["id"]
    assert session
    return token, session


def diner_post(api, path, body=None, key=None, session=None):
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    if session:
        headers["X-Table-Session"] = session
    return api.client.post(path, json=body or {}, headers=headers)


def settings(api: Api, **qr: Any) -> None:
    m = api.login("M01")
    current = api.client.get("/api/store/settings", headers=m).json()
    r = api.client.put(
        "/api/store/settings",
        json={**current, **qr},
        headers={**m, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text


def seq(api: Api) -> int:
    with api.node.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)


def sent_after(api: Api, after: int) -> list[Any]:
    """LinesSent events (what the kitchen routes tickets from) after journal seq ``after``."""
    with api.node.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(journal.c.stream)
                .where(journal.c.seq > after)
                .where(journal.c.type == "LinesSent")
            )
        )


def ticket_count(api: Api, order_id: str | None = None) -> int:
    with api.node.engine.connect() as conn:
        q = sa.select(sa.func.count()).select_from(tickets)
        if order_id:
            q = q.where(tickets.c.order_id == order_id)
        return int(conn.execute(q).scalar() or 0)


def wait_for_tickets(api: Api, order_id: str) -> int:
    """The kitchen's routing subscriber is asynchronous: wait for the order's tickets."""
    return int(wait_until(lambda: ticket_count(api, order_id)))


def table_row(api: Api, code: str = "A01") -> dict[str, Any]:
    floor = api.client.get("/api/floor", headers=api.login("W01")).json()
    return next(t for a in floor for t in a["tables"] if t["code"] == code)


def test_two_phones_at_a_seated_table_share_one_order_and_send_it(api, kitchen):
    token, _ = seated_token(api)
    ids = api.ids
    # Each phone loads the table and learns the same session.
    phone_a = api.client.get(f"/api/qr/{token}").json()["session"]["id"]
    phone_b = api.client.get(f"/api/qr/{token}").json()["session"]["id"]
    assert phone_a == phone_b
    a = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {
            "guests": 2,
            "lines": [{"item_id": ids.items["gbjd"], "modifier_option_ids": [ids.options["Mild"]]}],
        },
        session=phone_a,
    )
    assert a.status_code == 200, a.text
    b = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": ids.items["cola"], "spec_id": ids.specs["small"], "quantity": 2}]},
        session=phone_b,
    )
    assert b.json()["id"] == a.json()["id"], "both phones add to the same table order"
    seen = api.client.get(f"/api/qr/{token}").json()
    assert [ln["name_en"] for ln in seen["order"]["lines"]] == ["Kung Pao Chicken", "Cola"]
    assert seen["order"]["totals"]["total"] == 3800 + 1000
    sent = diner_post(api, f"/api/qr/{token}/submit", session=phone_b)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "submitted"
    assert sent.json()["waiting_confirmation"] is None
    wait_for_tickets(api, a.json()["id"])
    floor = api.client.get("/api/floor", headers=api.login("W01")).json()
    assert next(t for t in floor[0]["tables"] if t["code"] == "A01")["status"] == "waiting"


def test_many_diners_at_once_lose_nothing(api):
    token, session = seated_token(api)
    errors: list[str] = []

    def diner(n):
        r = diner_post(
            api,
            f"/api/qr/{token}/lines",
            {"lines": [{"item_id": api.ids.items["rice"], "note": f"diner {n}"}]},
            session=session,
        )
        if r.status_code != 200:
            errors.append(r.text)

    threads = [threading.Thread(target=diner, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    order = api.client.get(f"/api/qr/{token}").json()["order"]
    assert sorted(ln["note"] for ln in order["lines"]) == sorted(f"diner {i}" for i in range(8))
    orders = api.client.get("/api/orders", headers=api.login("W01")).json()
    assert len(orders) == 1, "one shared order, not one per phone"


def test_two_diners_removing_the_same_line(api):
    token, session = seated_token(api)
    order = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}, {"item_id": api.ids.items["plum"]}]},
        session=session,
    ).json()
    line = order["lines"][0]["id"]
    first = diner_post(api, f"/api/qr/{token}/lines/{line}/remove", session=session)
    second = diner_post(api, f"/api/qr/{token}/lines/{line}/remove", session=session)
    assert first.status_code == 200
    assert second.status_code == 404 and second.json()["code"] == "line-not-found"


def test_diners_cannot_set_prices_or_silly_quantities(api):
    token, session = seated_token(api)
    rice = api.ids.items["rice"]
    for line in (
        {"item_id": rice, "unit_price": 1},
        {"item_id": rice, "quantity": 0},
        {"item_id": rice, "quantity": 10_000},
        {"item_id": rice, "seat": 3},
        {"item_id": "not-an-item"},
    ):
        r = diner_post(api, f"/api/qr/{token}/lines", {"lines": [line]}, session=session)
        assert r.status_code == 422, (line, r.text)
    assert api.client.get(f"/api/qr/{token}").json()["order"] is None


def test_forged_other_table_and_rotated_codes_are_refused(api):
    token = qr_token(api, "A01")
    table_id, version, mac = token.rsplit(".", 2)
    forged = f"{api.ids.tables['A02']}.{version}.{mac}"
    r = api.client.get(f"/api/qr/{forged}")
    assert r.status_code == 401 and r.json()["code"] == "qr-invalid"
    m = api.login("M01")
    rotated = api.post(f"/api/tables/{table_id}/rotate-qr", {}, m)
    assert rotated.status_code == 200, rotated.text
    r = api.client.get(f"/api/qr/{token}")
    assert r.status_code == 401 and r.json()["code"] == "qr-expired"
    assert api.client.get(f"/api/qr/{rotated.json()['token']}").status_code == 200


def test_sold_out_items_disappear_from_the_diner_menu(api):
    token = qr_token(api)
    menu = api.client.get(f"/api/qr/{token}/menu").json()
    assert any(i["id"] == api.ids.items["mpdf"] for i in menu["items"])
    api.post(f"/api/menu/items/{api.ids.items['mpdf']}/sold-out", {}, api.login("K01"))
    menu = api.client.get(f"/api/qr/{token}/menu").json()
    assert not any(i["id"] == api.ids.items["mpdf"] for i in menu["items"])


def test_calling_a_waiter_and_asking_for_the_bill(api):
    token, session = seated_token(api)
    diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    diner_post(api, f"/api/qr/{token}/submit", session=session)
    r = diner_post(api, f"/api/qr/{token}/call-waiter", {"reason": "more tea"})
    assert r.status_code == 200
    calls = api.client.get("/api/waiter-calls", headers=api.login("W01")).json()
    assert calls[0]["code"] == "A01" and calls[0]["reason"] == "more tea"
    bill = diner_post(api, f"/api/qr/{token}/request-bill", session=session)
    assert bill.json()["bill_requested"] is True
    floor = api.client.get("/api/floor", headers=api.login("W01")).json()
    assert next(t for t in floor[0]["tables"] if t["code"] == "A01")["status"] == "paying"


# -- table sessions: a photographed code opens nothing ---------------------------------------
def pay_and_close(api: Api, order_id: str) -> None:
    cashier = api.login("C01")
    total = api.client.get(f"/api/orders/{order_id}", headers=cashier).json()["totals"]["total"]
    r = api.post(
        f"/api/orders/{order_id}/payments",
        {"tender": "cash", "amount": total, "tendered": total},
        cashier,
    )
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    r = api.post(f"/api/orders/{order_id}/close", {}, cashier)
    assert r.status_code == 200, r.text


def test_a_photographed_code_sends_nothing_to_the_kitchen_after_the_table_is_paid(api, kitchen):
    """The Kunming attack: yesterday's guest kept the table's code and the session it handed
    out; after the bill is paid and closed, 50 lines of 50 portions sent with it are refused
    and nothing reaches the kitchen, with the old session or with none."""
    token, session = seated_token(api)
    first = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    assert first.status_code == 200, first.text
    assert diner_post(api, f"/api/qr/{token}/submit", session=session).status_code == 200
    wait_for_tickets(api, first.json()["id"])
    pay_and_close(api, first.json()["id"])
    assert table_row(api)["session_id"] is None, "paying the last bill ends the session"
    view = api.client.get(f"/api/qr/{token}").json()
    assert view["session"]["id"] is None and view["order"] is None

    before, tickets_before = seq(api), ticket_count(api)
    attack = {"lines": [{"item_id": api.ids.items["rice"], "quantity": 50}] * 50}
    for held in (session, None, "made-up"):
        r = diner_post(api, f"/api/qr/{token}/lines", attack, session=held)
        assert r.status_code == 409, r.text
        p = r.json()
        assert (p["code"], p["title"]) == ("table-closed", "This table is closed")
        assert "seat you" in p["detail"]
        r = diner_post(api, f"/api/qr/{token}/submit", session=held)
        assert r.status_code == 409 and r.json()["code"] == "table-closed", r.text
    assert seq(api) == before, "nothing written"
    assert sent_after(api, before) == []
    assert ticket_count(api) == tickets_before, "nothing reached the kitchen"
    assert not [
        o
        for o in api.client.get("/api/orders", headers=api.login("W01")).json()
        if o["status"] == "open"
    ], "no new order opened"


def test_a_phone_from_the_last_party_cannot_order_onto_the_next_partys_bill(api):
    token, old = seated_token(api)
    diner_post(
        api, f"/api/qr/{token}/lines", {"lines": [{"item_id": api.ids.items["rice"]}]}, session=old
    )
    order_id = api.client.get(f"/api/qr/{token}").json()["order"]["id"]
    diner_post(api, f"/api/qr/{token}/submit", session=old)
    pay_and_close(api, order_id)
    r = api.post(f"/api/tables/{api.ids.tables['A01']}/clean", {}, api.login("W01"))
    assert r.status_code == 200, r.text
    new = seat(api)
    assert new != old
    r = diner_post(
        api, f"/api/qr/{token}/lines", {"lines": [{"item_id": api.ids.items["rice"]}]}, session=old
    )
    assert r.status_code == 409 and r.json()["code"] == "table-closed"
    r = diner_post(
        api, f"/api/qr/{token}/lines", {"lines": [{"item_id": api.ids.items["rice"]}]}, session=new
    )
    assert r.status_code == 200, r.text


def test_clearing_a_seated_table_ends_its_session(api):
    token, session = seated_token(api)
    assert table_row(api)["status"] == "seated"
    r = api.post(f"/api/tables/{api.ids.tables['A01']}/clean", {}, api.login("W01"))
    assert r.status_code == 200, r.text
    assert table_row(api)["status"] == "free"
    r = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    assert r.status_code == 409 and r.json()["code"] == "table-closed"


def test_a_waiter_opening_an_order_on_the_table_seats_it_for_the_phones(api):
    r = api.post(
        "/api/orders",
        {
            "channel": "dine_in",
            "table_id": api.ids.tables["A02"],
            "lines": [{"item_id": api.ids.items["rice"]}],
        },
        api.login("W01"),
    )
    assert r.status_code == 201, r.text
    token = qr_token(api, "A02")
    view = api.client.get(f"/api/qr/{token}").json()
    assert view["session"]["id"] and view["order"]["id"] == r.json()["id"]
    added = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["plum"]}]},
        session=view["session"]["id"],
    )
    assert added.status_code == 200 and added.json()["id"] == r.json()["id"], added.text


def test_quantity_caps_per_line_and_per_order_are_refused_naming_the_field(api):
    token, session = seated_token(api)
    rice = api.ids.items["rice"]
    r = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": rice}, {"item_id": rice, "quantity": 21}]},
        session=session,
    )
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["field"]) == ("quantity-over-limit", "lines[1].quantity")
    ok = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": rice, "quantity": 20}] * 3},
        session=session,
    )
    assert ok.status_code == 200, ok.text
    r = diner_post(api, f"/api/qr/{token}/lines", {"lines": [{"item_id": rice}]}, session=session)
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["field"]) == ("order-over-limit", "lines")
    settings(api, qr_max_per_line=5, qr_max_per_order=200)
    r = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": rice, "quantity": 6}]},
        session=session,
    )
    assert r.status_code == 422 and r.json()["field"] == "lines[0].quantity", "the store's cap"


def test_too_many_changes_from_one_table_get_429_with_retry_after(api):
    settings(api, qr_changes_per_minute=3)
    token, session = seated_token(api)
    for _ in range(3):
        r = diner_post(api, f"/api/qr/{token}/call-waiter", {"reason": ""})
        assert r.status_code == 200, r.text
    before = seq(api)
    r = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "too-many-changes"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert "Wait" in r.json()["detail"]
    assert seq(api) == before, "a refused change writes nothing"
    other = qr_token(api, "A02")
    assert diner_post(api, f"/api/qr/{other}/call-waiter", {"reason": ""}).status_code == 200, (
        "another table has its own limit"
    )


def test_a_self_seated_tables_first_send_waits_for_the_staff_on_the_pos(api, kitchen):
    token = qr_token(api)
    view = api.client.get(f"/api/qr/{token}").json()
    assert view["session"] == {"id": None, "waiting_confirmation": None, "may_self_seat": False}
    r = diner_post(api, f"/api/qr/{token}/seat")
    assert r.status_code == 409 and r.json()["code"] == "table-closed", "off by default"

    settings(api, qr_self_seating=True)
    assert api.client.get(f"/api/qr/{token}").json()["session"]["may_self_seat"] is True
    r = diner_post(api, f"/api/qr/{token}/seat")
    assert r.status_code == 200, r.text
    session = r.json()["id"]
    assert session and table_row(api)["status"] == "seated"
    added = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    order_id = added.json()["id"]
    before = seq(api)
    held = diner_post(api, f"/api/qr/{token}/submit", session=session)
    assert held.status_code == 202, held.text
    assert held.json()["waiting_confirmation"] == "self-seated"
    assert held.json()["status"] == "open"
    assert sent_after(api, before) == [] and ticket_count(api, order_id) == 0
    assert table_row(api)["held_reason"] == "self-seated", "the POS sees it waiting"
    again = diner_post(api, f"/api/qr/{token}/submit", session=session)
    assert again.status_code == 202 and sent_after(api, before) == []
    assert (
        api.client.get(f"/api/qr/{token}").json()["session"]["waiting_confirmation"]
        == "self-seated"
    )

    table_id = api.ids.tables["A01"]
    assert (
        api.post(f"/api/tables/{table_id}/confirm-send", {}, api.login("K01")).status_code == 403
    ), "kitchen staff cannot confirm"
    confirmed = api.post(f"/api/tables/{table_id}/confirm-send", {}, api.login("W01"))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "submitted"
    assert len(sent_after(api, before)) == 1
    wait_for_tickets(api, order_id)
    assert table_row(api)["held_reason"] is None
    # Confirmed once, the party orders on as at a table a waiter seated.
    diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["plum"]}]},
        session=session,
    )
    assert diner_post(api, f"/api/qr/{token}/submit", session=session).status_code == 200


def test_a_self_seat_is_refused_at_a_table_still_waiting_to_be_cleared(api):
    token, session = seated_token(api)
    diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    order_id = api.client.get(f"/api/qr/{token}").json()["order"]["id"]
    diner_post(api, f"/api/qr/{token}/submit", session=session)
    pay_and_close(api, order_id)
    settings(api, qr_self_seating=True)
    assert table_row(api)["status"] == "to_clean"
    r = diner_post(api, f"/api/qr/{token}/seat")
    assert r.status_code == 409 and r.json()["code"] == "table-closed"


def test_an_order_above_the_stores_total_waits_for_the_staff(api, kitchen):
    settings(api, qr_confirm_above=5000)  # 50.00
    token, session = seated_token(api)
    gbjd = {"item_id": api.ids.items["gbjd"], "modifier_option_ids": [api.ids.options["Mild"]]}
    diner_post(api, f"/api/qr/{token}/lines", {"lines": [gbjd]}, session=session)
    assert diner_post(api, f"/api/qr/{token}/submit", session=session).status_code == 200, (
        "38.00 is under the limit"
    )
    added = diner_post(api, f"/api/qr/{token}/lines", {"lines": [gbjd]}, session=session)
    order_id = added.json()["id"]
    before = seq(api)
    held = diner_post(api, f"/api/qr/{token}/submit", session=session)
    assert held.status_code == 202 and held.json()["waiting_confirmation"] == "over-threshold"
    assert sent_after(api, before) == []
    confirmed = api.post(f"/api/tables/{api.ids.tables['A01']}/confirm-send", {}, api.login("W01"))
    assert confirmed.status_code == 200, confirmed.text
    assert [ln["state"] for ln in confirmed.json()["lines"]] == ["sent", "sent"]
    assert len(sent_after(api, before)) == 1
    # Another 38.00 is within 50.00 of what staff let through; 2 × 38.00 more is not.
    diner_post(api, f"/api/qr/{token}/lines", {"lines": [gbjd]}, session=session)
    assert diner_post(api, f"/api/qr/{token}/submit", session=session).status_code == 200
    diner_post(api, f"/api/qr/{token}/lines", {"lines": [gbjd, gbjd]}, session=session)
    assert diner_post(api, f"/api/qr/{token}/submit", session=session).status_code == 202
    wait_for_tickets(api, order_id)


def test_a_waiter_sending_a_held_order_from_the_pos_clears_the_wait(api):
    settings(api, qr_confirm_above=100)
    token, session = seated_token(api)
    added = diner_post(
        api,
        f"/api/qr/{token}/lines",
        {"lines": [{"item_id": api.ids.items["rice"]}]},
        session=session,
    )
    assert diner_post(api, f"/api/qr/{token}/submit", session=session).status_code == 202
    r = api.post(f"/api/orders/{added.json()['id']}/submit", {}, api.login("W01"))
    assert r.status_code == 200, r.text
    assert table_row(api)["held_reason"] is None
