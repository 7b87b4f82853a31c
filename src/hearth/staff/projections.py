"""Staff projectors."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.staff.tables import staff, terminals

projectors = ProjectorRegistry()
projectors.owns(staff, terminals)


@projectors.on("StaffCreated")
def _created(conn: Connection, ev: Event) -> None:
    conn.execute(
        staff.insert().values(store_id=ev.store_id, active=True, failed_attempts=0, **ev.payload)
    )


@projectors.on("StaffUpdated")
def _updated(conn: Connection, ev: Event) -> None:
    changes = {k: v for k, v in ev.payload.items() if k != "id"}
    conn.execute(staff.update().where(staff.c.id == ev.payload["id"]).values(**changes))


@projectors.on("PinLoginFailed", "ApprovalFailed")
def _failed(conn: Connection, ev: Event) -> None:
    # Events from before lockouts escalated carry no count: they count as none.
    conn.execute(
        staff.update()
        .where(staff.c.id == ev.payload["staff_id"])
        .values(
            failed_attempts=ev.payload["failed_attempts"],
            locked_until_ms=ev.payload["locked_until_ms"],
            lockouts=ev.payload.get("lockouts", 0),
            hard_locked=bool(ev.payload.get("hard_locked", False)),
        )
    )


@projectors.on("StaffUnlocked")
def _unlocked(conn: Connection, ev: Event) -> None:
    conn.execute(
        staff.update()
        .where(staff.c.id == ev.payload["staff_id"])
        .values(failed_attempts=0, locked_until_ms=None, lockouts=0, hard_locked=False)
    )


@projectors.on("StaffLoggedIn", "ApprovalGiven")
def _ok(conn: Connection, ev: Event) -> None:
    values: dict[str, object] = {
        "failed_attempts": 0,
        "locked_until_ms": None,
        "lockouts": 0,
        "hard_locked": False,
    }
    if ev.type == "StaffLoggedIn":
        values["last_login_ms"] = ev.recorded_at_ms
    conn.execute(staff.update().where(staff.c.id == ev.payload["staff_id"]).values(**values))


@projectors.on("TerminalRegistered")
def _terminal(conn: Connection, ev: Event) -> None:
    conn.execute(terminals.insert().values(store_id=ev.store_id, active=True, **ev.payload))


@projectors.on("TerminalRevoked")
def _revoked(conn: Connection, ev: Event) -> None:
    conn.execute(terminals.update().where(terminals.c.id == ev.payload["id"]).values(active=False))
