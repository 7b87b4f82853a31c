"""Who may still act with a token they already hold.

A sign-in token is good for hours; a manager who deactivates a leaver, changes someone's role
or revokes a stolen tablet expects that to hold from the next tap, not from the next sign-in.
Every request's principal is checked against the staff and terminals as they are now, kept in
memory and dropped when a staff or terminal event commits (so the check costs a dict lookup).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from hearth.core.api import Principal, unauthorized
from hearth.core.journal import Event
from hearth.core.node import Node
from hearth.core.permissions import Role
from hearth.staff.tables import staff, terminals

CHANGES_ACCESS = frozenset(
    {"StaffCreated", "StaffUpdated", "TerminalRegistered", "TerminalRevoked"}
)


@dataclass(frozen=True)
class _Snapshot:
    roles: dict[str, Role]  # active staff -> current role
    revoked_terminals: frozenset[str]


class StaffAccess:
    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._snapshot: _Snapshot | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def on_commit(self, events: Iterable[Event]) -> None:
        if any(e.type in CHANGES_ACCESS for e in events):
            with self._lock:
                self._generation += 1
                self._snapshot = None

    def _load(self) -> _Snapshot:
        with self._lock:
            if self._snapshot is not None:
                return self._snapshot
            generation = self._generation
        with self._engine.connect() as conn:
            roles = {
                r.id: Role(r.role)
                for r in conn.execute(
                    sa.select(staff.c.id, staff.c.role).where(staff.c.active.is_(True))
                )
            }
            revoked = frozenset(
                r.id
                for r in conn.execute(
                    sa.select(terminals.c.id).where(terminals.c.active.is_(False))
                )
            )
        snapshot = _Snapshot(roles, revoked)
        with self._lock:
            if self._generation == generation:
                self._snapshot = snapshot
        return snapshot

    def __call__(self, principal: Principal) -> Principal:
        now = self._load()
        role = now.roles.get(principal.staff_id)
        if role is None:
            raise unauthorized("This staff account is no longer active; ask a manager.")
        if principal.terminal_id is not None and principal.terminal_id in now.revoked_terminals:
            raise unauthorized(
                "This device was removed from the store; ask a manager to register it again."
            )
        return principal if role is principal.role else replace(principal, role=role)


def install(node: Node) -> None:
    """Every request's principal is checked by this from now on (see ``core.api``)."""
    access = StaffAccess(node.engine)
    node.writer.listeners.append(access.on_commit)
    node.access_check = access
