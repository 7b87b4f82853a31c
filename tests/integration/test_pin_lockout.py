"""PIN lockouts through the API, with the node's clock stepped instead of waited for: 5 wrong
PINs lock an account for 30 minutes, the third lockout in a row holds until a manager unlocks it,
wrong approval PINs count like wrong sign-in PINs, and manager and owner PINs have 6 digits."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.clock import ManualClock
from hearth.core.db import make_engine
from hearth.core.rebuild import RebuildReport, rebuild
from hearth.staff.tables import staff
from hearth.testing.builders import a_small_restaurant, fast_settings
from tests.conftest import Api
from tests.integration.test_admin_staff import patch, pin_login, seq
from tests.integration.test_api_orders import order_body

MINUTE = 60_000


@pytest.fixture
def clock() -> ManualClock:
    # Start at the real time: tokens issued now must still read as fresh.
    return ManualClock(int(time.time() * 1000))


@pytest.fixture
def api(sqlite_url: str, clock: ManualClock) -> Iterator[Api]:
    node = build_node(fast_settings(sqlite_url), clock=clock)
    ids = a_small_restaurant(node)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        yield Api(client, ids, node)
    node.close()


def wrong(api: Api, code: str, times: int) -> list[int]:
    return [pin_login(api, code, "97531").status_code for _ in range(times)]


def staff_row(api: Api, code: str, headers: dict[str, str]) -> dict[str, object]:
    listed = api.client.get("/api/staff", headers=headers).json()
    return next(s for s in listed if s["code"] == code)


def rebuilt_copy(api: Api, tmp_path: Path) -> tuple[RebuildReport, dict[str, bool]]:
    """Rebuild a copy of the store from its journal (the running node keeps its writer's
    connection open): the report, and who is hard-locked in the rebuilt projection."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(str(api.node.engine.url.database)) as a, sqlite3.connect(copy) as b:
        a.backup(b)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        report = rebuild(engine, api.node.projectors, keep=True)
        with engine.connect() as conn:
            hard = {
                r.code: bool(r.hard_locked)
                for r in conn.execute(sa.select(staff.c.code, staff.c.hard_locked))
            }
    finally:
        engine.dispose()
    return report, hard


def unlock(api: Api, code: str, headers: dict[str, str]):
    return api.client.post(
        f"/api/staff/{api.ids.staff[code]}/unlock",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )


def test_five_wrong_pins_lock_an_account_for_thirty_minutes(api, clock):
    started = clock.now_ms()
    assert wrong(api, "W01", 4) == [401] * 4
    locked = pin_login(api, "W01", "97531")
    assert locked.status_code == 423 and locked.json()["code"] == "account-locked"
    assert locked.json()["locked_until_ms"] == started + 30 * MINUTE
    assert locked.json()["unlock_by_manager"] is False
    clock.advance(30 * MINUTE - 1)
    still = pin_login(api, "W01", api.ids.pins["W01"])
    assert still.status_code == 423 and "until" in still.json()["detail"]
    clock.advance(1)
    assert pin_login(api, "W01", api.ids.pins["W01"]).status_code == 200


def test_the_third_lockout_in_a_row_holds_until_a_manager_unlocks_it(api, clock, tmp_path):
    for _ in range(2):
        assert wrong(api, "W01", 5) == [401] * 4 + [423]
        clock.advance(30 * MINUTE)
    assert wrong(api, "W01", 5) == [401] * 4 + [423]
    clock.advance(7 * 24 * 60 * MINUTE)
    held = pin_login(api, "W01", api.ids.pins["W01"])
    assert held.status_code == 423 and held.json()["unlock_by_manager"] is True
    assert "manager" in held.json()["detail"]
    m = api.login("M01")  # a week on: sign-ins are checked against the node's clock too
    row = staff_row(api, "W01", m)
    assert row["locked"] is True and row["hard_locked"] is True and row["lockouts"] == 3

    r = unlock(api, "W01", m)
    assert r.status_code == 200, r.text
    events = api.client.get("/api/journal", headers=m, params={"limit": 1000}).json()
    unlocked = [e for e in events if e["type"] == "StaffUnlocked"]
    assert len(unlocked) == 1 and unlocked[0]["actor"] == api.ids.staff["M01"]
    assert unlocked[0]["payload"]["was_hard_locked"] is True
    assert pin_login(api, "W01", api.ids.pins["W01"]).status_code == 200
    report, hard = rebuilt_copy(api, tmp_path)
    assert "staff" not in report.mismatched and hard["W01"] is False


def test_a_hard_lock_is_rebuilt_from_the_journal(api, clock, tmp_path):
    for _ in range(3):
        wrong(api, "C01", 5)
        clock.advance(30 * MINUTE)
    report, hard = rebuilt_copy(api, tmp_path)
    assert "staff" not in report.mismatched, report.mismatched
    assert hard == {"O01": False, "M01": False, "C01": True, "W01": False, "K01": False}


def test_a_good_pin_between_lockouts_starts_the_count_again(api, clock):
    for _ in range(2):
        wrong(api, "W01", 5)
        clock.advance(30 * MINUTE)
    assert pin_login(api, "W01", api.ids.pins["W01"]).status_code == 200
    assert wrong(api, "W01", 5)[-1] == 423
    clock.advance(30 * MINUTE)
    assert pin_login(api, "W01", api.ids.pins["W01"]).status_code == 200


