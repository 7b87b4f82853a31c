"""Search answers from memory, so it must follow every menu change at once."""

from __future__ import annotations


def _names(api, q, h):
    r = api.client.get("/api/menu/search", params={"q": q, "limit": 50}, headers=h)
    assert r.status_code == 200, r.text
    return {i["name_zh"]: i for i in r.json()}


def test_search_follows_new_renamed_deactivated_and_sold_out_items(api):
    m, c = api.login("M01"), api.login("C01")
    assert "宫保鸡丁" in _names(api, "gbjd", c)
    r = api.post(
        "/api/menu/items",
        {
            "category_id": next(iter(api.ids.categories.values())),
            "name_zh": "宫爆虾球",
            "name_en": "Kung Pao Prawns",
            "price": 6800,
        },
        m,
    )
    assert r.status_code == 201, r.text
    item_id = r.json()["id"]
    found = _names(api, "gb", c)
    assert {"宫保鸡丁", "宫爆虾球"} <= set(found)
    assert found["宫爆虾球"]["price"] == 6800 and not found["宫爆虾球"]["sold_out"]

    assert api.post(f"/api/menu/items/{item_id}/sold-out", {}, m).status_code == 200
    assert _names(api, "prawns", c)["宫爆虾球"]["sold_out"] is True

    r = api.client.patch(
        f"/api/menu/items/{item_id}",
        json={"name_zh": "椒盐虾球", "price": 7200},
        headers={**m, "Idempotency-Key": "rename-1"},
    )
    assert r.status_code == 200, r.text
    assert "宫爆虾球" not in _names(api, "gb", c)
    assert _names(api, "jyxq", c)["椒盐虾球"]["price"] == 7200

    r = api.client.patch(
        f"/api/menu/items/{item_id}",
        json={"active": False},
        headers={**m, "Idempotency-Key": "retire-1"},
    )
    assert r.status_code == 200, r.text
    assert "椒盐虾球" not in _names(api, "jy", c)


def test_search_orders_shortest_initials_first_and_honours_the_limit(api):
    c = api.login("C01")
    r = api.client.get("/api/menu/search", params={"q": "a", "limit": 3}, headers=c)
    hits = r.json()
    assert 0 < len(hits) <= 3
    lengths = [len(h["pinyin_initials"]) for h in hits]
    assert lengths == sorted(lengths)
