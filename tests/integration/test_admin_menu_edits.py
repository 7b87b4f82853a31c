"""What the admin page edits after creation: modifier groups (options, prices, min/max), category
and table names, an item's category and a set meal's courses. A refused edit changes nothing."""

from __future__ import annotations

import uuid

from tests.integration.test_admin_store_settings import seq


def send(api, method, path, body, headers, key=None):
    return api.client.request(
        method, path, json=body, headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex}
    )


def menu(api, headers):
    return api.client.get("/api/menu", headers=headers).json()


def group(api, headers, gid):
    return next(g for g in menu(api, headers)["modifier_groups"] if g["id"] == gid)


def item(api, headers, iid):
    return next(i for i in menu(api, headers)["items"] if i["id"] == iid)


def test_a_manager_edits_a_modifier_group_and_kept_options_keep_their_ids(api):
    m = api.login("M01")
    gid = api.ids.groups["extras"]
    egg, meat = api.ids.options["Add egg"], api.ids.options["Extra meat"]
    body = {
        "name_zh": "加料",
        "name_en": "Extras",
        "min_choices": 0,
        "max_choices": 3,
        "options": [
            {"id": egg, "name_zh": "加双蛋", "name_en": "Two eggs", "price_delta": 350},
            {"id": meat, "name_zh": "加肉", "name_en": "Extra meat", "price_delta": 500},
            {"name_zh": "加菜", "name_en": "More greens", "price_delta": 100},
        ],
    }
    key = uuid.uuid4().hex
    r = send(api, "PUT", f"/api/menu/modifier-groups/{gid}", body, m, key)
    assert r.status_code == 200, r.text
    after = seq(api)
    assert send(api, "PUT", f"/api/menu/modifier-groups/{gid}", body, m, key).status_code == 200
    assert seq(api) == after, "a retried edit is answered from the first, not applied twice"
    g = group(api, m, gid)
    assert g["max_choices"] == 3
    assert [(o["name_en"], o["price_delta"]) for o in g["options"]] == [
        ("Two eggs", 350),
        ("Extra meat", 500),
        ("More greens", 100),
    ]
    assert g["options"][0]["id"] == egg and g["options"][1]["id"] == meat
    assert g["options"][2]["id"] not in (egg, meat)

    # The new price is what the next order pays for that option.
    w = api.login("W01")
    r = api.post(
        "/api/orders",
        {
            "channel": "takeaway",
            "lines": [
                {
                    "item_id": api.ids.items["gbjd"],
                    "modifier_option_ids": [api.ids.options["Mild"], egg],
                }
            ],
        },
        w,
    )
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0]["unit_price"] == 3800 + 350


def test_a_modifier_group_edit_that_makes_no_sense_is_refused_and_changes_nothing(api):
    m, w = api.login("M01"), api.login("W01")
    gid = api.ids.groups["spice"]
    before, shown = seq(api), group(api, m, gid)
    opts = [
        {"id": o["id"], "name_zh": o["name_zh"], "name_en": o["name_en"], "price_delta": 0}
        for o in shown["options"]
    ]
    base = {"name_zh": "辣度", "name_en": "Spice", "min_choices": 1, "max_choices": 1}
    r = send(
        api,
        "PUT",
        f"/api/menu/modifier-groups/{gid}",
        {**base, "min_choices": 2, "max_choices": 1, "options": opts},
        m,
    )
    assert r.status_code == 422 and r.json()["code"] == "modifier-group-bounds"
    r = send(
        api,
        "PUT",
        f"/api/menu/modifier-groups/{gid}",
        {**base, "options": [{**opts[0], "id": api.ids.options["Add egg"]}]},
        m,
    )
    assert r.status_code == 422 and r.json()["code"] == "modifier-option-unknown"
    r = send(
        api,
        "PUT",
        f"/api/menu/modifier-groups/{gid}",
        {**base, "options": [{**opts[0], "price_delta": -100}]},
        m,
    )
    assert r.status_code == 422
    r = send(api, "PUT", "/api/menu/modifier-groups/nope", {**base, "options": opts}, m)
    assert r.status_code == 404
    assert (
        send(
            api, "PUT", f"/api/menu/modifier-groups/{gid}", {**base, "options": opts}, w
        ).status_code
        == 403
    )
    assert seq(api) == before and group(api, m, gid) == shown


