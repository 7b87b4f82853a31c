"""Store settings from the admin page: checked on the server, journaled, refused in plain words."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from hearth.core.journal import stream_events
from hearth.store.domain import CashRounding, round_cash
from hearth.store.tables import store_settings

GOOD = {
    "name_zh": "老王川菜馆",
    "name_en": "Lao Wang Sichuan",
    "address": "上海市徐汇区 1 号",
    "phone": "+86 21-5555 0000",
    "service_charge_bp": 1000,
    "receipt_footer_zh": "谢谢惠顾",
    "receipt_footer_en": "Thank you",
    "cash_rounding": "jiao",
    "languages": ["zh", "en"],
    "default_language": "zh",
}


class _Undo(Exception):
    """Raised to roll the replay back once it has been compared."""

    def __init__(self, same: bool) -> None:
        super().__init__("undo")
        self.same = same


def replays_to_the_same_rows(node, table, *streams, types=None) -> bool:
    """What ``hearth rebuild`` does, for one table: empty it, replay its streams, compare.
    Runs inside the writer (SQLite has one writer) and is rolled back afterwards."""

    def replay(tx):
        conn = tx.conn
        before = sorted(tuple(r) for r in conn.execute(sa.select(table)))
        conn.execute(table.delete())
        for stream in streams:
            for ev in stream_events(conn, stream):
                if types is None or ev.type in types:
                    node.projectors.apply(conn, ev)
        after = sorted(tuple(r) for r in conn.execute(sa.select(table)))
        raise _Undo(bool(before) and before == after)

    try:
        node.writer.run(replay)
    except _Undo as undo:
        return undo.same
    raise AssertionError("replay did not run")


def seq(api):
    return api.client.get("/healthz").json()["journal_seq"]


def put(api, body, headers, key=None):
    return api.client.put(
        "/api/store/settings",
        json=body,
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_defaults_until_saved_then_the_saved_value_for_every_staff_member(api):
    m = api.login("M01")
    first = api.client.get("/api/store/settings", headers=m).json()
    assert first["version"] == 0 and first["cash_rounding"] == "none"
    r = put(api, {**GOOD, "version": 0}, m)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    seen = api.client.get("/api/store/settings", headers=api.login("W01")).json()
    assert seen["name_en"] == "Lao Wang Sichuan" and seen["service_charge_bp"] == 1000
    assert seen["languages"] == ["zh", "en"] and seen["version"] == 1


def test_a_retry_with_the_same_key_writes_once(api):
    m = api.login("M01")
    before = seq(api)
    a = put(api, GOOD, m, key="same-key")
    b = put(api, GOOD, m, key="same-key")
    assert a.json() == b.json() and b.headers.get("Idempotent-Replayed") == "true"
    assert seq(api) == before + 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name_zh": "   "}, "name_zh"),
        ({"name_en": "x" * 121}, "name_en"),
        ({"phone": "call me maybe"}, "phone"),
        ({"service_charge_bp": 3001}, "service_charge_bp"),
        ({"service_charge_bp": -1}, "service_charge_bp"),
        ({"cash_rounding": "banker"}, "cash_rounding"),
        ({"languages": []}, "languages"),
        ({"languages": ["zh", "fr"]}, "languages"),
        ({"languages": ["en"], "default_language": "zh"}, "default_language"),
        ({"receipt_footer_en": "bad\x00byte"}, "receipt_footer_en"),
        ({"price": 1}, "price"),
    ],
)
def test_bad_settings_are_refused_with_the_field_and_nothing_is_written(api, change, field):
    m = api.login("M01")
    before = seq(api)
    r = put(api, {**GOOD, **change}, m)
    assert r.status_code == 422, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in (body.get("field") or "") or field in str(body.get("errors", "")), body
    assert body["title"] and body["detail"]
    assert seq(api) == before


def test_only_managers_change_settings(api):
    signed_in = {code: api.login(code) for code in ("C01", "W01", "K01")}
    before = seq(api)
    for code in ("C01", "W01", "K01"):
        r = put(api, GOOD, signed_in[code])
        assert r.status_code == 403 and r.json()["code"] == "permission-denied"
    assert put(api, GOOD, {}).status_code == 401
    assert seq(api) == before
    assert put(api, GOOD, api.login("O01")).status_code == 200


def test_a_stale_edit_does_not_undo_a_newer_one(api):
    m = api.login("M01")
    assert put(api, {**GOOD, "version": 0}, m).status_code == 200
    before = seq(api)
    stale = put(api, {**GOOD, "name_en": "Old tab", "version": 0}, m)
    assert stale.status_code == 409 and stale.json()["code"] == "settings-changed-meanwhile"
    assert seq(api) == before
    assert api.client.get("/api/store/settings", headers=m).json()["name_en"] == GOOD["name_en"]


def test_settings_survive_a_rebuild_from_the_journal(api):
    m = api.login("M01")
    put(api, GOOD, m)
    put(api, {**GOOD, "address": "新地址"}, m)
    assert replays_to_the_same_rows(api.node, store_settings, "store:settings")


@pytest.mark.parametrize(
    "total, rounding, expected",
    [
        (1234, CashRounding.NONE, 1234),
        (1234, CashRounding.JIAO, 1230),
        (1235, CashRounding.JIAO, 1240),
        (1224, CashRounding.HALF_YUAN, 1200),
        (1225, CashRounding.HALF_YUAN, 1250),
        (1249, CashRounding.YUAN, 1200),
        (1250, CashRounding.YUAN, 1300),
        (0, CashRounding.YUAN, 0),
    ],
)
def test_cash_rounding_rounds_half_up_to_the_step(total, rounding, expected):
    assert round_cash(total, rounding) == expected
