"""Staff admin: change a role, deactivate, reset a PIN, revoke a lost tablet; the rules that keep
a shop from locking itself out."""

from __future__ import annotations

import uuid


def seq(api):
    """The journal's top: unchanged when a refusal wrote nothing."""
    return api.client.get("/healthz").json()["journal_seq"]


def patch(api, staff_id, body, headers):
    return api.client.patch(
        f"/api/staff/{staff_id}",
        json=body,
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )


def pin_login(api, code, pin):
    return api.client.post(
        "/api/auth/pin",
        json={"staff_code": code, "pin": pin},
        headers={"X-Terminal-Key": api.ids.terminal_key},
    )


def give_pin(api, code, pin, headers):
    """A new PIN, long enough for any role: a promotion to manager or owner waits for one."""
    r = api.post(f"/api/staff/{api.ids.staff[code]}/reset-pin", {"pin": pin}, headers)
    assert r.status_code == 200, r.text
    api.ids.pins[code] = pin


def test_a_manager_promotes_a_waiter_and_deactivates_a_cashier(api):
    m = api.login("M01")
    r = patch(api, api.ids.staff["W01"], {"role": "cashier"}, m)
    assert r.status_code == 200 and r.json()["role"] == "cashier"
    assert pin_login(api, "W01", api.ids.pins["W01"]).json()["staff"]["role"] == "cashier"
    r = patch(api, api.ids.staff["C01"], {"active": False}, m)
    assert r.status_code == 200 and r.json()["active"] is False
    assert pin_login(api, "C01", api.ids.pins["C01"]).status_code == 401
    listed = {s["code"]: s for s in api.client.get("/api/staff", headers=m).json()}
    assert listed["C01"]["active"] is False and listed["W01"]["role"] == "cashier"


def test_reset_pin_lets_the_new_pin_in_and_keeps_the_old_out(api):
    m = api.login("M01")
    r = api.post(f"/api/staff/{api.ids.staff['W01']}/reset-pin", {"pin": "8642"}, m)
    assert r.status_code == 200 and "8642" not in r.text
    assert pin_login(api, "W01", "8642").status_code == 200
    assert pin_login(api, "W01", api.ids.pins["W01"]).status_code == 401
    before = seq(api)
    weak = api.post(f"/api/staff/{api.ids.staff['W01']}/reset-pin", {"pin": "1111"}, m)
    assert weak.status_code == 422 and weak.json()["code"] == "pin-too-simple"
    assert seq(api) == before


def test_the_rules_that_stop_a_shop_locking_itself_out(api):
    m = api.login("M01")
    o = api.login("O01")
    before = seq(api)
    assert (
        patch(api, api.ids.staff["M01"], {"active": False}, m).json()["code"] == "staff-self-edit"
    )
    assert patch(api, api.ids.staff["O01"], {"role": "waiter"}, m).status_code == 403
    assert patch(api, api.ids.staff["W01"], {"role": "owner"}, m).status_code == 403
    assert patch(api, api.ids.staff["W01"], {"role": "chef"}, m).json()["code"] == "role-unknown"
    assert seq(api) == before
    # The owner may not step down while nobody else owns the store.
    assert (
        patch(api, api.ids.staff["O01"], {"role": "manager"}, o).json()["code"] == "staff-self-edit"
    )
    give_pin(api, "W01", "224466", o)
    assert patch(api, api.ids.staff["W01"], {"role": "owner"}, o).status_code == 200
    assert patch(api, api.ids.staff["O01"], {"active": False}, api.login("W01")).status_code == 200
    # W01 is now the last active owner.
    r = patch(api, api.ids.staff["W01"], {"role": "manager"}, o)
    assert r.status_code in (401, 403, 409)


def test_waiters_cannot_edit_staff(api):
    w = api.login("W01")
    before = seq(api)
    assert patch(api, api.ids.staff["C01"], {"active": False}, w).status_code == 403
    assert (
        api.post(f"/api/staff/{api.ids.staff['C01']}/reset-pin", {"pin": "8642"}, w).status_code
        == 403
    )
    assert seq(api) == before


def test_a_revoked_tablet_can_no_longer_sign_anyone_in(api):
    m = api.login("M01")
    made = api.post("/api/terminals", {"name": "Bar tablet"}, m).json()
    listed = api.client.get("/api/terminals", headers=m).json()
    assert any(t["id"] == made["id"] and t["active"] for t in listed)
    assert all("key" not in t and "key_hash" not in t for t in listed)
    r = api.post(f"/api/terminals/{made['id']}/revoke", {}, m)
    assert r.status_code == 200
    refused = api.client.post(
        "/api/auth/pin",
        json={"staff_code": "W01", "pin": api.ids.pins["W01"]},
        headers={"X-Terminal-Key": made["key"]},
    )
    assert refused.status_code == 401 and refused.json()["code"] == "terminal-not-registered"


def test_tokens_already_held_follow_deactivation_role_changes_and_revoked_devices(api):
    """A leaver's tablet must stop working at the next tap, not at the next sign-in."""
    m, c, w = api.login("M01"), api.login("C01"), api.login("W01")
    assert api.client.get("/api/orders", headers=c).status_code == 200
    assert patch(api, api.ids.staff["C01"], {"active": False}, m).status_code == 200
    r = api.client.get("/api/orders", headers=c)
    assert r.status_code == 401 and "no longer active" in r.json()["detail"]

    # A waiter promoted to manager may edit the menu with the token they already hold.
    assert api.client.get("/api/staff", headers=w).status_code == 403
    give_pin(api, "W01", "224466", m)
    assert patch(api, api.ids.staff["W01"], {"role": "manager"}, m).status_code == 200
    assert api.client.get("/api/staff", headers=w).status_code == 200

    terminals = api.client.get("/api/terminals", headers=m).json()
    for t in terminals:
        api.post(f"/api/terminals/{t['id']}/revoke", {}, m)
    r = api.client.get("/api/orders", headers=w)
    assert r.status_code == 401 and "device" in r.json()["detail"]
