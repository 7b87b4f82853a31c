"""Staff use cases: hire, register a terminal, and record each login or approval attempt.

PIN checks are split in two on purpose: the slow argon2 verification runs outside the writer (in
a worker thread), and only its outcome is written through the writer, so a login never holds up
other stores' orders. The lock state is re-read inside the transaction, so two guesses in flight
at once still count as two. The lockout rule itself is in ``domain``; wrong login PINs and wrong
approval PINs count the same, since either could be a guesser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.config import Settings
from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.permissions import MANAGERS, Role
from hearth.core.security import Hasher, random_token, sha256_hex
from hearth.core.writer import Tx
from hearth.staff import domain
from hearth.staff.errors import StaffError
from hearth.staff.tables import staff, terminals


@dataclass(frozen=True)
class StaffRecord:
    id: str
    code: str
    name: str
    role: Role
    pin_hash: str
    password_hash: str | None
    active: bool
    lock: domain.LockState


def lockout_policy(settings: Settings) -> domain.LockoutPolicy:
    return domain.LockoutPolicy.of(
        settings.pin_attempts_before_lockout,
        settings.lockout_minutes,
        settings.lockouts_before_manager_unlock,
    )


def _lock_of(row: Any) -> domain.LockState:
    return domain.LockState(
        row.failed_attempts, row.locked_until_ms, row.lockouts, bool(row.hard_locked)
    )


def find_by_code(conn: Connection, store_id: str, code: str) -> StaffRecord | None:
    row = conn.execute(
        sa.select(staff).where(staff.c.store_id == store_id).where(staff.c.code == code)
    ).first()
    if row is None:
        return None
    return StaffRecord(
        row.id,
        row.code,
        row.name,
        Role(row.role),
        row.pin_hash,
        row.password_hash,
        row.active,
        _lock_of(row),
    )


@dataclass(frozen=True)
class NewStaff:
    code: str
    name: str
    role: Role
    pin_hash: str
    password_hash: str | None
    pin_length: int


def prepare_staff(
    hasher: Hasher, *, code: str, name: str, role: str, pin: str, password: str | None = None
) -> NewStaff:
    """Check and hash a new staff member's secrets, outside the writer: argon2 is slow on
    purpose and must not hold up orders."""
    r = domain.check_role(role)
    domain.check_pin(pin, r)
    if password is not None:
        domain.check_password(password)
    if not code or len(code) > 20 or not name.strip():
        raise StaffError.STAFF_CODE_NAME_REQUIRED.problem(
            "Give a staff code (up to 20 characters) and a name.", field="code"
        )
    return NewStaff(
        code,
        name.strip(),
        r,
        hasher.hash(pin),
        hasher.hash(password) if password else None,
        len(pin),
    )


def create_staff(tx: Tx, new: NewStaff, actor: str | None = None) -> str:
    if find_by_code(tx.conn, tx.store_id, new.code) is not None:
        raise StaffError.STAFF_CODE_TAKEN.problem(
            f"There is already a staff member {new.code}.", field="code"
        )
    sid = new_id()
    tx.append(
        f"staff:{sid}",
        "StaffCreated",
        {
            "id": sid,
            "code": new.code,
            "name": new.name,
            "role": new.role.value,
            "pin_hash": new.pin_hash,
            "password_hash": new.password_hash,
            "pin_length": new.pin_length,
        },
        actor,
    )
    return sid


def record_attempt(
    tx: Tx,
    staff_id: str,
    ok: bool,
    now_ms: int,
    *,
    policy: domain.LockoutPolicy,
    purpose: str,
    terminal_id: str | None = None,
    actor: str | None = None,
) -> domain.LockState:
    """Journal one PIN or password attempt and apply the lockout rule; returns the new state.

    A failure's event carries the whole lock state it leads to, so a rebuild from the journal
    restores a hard lock without replaying the rule.
    """
    row = tx.conn.execute(sa.select(staff).where(staff.c.id == staff_id)).first()
    if row is None:
        raise not_found(StaffError.STAFF_NOT_FOUND, staff_id)
    state = _lock_of(row)
    if state.is_locked(now_ms):
        return state
    new = domain.after_attempt(state, ok, now_ms, policy)
    if ok:
        tx.append(
            f"staff:{staff_id}",
            "StaffLoggedIn" if purpose == "login" else "ApprovalGiven",
            {"staff_id": staff_id, "terminal_id": terminal_id, "purpose": purpose},
            actor or staff_id,
        )
    else:
        tx.append(
            f"staff:{staff_id}",
            "PinLoginFailed" if purpose == "login" else "ApprovalFailed",
            {
                "staff_id": staff_id,
                "terminal_id": terminal_id,
                "purpose": purpose,
                "failed_attempts": new.failed_attempts,
                "locked_until_ms": new.locked_until_ms,
                "lockouts": new.lockouts,
                "hard_locked": new.hard_locked,
            },
            actor,
        )
    return new


TERMINAL_KINDS = ("till", "kiosk")


def register_terminal(
    tx: Tx, name: str, now_ms: int, actor: str | None, kind: str = "till"
) -> dict[str, str]:
    """A new till, tablet or kiosk; the key is shown once and only its digest is kept.

    The kind keeps the two apart: staff sign in only on a till, and a kiosk key opens only the
    guest's ordering screen, so a key read off a kiosk in the dining room signs nobody in.
    """
    if not name.strip() or len(name) > 80:
        raise StaffError.TERMINAL_NAME.problem("Give a name up to 80 characters.", field="name")
    if kind not in TERMINAL_KINDS:
        raise StaffError.TERMINAL_KIND.problem(
            "A terminal is a till (staff sign in) or a kiosk (guests order).", field="kind"
        )
    tid, key = new_id(), random_token()
    tx.append(
        f"terminal:{tid}",
        "TerminalRegistered",
        {
            "id": tid,
            "name": name.strip(),
            "key_hash": sha256_hex(key),
            "registered_at_ms": now_ms,
            "kind": kind,
        },
        actor,
    )
    return {"id": tid, "name": name.strip(), "kind": kind, "key": key}


def terminal_by_key(conn: Connection, store_id: str, key: str) -> Any:
    return conn.execute(
        sa.select(terminals)
        .where(terminals.c.key_hash == sha256_hex(key))
        .where(terminals.c.store_id == store_id)
        .where(terminals.c.active.is_(True))
    ).first()


def list_staff(conn: Connection, store_id: str, now_ms: int) -> list[dict[str, Any]]:
    """Staff for the admin page, with whether each is locked out now (and whether only a
    manager can let them back in), and whether their PIN is too short for their role."""
    rows = conn.execute(
        sa.select(
            staff.c.id,
            staff.c.code,
            staff.c.name,
            staff.c.role,
            staff.c.active,
            staff.c.last_login_ms,
            staff.c.locked_until_ms,
            staff.c.failed_attempts,
            staff.c.lockouts,
            staff.c.hard_locked,
            staff.c.pin_length,
        )
        .where(staff.c.store_id == store_id)
        .order_by(staff.c.code)
    )
    result = []
    for r in rows:
        lock = _lock_of(r)
        locked = lock.is_locked(now_ms)
        role = Role(r.role)
        # NULL: a PIN set before lengths were kept; only a manager's or owner's is in doubt.
        short = (r.pin_length is None and role in MANAGERS) or (
            r.pin_length is not None and r.pin_length < domain.min_pin_digits(role)
        )
        result.append(
            {
                "id": r.id,
                "code": r.code,
                "name": r.name,
                "role": r.role,
                "active": r.active,
                "last_login_ms": r.last_login_ms,
                "locked": locked,
                "locked_until_ms": None if lock.hard_locked or not locked else r.locked_until_ms,
                "hard_locked": lock.hard_locked,
                "lockouts": lock.lockouts,
                "pin_too_short": short,
            }
        )
    return result


# -- admin edits ----------------------------------------------------------------------------------
def _staff_row(conn: Connection, store_id: str, staff_id: str) -> Any:
    row = conn.execute(
        sa.select(staff).where(staff.c.id == staff_id).where(staff.c.store_id == store_id)
    ).first()
    if row is None:
        raise not_found(StaffError.STAFF_NOT_FOUND, staff_id)
    return row


def _active_owners(conn: Connection, store_id: str) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(staff)
            .where(staff.c.store_id == store_id)
            .where(staff.c.role == Role.OWNER.value)
            .where(staff.c.active.is_(True))
        ).scalar()
        or 0
    )


def edit_staff(
    tx: Tx, staff_id: str, changes: dict[str, Any], *, actor_id: str, actor_role: Role
) -> dict[str, Any]:
    """Rename, change role, deactivate or reactivate a staff member.

    The rules a shop needs: nobody deactivates or demotes themselves (no locking yourself out),
    only an owner touches an owner or makes one, and the last active owner always stays.
    """
    row = _staff_row(tx.conn, tx.store_id, staff_id)
    payload: dict[str, Any] = {}
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not name or len(name) > 80:
            raise StaffError.STAFF_NAME_REQUIRED.problem(
                "Give a name of up to 80 characters.", field="name"
            )
        payload["name"] = name
    new_role = domain.check_role(changes["role"]) if "role" in changes else Role(row.role)
    touches_owner = Role(row.role) is Role.OWNER or new_role is Role.OWNER
    if (
        touches_owner
        and actor_role is not Role.OWNER
        and ("role" in changes or "active" in changes)
    ):
        raise StaffError.OWNER_ONLY_CHANGES_OWNER.problem(
            "Ask the owner to make this change.", field="role"
        )
    if "role" in changes and new_role.value != row.role:
        if staff_id == actor_id:
            raise StaffError.STAFF_SELF_ROLE_CHANGE.problem(
                "Ask another manager or the owner.", field="role"
            )
        domain.check_promotion(row.pin_length, new_role)
        payload["role"] = new_role.value
    if "active" in changes and bool(changes["active"]) != bool(row.active):
        if staff_id == actor_id:
            raise StaffError.STAFF_SELF_DEACTIVATE.problem(
                "Ask another manager or the owner.", field="active"
            )
        payload["active"] = bool(changes["active"])
    leaves_owners = (
        Role(row.role) is Role.OWNER
        and row.active
        and (payload.get("active") is False or payload.get("role", Role.OWNER.value) != "owner")
    )
    if leaves_owners and _active_owners(tx.conn, tx.store_id) <= 1:
        raise StaffError.LAST_OWNER.problem(
            "This is the last active owner; make someone else owner first.", field="role"
        )
    if payload:
        tx.append(f"staff:{staff_id}", "StaffUpdated", {"id": staff_id, **payload}, actor_id)
    result = {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "role": row.role,
        "active": row.active,
    }
    return {**result, **payload}


def reset_pin(
    tx: Tx,
    staff_id: str,
    pin_hash: str,
    pin_length: int,
    now_ms: int,
    *,
    actor_id: str,
    actor_role: Role,
) -> None:
    """A manager sets a new PIN for someone who forgot theirs; the lockout is lifted too.

    The length is checked here against the role as it is inside the transaction (the route
    checked the PIN's shape before hashing it), and a locked-out manager cannot reset their
    own PIN: that would be unlocking themselves.
    """
    row = _staff_row(tx.conn, tx.store_id, staff_id)
    if Role(row.role) is Role.OWNER and actor_role is not Role.OWNER and staff_id != actor_id:
        raise StaffError.OWNER_ONLY_RESETS_OWNER_PIN.problem("Ask the owner to do this.")
    domain.check_pin_length(pin_length, Role(row.role))
    if staff_id == actor_id and _lock_of(row).is_locked(now_ms):
        raise StaffError.STAFF_SELF_UNLOCK.problem(
            "Your account is locked after wrong PINs; ask another manager or the "
            "owner to unlock it or give you a new PIN.",
            field="pin",
        )
    # The hash is journaled like the one on hiring: a rebuild must restore the working PIN.
    tx.append(
        f"staff:{staff_id}",
        "StaffUpdated",
        {
            "id": staff_id,
            "pin_hash": pin_hash,
            "pin_length": pin_length,
            "failed_attempts": 0,
            "locked_until_ms": None,
            "lockouts": 0,
            "hard_locked": False,
        },
        actor_id,
    )


def unlock_staff(
    tx: Tx, staff_id: str, now_ms: int, *, actor_id: str, actor_role: Role
) -> dict[str, Any]:
    """A manager or owner lets a locked-out colleague sign in again, after making sure it was
    them guessing. Journaled, so the audit shows who unlocked whom; nothing is written when
    there is nothing to lift."""
    row = _staff_row(tx.conn, tx.store_id, staff_id)
    domain.check_unlock(actor_id, actor_role, staff_id, Role(row.role))
    lock = _lock_of(row)
    if lock != domain.UNLOCKED:
        tx.append(
            f"staff:{staff_id}",
            "StaffUnlocked",
            {
                "staff_id": staff_id,
                "was_hard_locked": lock.hard_locked,
                "was_locked": lock.is_locked(now_ms),
                "lockouts": lock.lockouts,
            },
            actor_id,
        )
    return {"id": staff_id, "code": row.code, "locked": False}


def list_terminals(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            terminals.c.id,
            terminals.c.name,
            terminals.c.kind,
            terminals.c.active,
            terminals.c.registered_at_ms,
        )
        .where(terminals.c.store_id == store_id)
        .order_by(terminals.c.registered_at_ms)
    )
    return [dict(r._mapping) for r in rows]


def revoke_terminal(tx: Tx, terminal_id: str, actor: str | None) -> None:
    """A lost or stolen tablet: its key stops working at once."""
    row = tx.conn.execute(
        sa.select(terminals.c.id, terminals.c.active)
        .where(terminals.c.id == terminal_id)
        .where(terminals.c.store_id == tx.store_id)
    ).first()
    if row is None:
        raise not_found(StaffError.TERMINAL_NOT_FOUND, terminal_id)
    if row.active:
        tx.append(f"terminal:{terminal_id}", "TerminalRevoked", {"id": terminal_id}, actor)
