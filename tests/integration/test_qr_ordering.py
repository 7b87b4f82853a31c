"""Diners at one table order from their phones into one shared order, priced by the server."""

from __future__ import annotations

import threading
import uuid


def qr_token(api, code="A01"):
    m = api.login("M01")
    r = api.client.get(f"/api/tables/{api.ids.tables[code]}/qr", headers=m)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def diner_post(api, path, body=None, key=None):
    return api.client.post(path, json=body or {},
                           headers={"Idempotency-Key": key or uuid.uuid4().hex})


def test_two_phones_share_one_order_and_send_it(api):
    token = qr_token(api)
    ids = api.ids
    a = diner_post(api, f"/api/qr/{token}/lines", {"guests": 2, "lines": [
        {"item_id": ids.items["gbjd"], "modifier_option_ids": [ids.options["Mild"]]}]})
    assert a.status_code == 200, a.text
    b = diner_post(api, f"/api/qr/{token}/lines", {"lines": [
        {"item_id": ids.items["cola"], "spec_id": ids.specs["small"], "quantity": 2}]})
    assert b.json()["id"] == a.json()["id"], "both phones add to the same table order"
    seen = api.client.get(f"/api/qr/{token}").json()
    assert [ln["name_en"] for ln in seen["order"]["lines"]] == ["Kung Pao Chicken", "Cola"]
    assert seen["order"]["totals"]["total"] == 3800 + 1000
    sent = diner_post(api, f"/api/qr/{token}/submit")
    assert sent.json()["status"] == "submitted"
    floor = api.client.get("/api/floor", headers=api.login("W01")).json()
    assert next(t for t in floor[0]["tables"] if t["code"] == "A01")["status"] == "waiting"


def test_many_diners_at_once_lose_nothing(api):
    token = qr_token(api)
    errors: list[str] = []

    def diner(n):
        r = diner_post(api, f"/api/qr/{token}/lines",
                       {"lines": [{"item_id": api.ids.items["rice"], "note": f"diner {n}"}]})
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
    token = qr_token(api)
    order = diner_post(api, f"/api/qr/{token}/lines",
                       {"lines": [{"item_id": api.ids.items["rice"]},
                                  {"item_id": api.ids.items["plum"]}]}).json()
    line = order["lines"][0]["id"]
    first = diner_post(api, f"/api/qr/{token}/lines/{line}/remove")
    second = diner_post(api, f"/api/qr/{token}/lines/{line}/remove")
    assert first.status_code == 200
    assert second.status_code == 404 and second.json()["code"] == "line-not-found"


def test_diners_cannot_set_prices_or_silly_quantities(api):
    token = qr_token(api)
    rice = api.ids.items["rice"]
    for line in ({"item_id": rice, "unit_price": 1}, {"item_id": rice, "quantity": 0},
                 {"item_id": rice, "quantity": 10_000}, {"item_id": rice, "seat": 3},
                 {"item_id": "not-an-item"}):
        r = diner_post(api, f"/api/qr/{token}/lines", {"lines": [line]})
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
    token = qr_token(api)
    diner_post(api, f"/api/qr/{token}/lines", {"lines": [{"item_id": api.ids.items["rice"]}]})
    diner_post(api, f"/api/qr/{token}/submit")
    r = diner_post(api, f"/api/qr/{token}/call-waiter", {"reason": "more tea"})
    assert r.status_code == 200
    calls = api.client.get("/api/waiter-calls", headers=api.login("W01")).json()
    assert calls[0]["code"] == "A01" and calls[0]["reason"] == "more tea"
    bill = diner_post(api, f"/api/qr/{token}/request-bill")
    assert bill.json()["bill_requested"] is True
    floor = api.client.get("/api/floor", headers=api.login("W01")).json()
    assert next(t for t in floor[0]["tables"] if t["code"] == "A01")["status"] == "paying"