def test_wrong_approval_pins_count_the_same_as_wrong_sign_in_pins(api, clock):
    c = api.login("C01")
    order = api.post("/api/orders", order_body(api, submit=True), c).json()
    line = order["lines"][0]["id"]
    assert wrong(api, "M01", 3) == [401] * 3

    def void(pin: str):
        return api.post(
            f"/api/orders/{order['id']}/lines/{line}/void",
            {"reason": "guest changed mind", "approval": {"staff_code": "M01", "pin": pin}},
            c,
        )

    assert void("97531").json()["code"] == "approval-invalid"
    locked = void("97531")
    assert locked.status_code == 423 and locked.json()["field"] == "approval"
    assert locked.json()["locked_until_ms"] == clock.now_ms() + 30 * MINUTE
    assert void(api.ids.pins["M01"]).status_code == 423, "the right PIN waits out the lock"
    assert pin_login(api, "M01", api.ids.pins["M01"]).status_code == 423
    clock.advance(30 * MINUTE)
    assert void(api.ids.pins["M01"]).status_code == 200


def test_who_may_unlock_whom(api):
    m, o, w = api.login("M01"), api.login("O01"), api.login("W01")
    before = seq(api)
    own = unlock(api, "M01", m)
    assert own.status_code == 403 and own.json()["code"] == "staff-self-unlock"
    assert unlock(api, "O01", m).status_code == 403
    assert unlock(api, "O01", o).json()["code"] == "staff-self-unlock"
    assert unlock(api, "C01", w).json()["code"] == "permission-denied"
    assert seq(api) == before
    assert unlock(api, "M01", o).status_code == 200
    assert seq(api) == before, "nothing to lift, nothing written"


def test_a_new_pin_lifts_a_hard_lock_but_a_locked_manager_cannot_reset_their_own(api, clock):
    m, o = api.login("M01"), api.login("O01")
    for _ in range(3):
        wrong(api, "C01", 5)
        clock.advance(30 * MINUTE)
    r = api.post(f"/api/staff/{api.ids.staff['C01']}/reset-pin", {"pin": "80642"}, m)
    assert r.status_code == 200, r.text
    assert pin_login(api, "C01", "80642").status_code == 200

    wrong(api, "M01", 5)
    own = api.post(f"/api/staff/{api.ids.staff['M01']}/reset-pin", {"pin": "864213"}, m)
    assert own.status_code == 403 and own.json()["code"] == "staff-self-unlock"
    assert (
        api.post(f"/api/staff/{api.ids.staff['M01']}/reset-pin", {"pin": "864213"}, o).status_code
        == 200
    )
    assert pin_login(api, "M01", "864213").status_code == 200


def test_a_four_digit_pin_is_refused_for_managers_and_owners(api):
    o = api.login("O01")
    before = seq(api)
    hire = api.post(
        "/api/staff", {"code": "M09", "name": "新经理", "role": "manager", "pin": "2468"}, o
    )
    assert hire.status_code == 422 and hire.json()["field"] == "pin"
    assert hire.json()["code"] == "pin-too-short"
    reset = api.post(f"/api/staff/{api.ids.staff['M01']}/reset-pin", {"pin": "2468"}, o)
    assert reset.status_code == 422 and reset.json()["field"] == "pin"
    assert seq(api) == before
    ok = api.post(
        "/api/staff", {"code": "M09", "name": "新经理", "role": "manager", "pin": "24681357"}, o
    )
    assert ok.status_code == 201, ok.text
    assert pin_login(api, "M09", "24681357").status_code == 200
    waiter = api.post(
        "/api/staff", {"code": "W09", "name": "新服务员", "role": "waiter", "pin": "2468"}, o
    )
    assert waiter.status_code == 201, waiter.text


def test_a_promotion_to_manager_waits_for_a_six_digit_pin(api):
    m = api.login("M01")
    before = seq(api)
    refused = patch(api, api.ids.staff["W01"], {"role": "manager"}, m)
    assert refused.status_code == 409 and refused.json()["code"] == "pin-too-short-for-role"
    assert "6" in refused.json()["title"]
    assert seq(api) == before
    listed = staff_row(api, "M01", m)
    assert listed["pin_too_short"] is False
    assert (
        api.post(f"/api/staff/{api.ids.staff['W01']}/reset-pin", {"pin": "224466"}, m).status_code
        == 200
    )
    assert patch(api, api.ids.staff["W01"], {"role": "manager"}, m).status_code == 200


def test_a_manager_with_a_twelve_digit_pin_can_approve(api):
    """The approval prompt takes every PIN the rules allow, up to 12 digits."""
    o, c = api.login("O01"), api.login("C01")
    long_pin = "918273645546"
    r = api.post(f"/api/staff/{api.ids.staff['M01']}/reset-pin", {"pin": long_pin}, o)
    assert r.status_code == 200, r.text
    order = api.post("/api/orders", order_body(api, submit=True), c).json()
    line = order["lines"][0]["id"]
    voided = api.post(
        f"/api/orders/{order['id']}/lines/{line}/void",
        {"reason": "guest changed mind", "approval": {"staff_code": "M01", "pin": long_pin}},
        c,
    )
    assert voided.status_code == 200, voided.text