def test_rename_a_category_and_a_table_and_move_an_item(api):
    m = api.login("M01")
    cat = api.ids.categories["hot"]
    r = send(api, "PATCH", f"/api/menu/categories/{cat}", {"name_en": "Wok dishes"}, m)
    assert r.status_code == 200, r.text
    c = next(c for c in menu(api, m)["categories"] if c["id"] == cat)
    assert (c["name_zh"], c["name_en"]) == ("热菜", "Wok dishes")
    assert send(api, "PATCH", "/api/menu/categories/nope", {"name_en": "X"}, m).status_code == 404

    rice = api.ids.items["rice"]
    r = send(
        api, "PATCH", f"/api/menu/items/{rice}", {"category_id": api.ids.categories["drinks"]}, m
    )
    assert r.status_code == 200, r.text
    assert item(api, m, rice)["category_id"] == api.ids.categories["drinks"]
    before = seq(api)
    r = send(api, "PATCH", f"/api/menu/items/{rice}", {"category_id": "no-such"}, m)
    assert r.status_code == 422 and r.json()["code"] == "category-unknown"
    assert seq(api) == before

    a01 = api.ids.tables["A01"]
    r = send(api, "PATCH", f"/api/tables/{a01}", {"code": "T1", "seats": 6}, m)
    assert r.status_code == 200, r.text
    tables = {
        t["id"]: t for a in api.client.get("/api/floor", headers=m).json() for t in a["tables"]
    }
    assert (tables[a01]["code"], tables[a01]["seats"]) == ("T1", 6)
    before = seq(api)
    r = send(api, "PATCH", f"/api/tables/{api.ids.tables['A02']}", {"code": "T1"}, m)
    assert r.status_code == 409 and r.json()["code"] == "table-code-taken"
    assert send(api, "PATCH", f"/api/tables/{a01}", {"seats": 0}, m).status_code == 422
    assert seq(api) == before
    # The table's printed QR code still opens it under its new name.
    qr = api.client.get(f"/api/tables/{a01}/qr", headers=m).json()
    assert api.client.get(f"/api/qr/{qr['token']}").json()["table"]["code"] == "T1"


def test_a_set_meal_is_created_then_its_courses_are_edited(api):
    m = api.login("M01")
    ids = api.ids
    r = api.post(
        "/api/menu/items",
        {
            "category_id": ids.categories["sets"],
            "name_zh": "双人餐",
            "name_en": "Meal for two",
            "price": 9800,
            "combo_slots": [
                {
                    "name_zh": "主菜",
                    "name_en": "Main",
                    "choices": [
                        {"item_id": ids.items["gbjd"]},
                        {"item_id": ids.items["duck"], "upcharge": 3000},
                    ],
                },
                {
                    "name_zh": "饮品",
                    "name_en": "Drink",
                    "choices": [{"item_id": ids.items["plum"]}],
                },
            ],
        },
        m,
    )
    assert r.status_code == 201, r.text
    combo = r.json()["id"]
    created = item(api, m, combo)
    assert created["kind"] == "combo"
    main = created["combo_slots"][0]

    # Keep the main course (its id stays), change its choices, swap the drink for rice.
    r = send(
        api,
        "PATCH",
        f"/api/menu/items/{combo}",
        {
            "combo_slots": [
                {
                    "id": main["id"],
                    "name_zh": "主菜",
                    "name_en": "Main course",
                    "choices": [
                        {"item_id": ids.items["mpdf"], "upcharge": 0},
                        {"item_id": ids.items["gbjd"], "upcharge": 500},
                    ],
                },
                {
                    "name_zh": "主食",
                    "name_en": "Staple",
                    "choices": [{"item_id": ids.items["rice"], "upcharge": 0}],
                },
            ]
        },
        m,
    )
    assert r.status_code == 200, r.text
    slots = item(api, m, combo)["combo_slots"]
    assert slots[0]["id"] == main["id"] and slots[0]["name_en"] == "Main course"
    assert [c["item_id"] for c in slots[0]["choices"]] == [ids.items["mpdf"], ids.items["gbjd"]]
    assert slots[1]["name_en"] == "Staple"

    # The edited set is what an order gets priced against.
    r = api.post(
        "/api/orders",
        {
            "channel": "takeaway",
            "lines": [
                {
                    "item_id": combo,
                    "combo_choices": {
                        slots[0]["id"]: ids.items["gbjd"],
                        slots[1]["id"]: ids.items["rice"],
                    },
                }
            ],
        },
        api.login("W01"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0]["unit_price"] == 9800 + 500

    before = seq(api)
    for bad, code in (
        ([{"name_zh": "x", "name_en": "x", "choices": [{"item_id": combo}]}], "combo-choice-self"),
        ([{"name_zh": "x", "name_en": "x", "choices": [{"item_id": "ghost"}]}], "item-unknown"),
        (
            [
                {
                    "id": "ghost",
                    "name_zh": "x",
                    "name_en": "x",
                    "choices": [{"item_id": ids.items["rice"]}],
                }
            ],
            "combo-slot-unknown",
        ),
    ):
        r = send(api, "PATCH", f"/api/menu/items/{combo}", {"combo_slots": bad}, m)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert seq(api) == before
    assert item(api, m, combo)["combo_slots"] == slots
