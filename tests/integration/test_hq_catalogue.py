"""HQ owners sign in, create stores and publish the chain catalogue; stores pull versions, or
a snapshot when they are behind the compacted log."""

from __future__ import annotations

import uuid

from hearth.hq.owners import add_owner
from tests.integration.test_hq_fixtures import HQHarness, hq_harness

__all__ = ["hq_harness"]


def _owner(h: HQHarness) -> dict[str, str]:
    add_owner(h.hq, "H01", "Boss", "correct horse")
    r = h.client.post("/api/hq/auth/sign-in", json={"code": "H01", "password": "correct horse"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _price(item: str, price: int) -> dict:
    return {"type": "ItemUpdated", "payload": {"id": item, "price": price}}


def test_owners_sign_in_create_and_revoke_stores_and_see_the_fleet(hq_harness: HQHarness):
    h = hq_harness
    wrong = h.client.post("/api/hq/auth/sign-in", json={"code": "H01", "password": "nope"})
    assert wrong.status_code == 401
    owner = _owner(h)
    assert (
        h.client.post("/api/hq/stores", json={"store_id": "s1", "name": "One"}).json()["code"]
        == "hq-not-signed-in"
    )
    assert (
        h.client.post(
            "/api/hq/stores", json={"store_id": "s1", "name": "One"}, headers=owner
        ).json()["code"]
        == "idempotency-key-missing"
    )
    key = _key()
    made = h.client.post(
        "/api/hq/stores", json={"store_id": "s1", "name": "One"}, headers={**owner, **key}
    )
    assert made.status_code == 201
    replay = h.client.post(
        "/api/hq/stores", json={"store_id": "s1", "name": "One"}, headers={**owner, **key}
    )
    assert replay.json()["store_id"] == "s1" and replay.json()["enrol_code"] is None
    enrolled = h.client.post("/sync/v1/enrol", json={"enrol_code": made.json()["enrol_code"]})
    assert enrolled.status_code == 200
    again = h.client.post(
        "/api/hq/stores", json={"store_id": "s1", "name": "One"}, headers={**owner, **_key()}
    )
    assert again.json()["code"] == "hq-store-exists"
    fleet = h.client.get("/api/hq/stores", headers=owner).json()["stores"]
    assert [(s["store_id"], s["enrolled"], s["revoked"]) for s in fleet] == [("s1", True, False)]
    assert h.client.post("/api/hq/stores/s1/revoke", headers={**owner, **_key()}).status_code == 200
    cred = enrolled.json()["credential"]
    r = h.client.get("/sync/v1/catalogue", headers={"Authorization": f"Bearer {cred}"})
    assert (r.status_code, r.json()["code"]) == (401, "sync-revoked")


def test_a_store_pulls_new_versions_and_a_snapshot_when_behind_the_floor(hq_harness: HQHarness):
    h = hq_harness  # keeps the last 3 versions per scope
    owner = _owner(h)
    store = h.enrol("s1")
    other = h.enrol("s2")

    def publish(scope: str, events: list[dict]) -> int:
        r = h.client.post(
            "/api/hq/catalogue",
            json={"scope": scope, "events": events},
            headers={**owner, **_key()},
        )
        assert r.status_code == 201, r.text
        return int(r.json()["version"])

    first = publish("chain", [{"type": "ItemCreated", "payload": {"id": "i1", "price": 100}}])
    mine = publish("store:s1", [_price("i1", 120)])
    pulled = h.client.get("/sync/v1/catalogue?after=0", headers=store.auth).json()
    assert [v["version"] for v in pulled["versions"]] == [first, mine]
    assert "snapshot" not in pulled and pulled["latest"] == mine
    theirs = h.client.get("/sync/v1/catalogue?after=0", headers=other.auth).json()
    assert [v["version"] for v in theirs["versions"]] == [first]  # s1's prices stay s1's
    later = [publish("chain", [_price("i1", 100 + n)]) for n in range(1, 5)]
    behind = h.client.get("/sync/v1/catalogue?after=0", headers=store.auth).json()
    snap = behind["snapshot"]
    assert snap["version"] == later[0]
    # in log order, as a store that pulled each version applied them: v1, s1's v2, v3
    assert [e["payload"].get("price") for e in snap["events"]] == [100, 120, 101]
    assert [v["version"] for v in behind["versions"]] == later[1:]
    current = h.client.get(f"/sync/v1/catalogue?after={later[2]}", headers=store.auth).json()
    assert "snapshot" not in current and [v["version"] for v in current["versions"]] == [later[3]]
    hs = h.client.post(
        "/sync/v1/handshake",
        headers=store.auth,
        json={"epoch": 1, "seq": 0, "digest": "0" * 64, "catalogue_version": later[2]},
    ).json()
    assert hs["catalogue_version"] == later[3]


def test_the_catalogue_refuses_store_local_and_unknown_events(hq_harness: HQHarness):
    owner = _owner(hq_harness)
    for events, field in (
        ([{"type": "ItemSoldOut", "payload": {"id": "i1"}}], "events[0].type"),
        ([{"type": "Bogus", "payload": {"id": "i1"}}], "events[0].type"),
        ([{"type": "ItemCreated", "payload": {}}], "events[0].payload.id"),
    ):
        r = hq_harness.client.post(
            "/api/hq/catalogue", json={"events": events}, headers={**owner, **_key()}
        )
        assert (r.status_code, r.json()["field"]) == (422, field), r.text
    r = hq_harness.client.post(
        "/api/hq/catalogue",
        json={"scope": "elsewhere", "events": [_price("i1", 1)]},
        headers={**owner, **_key()},
    )
    assert r.json()["code"] == "hq-catalogue-scope-invalid"


def _menu(events: list[dict]) -> dict[str, dict]:
    """What applying catalogue events in turn leaves (as the store's menu projector does)."""
    menu: dict[str, dict] = {}
    for ev in events:
        p = ev["payload"]
        if ev["type"] == "ItemCreated":
            menu[p["id"]] = dict(p)
        else:
            menu.setdefault(p["id"], {"id": p["id"]}).update(p)
    return menu


def test_a_snapshot_gives_what_replaying_the_log_gives_store_overrides_and_all(
    hq_harness: HQHarness,
):
    """A store far behind (both scopes compacted, in either order) gets the menu a store that
    applied every version has: its own price overrides win over chain prices published before
    them, and lose to chain prices published after them, exactly as in the log."""
    h = hq_harness  # keeps the last 3 versions per scope
    owner = _owner(h)
    stores = {sid: h.enrol(sid) for sid in ("s1", "s2")}
    log: list[tuple[str, list[dict]]] = []

    def publish(scope: str, events: list[dict]) -> None:
        r = h.client.post(
            "/api/hq/catalogue",
            json={"scope": scope, "events": events},
            headers={**owner, **_key()},
        )
        assert r.status_code == 201, r.text
        log.append((scope, events))

    create = [{"type": "ItemCreated", "payload": {"id": f"i{n}", "price": 100}} for n in range(3)]
    publish("chain", create)
    publish("store:s1", [_price("i0", 90)])  # s1's override, after the chain's price
    for n in range(4):  # s1's scope is compacted past its override; the chain's is not
        publish("store:s1", [_price("i1", 80 + n)])
    publish("chain", [_price("i1", 150)])  # the chain's later price wins over s1's i1
    publish("store:s2", [_price("i2", 70)])
    for n in range(4):  # now the chain's scope is compacted too
        publish("chain", [_price("i2", 200 + n)])
    publish("store:s2", [_price("i2", 60)])  # s2's override after the chain's last price

    for sid, store in stores.items():
        replayed = _menu(
            [ev for scope, evs in log if scope in ("chain", f"store:{sid}") for ev in evs]
        )
        behind = h.client.get("/sync/v1/catalogue?after=0", headers=store.auth).json()
        assert "snapshot" in behind
        pulled = behind["snapshot"]["events"] + [
            ev for v in behind["versions"] for ev in v["events"]
        ]
        assert _menu(pulled) == replayed, sid
    assert (
        _menu(
            h.client.get("/sync/v1/catalogue?after=0", headers=stores["s1"].auth).json()[
                "snapshot"
            ]["events"]
        )["i0"]["price"]
        == 90
    )
