"""Staff use cases: hire, register a terminal, and record each login or approval attempt.

PIN checks are split in two on purpose: the slow argon2 verification runs outside the writer (in
a worker thread), and only its outcome is written through the writer, so a login never holds up
other stores' orders. The lock state is re-read inside the transaction, so two guesses in flight
at once still count as two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import Problem, invalid, not_found
from hearth.core.ids import new_id
from hearth.core.permissions import Role
from hearth.core.security import Hasher, random_token, sha256_hex
from hearth.core.writer import Tx
from hearth.staff import domain
from hearth.staff import projections as _projections  # noqa: F401  (registers projectors)
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


def find_by_code(conn: Connection, store_id: str, code: str) -> StaffRecord | None:
    row = conn.execute(sa.select(staff).where(staff.c.store_id == store_id)
                       .where(staff.c.code == code)).first()
    if row is None:
        return None
    return StaffRecord(row.id, row.code, row.name, Role(row.role), row.pin_hash,
                       row.password_hash, row.active,
                       domain.LockState(row.failed_attempts, row.locked_until_ms))


@dataclass(frozen=True)
class NewStaff:
    code: str
    name: str
    role: Role
    pin_hash: str
    password_hash: str | None


def prepare_staff(hasher: Hasher, *, code: str, name: str, role: str, pin: str,
                  password: str | None = None) -> NewStaff:
    """Check and hash a new staff member's secrets, outside the writer: argon2 is slow on
    purpose and must not hold up orders."""
    r = domain.check_role(role)
    domain.check_pin(pin)
    if password is not None:
        domain.check_password(password)
    if not code or len(code) > 20 or not name.strip():
        raise invalid("staff-invalid", "Code and name are required",
                      "Give a staff code (up to 20 characters) and a name.", "code")
    return NewStaff(code, name.strip(), r, hasher.hash(pin),
                    hasher.hash(password) if password else None)


def create_staff(tx: Tx, new: NewStaff, actor: str | None = None) -> str:
    if find_by_code(tx.conn, tx.store_id, new.code) is not None:
        raise Problem(409, "staff-code-taken", "Staff code in use",
                      f"There is already a staff member {new.code}.", field="code")
    sid = new_id()
    tx.append(f"staff:{sid}", "StaffCreated", {
        "id": sid, "code": new.code, "name": new.name, "role": new.role.value,
        "pin_hash": new.pin_hash, "password_hash": new.password_hash}, actor)
    return sid


def record_attempt(tx: Tx, staff_id: str, ok: bool, now_ms: int, *, limit: int,
                   lockout_ms: int, purpose: str, terminal_id: str | None = None,
                   actor: str | None = None) -> domain.LockState:
    """Journal one PIN or password attempt and apply the lockout rule; returns the new state."""
    row = tx.conn.execute(sa.select(staff).where(staff.c.id == staff_id)).first()
    if row is None:
        raise not_found("staff", staff_id)
    state = domain.LockState(row.failed_attempts, row.locked_until_ms)
    if state.is_locked(now_ms):
        return state
    if ok:
        new = domain.after_success()
        tx.append(f"staff:{staff_id}", "StaffLoggedIn" if purpose == "login" else "ApprovalGiven",
                  {"staff_id": staff_id, "terminal_id": terminal_id, "purpose": purpose},
                  actor or staff_id)
    else:
        new = domain.after_failure(state, now_ms, limit, lockout_ms)
        tx.append(f"staff:{staff_id}", "PinLoginFailed" if purpose == "login" else "ApprovalFailed",
                  {"staff_id": staff_id, "terminal_id": terminal_id, "purpose": purpose,
                   "failed_attempts": new.failed_attempts,
                   "locked_until_ms": new.locked_until_ms}, actor)
    return new


def register_terminal(tx: Tx, name: str, now_ms: int, actor: str | None) -> dict[str, str]:
    """A new till or tablet; the key is shown once and only its digest is kept."""
    if not name.strip() or len(name) > 80:
        raise invalid("terminal-name", "Name the terminal", "Give a name up to 80 characters.",
                      "name")
    tid, key = new_id(), random_token()
    tx.append(f"terminal:{tid}", "TerminalRegistered", {
        "id": tid, "name": name.strip(), "key_hash": sha256_hex(key),
        "registered_at_ms": now_ms}, actor)
    return {"id": tid, "name": name.strip(), "key": key}


def terminal_by_key(conn: Connection, store_id: str, key: str) -> Any:
    return conn.execute(sa.select(terminals).where(terminals.c.key_hash == sha256_hex(key))
                        .where(terminals.c.store_id == store_id)
                        .where(terminals.c.active.is_(True))).first()


def list_staff(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(staff.c.id, staff.c.code, staff.c.name, staff.c.role,
                                  staff.c.active, staff.c.last_login_ms, staff.c.locked_until_ms)
                        .where(staff.c.store_id == store_id).order_by(staff.c.code))
    return [dict(r._mapping) for r in rows]
