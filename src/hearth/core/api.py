"""What every router shares: the node, the signed-in staff member, permissions, idempotency,
manager approval, and running a command through the writer.

The dependencies are ``Annotated`` aliases so a route's signature reads like a sentence:
``def void_line(..., staff: StaffDep, key: IdempotencyKeyDep)``. They are ``async def``
although they never wait: FastAPI runs a plain ``def`` dependency on its thread pool, and
three thread hops per request cost more than the whole check.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hearth.core.errors import Problem
from hearth.core.permissions import APPROVERS, Permission, Role, allowed
from hearth.core.writer import Idempotency, Stored, Tx, idempotent
from hearth.node import Node

MAX_INT = 2**53  # the largest integer JSON clients (JavaScript) and SQLite both hold exactly


def _check_storable(value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_INT:
            raise ValueError(f"must be between {-MAX_INT} and {MAX_INT}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            _check_storable(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_storable(k)
            _check_storable(v)


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a client that sends a price is told so."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _fits_the_database(cls, value: Any) -> Any:
        """Say what is wrong instead of failing at the INSERT: integers beyond 53 bits, and
        text with lone surrogates (valid JSON escapes, but not Unicode a database can hold)."""
        _check_storable(value)
        return value


def now_ms() -> int:
    return int(time.time() * 1000)


async def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


@dataclass(frozen=True, slots=True)
class Principal:
    staff_id: str
    role: Role
    terminal_id: str | None


def unauthorized(detail: str) -> Problem:
    return Problem(401, "not-signed-in", "Please sign in", detail,
                   extra={"headers": {"WWW-Authenticate": "Bearer"}})


async def current_staff(node: NodeDep, authorization: Annotated[str | None, Header()] = None
                  ) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorized("Sign in with your staff code and PIN to do this.")
    claims = node.signer.read(authorization[7:].strip(), now_ms())
    if claims is None or claims.kind != "staff":
        raise unauthorized("Your sign-in has expired or is not valid; sign in again.")
    principal = Principal(claims.staff_id, Role(claims.role), claims.terminal_id)
    # The staff module installs a check of the token against staff and terminals as they are
    # now (deactivated, role changed, device revoked); see staff/access.py.
    check = node.extras.get("access_check")
    return check(principal) if callable(check) else principal


StaffDep = Annotated[Principal, Depends(current_staff)]


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only roles holding ``permission`` (see MATRIX)."""

    async def check(staff: StaffDep) -> Principal:
        if not allowed(staff.role, permission):
            raise Problem(403, "permission-denied", "Not allowed for your role",
                          f"A {staff.role.value} cannot do this ({permission.value}).")
        return staff

    check.permission = permission  # type: ignore[attr-defined]  # read by the matrix test
    return check


IDEMPOTENCY_KEY_HEADER = "idempotency-key"  # as FastAPI names it in a validation error


def idempotency_key_missing() -> Problem:
    return Problem(400, "idempotency-key-missing", "Idempotency-Key header needed",
                   "Send a unique Idempotency-Key header (1-200 characters) with every "
                   "change, and the same key when you retry it.", field="Idempotency-Key")


async def idempotency_key(idempotency_key: Annotated[str, Header(
        min_length=1, max_length=200,
        description="A unique key per change; send the same key when you retry it.")]) -> str:
    """Required in the OpenAPI document, so a generated client sends it; when it is missing
    or too long, problem_handlers answers 400 ``idempotency-key-missing`` (not FastAPI's
    422), as the node always has."""
    return idempotency_key


IdempotencyKeyDep = Annotated[str, Depends(idempotency_key)]


class Approval(Strict):
    """A manager's code and PIN, entered on the cashier's screen to authorise one action."""

    staff_code: str = Field(min_length=1, max_length=20)
    pin: str = Field(min_length=4, max_length=8)


async def verify_approval(node: Node, approval: Approval | None, for_action: str) -> str | None:
    """The approving manager's id, or None when no approval was given.

    A wrong PIN counts towards the approver's lockout, like a wrong login.
    """
    if approval is None:
        return None
    from hearth.staff import service as staff_service

    with node.engine.connect() as conn:
        record = staff_service.find_by_code(conn, node.settings.store_id, approval.staff_code)
    now = now_ms()
    if record is None or not record.active:
        raise Problem(403, "approval-invalid", "Approval not accepted",
                      "That manager code or PIN is not right.", field="approval")
    if record.lock.is_locked(now):
        raise Problem(423, "account-locked", "Too many wrong PINs",
                      "This manager is locked out for a few minutes after wrong PINs.",
                      field="approval")
    ok = await run_in_threadpool(node.hasher.verify, record.pin_hash, approval.pin)
    s = node.settings
    await node.writer.submit(lambda tx: staff_service.record_attempt(
        tx, record.id, ok, now, limit=s.pin_attempts_before_lockout,
        lockout_ms=s.lockout_minutes * 60_000, purpose=f"approval:{for_action}"))
    if not ok:
        raise Problem(403, "approval-invalid", "Approval not accepted",
                      "That manager code or PIN is not right.", field="approval")
    if record.role not in APPROVERS:
        raise Problem(403, "approval-not-a-manager", "Approval needs a manager",
                      f"{record.name} is a {record.role.value}; ask a manager.", field="approval")
    return record.id


async def execute(node: Node, request: Request, key: str, staff: Principal | None,
                  body: Any, command: Callable[[Tx], tuple[int, Any]]) -> JSONResponse:
    """Run a command through the writer under an idempotency key and answer with its result."""
    idem = Idempotency.of(key, request.method, request.url.path,
                          staff.staff_id if staff else None, body)
    stored: Stored[Any] = await node.writer.submit(idempotent(command, idem))
    headers = {"Idempotent-Replayed": "true"} if stored.replayed else None
    return JSONResponse(stored.body, status_code=stored.status, headers=headers)
