"""Sign-in, terminals, staff and the audit journal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from hearth.core.api import (
    CommandDep,
    NodeDep,
    Principal,
    Strict,
    require,
)
from hearth.core.journal import read_events
from hearth.core.node import Node
from hearth.core.permissions import MANAGERS, MATRIX, Permission, Role
from hearth.core.security import TokenClaims
from hearth.staff import domain, service
from hearth.staff.errors import StaffError

router = APIRouter(prefix="/api", tags=["staff"])

# Signing in is how a caller gets a token in the first place.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {("POST", "/api/auth/pin"), ("POST", "/api/auth/password")}
)


class PinLogin(Strict):
    staff_code: str = Field(min_length=1, max_length=20)
    pin: str = Field(min_length=1, max_length=12)


class PasswordLogin(Strict):
    staff_code: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=200)


BAD_LOGIN = StaffError.LOGIN_FAILED.problem("Check the staff code and PIN and try again.")


async def _login(
    node: Node, code: str, secret: str, *, use_password: bool, terminal_id: str | None
) -> dict[str, Any]:
    s = node.settings
    with node.engine.connect() as conn:
        record = service.find_by_code(conn, s.store_id, code)
    now = node.now_ms()  # the node's clock: a test steps it through a 30-minute lockout
    if record is None or not record.active:
        # Spend the same time as a real check so codes cannot be discovered by timing.
        await run_in_threadpool(node.hasher.verify, _DummyHash.of(node), secret)
        raise BAD_LOGIN
    if record.lock.is_locked(now):
        raise domain.locked_problem(record.lock, now, s.timezone)
    if use_password and (record.password_hash is None or record.role not in MANAGERS):
        raise StaffError.PASSWORD_LOGIN_NOT_ALLOWED.problem(
            "Only owners and managers with a password can sign in to the admin pages."
        )
    hashed = record.password_hash if use_password else record.pin_hash
    ok = await run_in_threadpool(node.hasher.verify, hashed or "", secret)
    state = await node.writer.submit(
        lambda tx: service.record_attempt(
            tx,
            record.id,
            ok,
            now,
            policy=service.lockout_policy(s),
            purpose="login",
            terminal_id=terminal_id,
        )
    )
    if state.is_locked(now):  # this wrong PIN locked it, or another guess did meanwhile
        raise domain.locked_problem(state, now, s.timezone)
    if not ok:
        raise BAD_LOGIN
    expires = now + s.token_ttl_minutes * 60_000
    token = node.signer.issue(TokenClaims(record.id, record.role.value, terminal_id, expires))
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_at_ms": expires,
        "staff": {
            "id": record.id,
            "code": record.code,
            "name": record.name,
            "role": record.role.value,
        },
    }


@dataclass(frozen=True)
class _DummyHash:
    """A hash of nothing, made once per node, to verify against for unknown staff codes (so
    an unknown code takes as long to refuse as a wrong PIN)."""

    value: str

    @classmethod
    def of(cls, node: Node) -> str:
        return node.parts.setdefault(cls, lambda: cls(node.hasher.hash("no-such-staff"))).value


@router.post("/auth/pin", summary="Sign in with staff code and PIN on a registered terminal")
async def pin_login(
    body: PinLogin, node: NodeDep, x_terminal_key: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    """Not idempotency-keyed on purpose: a stored answer would be a stored credential."""
    if not x_terminal_key:
        raise StaffError.TERMINAL_NOT_REGISTERED.problem(
            "A manager must register this till or tablet before staff can sign in "
            "with a PIN (send its key in X-Terminal-Key)."
        )
    with node.engine.connect() as conn:
        terminal = service.terminal_by_key(conn, node.settings.store_id, x_terminal_key)
    if terminal is None:
        raise StaffError.TERMINAL_NOT_REGISTERED.problem(
            "The terminal key is unknown or was revoked; ask a manager."
        )
    if terminal.kind != "till":
        raise StaffError.TERMINAL_IS_KIOSK.problem(
            "This device is registered as a self-service kiosk; sign in on a till or tablet."
        )
    return await _login(
        node, body.staff_code, body.pin, use_password=False, terminal_id=terminal.id
    )


@router.post("/auth/password", summary="Sign in to the admin pages with a password")
async def password_login(body: PasswordLogin, node: NodeDep) -> dict[str, Any]:
    return await _login(node, body.staff_code, body.password, use_password=True, terminal_id=None)


@router.get("/auth/me", summary="Who is signed in, and what they may do")
def me(staff: Annotated[Principal, Depends(require(Permission.SELF))]) -> dict[str, Any]:
    return {
        "staff_id": staff.staff_id,
        "role": staff.role.value,
        "terminal_id": staff.terminal_id,
        "permissions": sorted(p.value for p, roles in MATRIX.items() if staff.role in roles),
    }


class NewTerminal(Strict):
    name: str = Field(min_length=1, max_length=80)
    kind: Literal["till", "kiosk"] = "till"


@router.post("/terminals", status_code=201, summary="Register a till, tablet or kiosk")
async def register_terminal(
    body: NewTerminal,
    cmd: CommandDep,
    staff: Annotated[Principal, Depends(require(Permission.TERMINAL_REGISTER))],
) -> Any:
    now = cmd.node.now_ms()
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (201, service.register_terminal(tx, body.name, now, staff.staff_id, body.kind)),
    )


# The role names, said in the document; the field stays a string so a wrong one is refused
# as role-unknown (with the list) by the same check the service makes.
ROLE_NAMES: dict[str, Any] = {"enum": [r.value for r in Role]}
# Digits only, said in the document; refused as pin-invalid by domain.check_pin.
PIN_DIGITS: dict[str, Any] = {"pattern": "^[0-9]+$"}


class NewStaff(Strict):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(json_schema_extra=ROLE_NAMES)
    pin: str = Field(
        min_length=domain.PIN_MIN_DIGITS,
        max_length=domain.PIN_MAX_DIGITS,
        json_schema_extra=PIN_DIGITS,
    )
    password: str | None = Field(default=None, min_length=8, max_length=200)


@router.get("/staff")
def list_staff(
    node: NodeDep, _: Annotated[Principal, Depends(require(Permission.STAFF_READ))]
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_staff(conn, node.settings.store_id, node.now_ms())


@router.post("/staff", status_code=201)
async def create_staff(
    body: NewStaff,
    node: NodeDep,
    cmd: CommandDep,
    staff: Annotated[Principal, Depends(require(Permission.STAFF_EDIT))],
) -> Any:
    if body.role == "owner" and staff.role.value != "owner":
        raise StaffError.OWNER_ONLY_ADDS_OWNER.problem("Ask the owner to add another owner.")
    fingerprint = body.model_dump(exclude={"pin", "password"})
    new = await run_in_threadpool(
        lambda: service.prepare_staff(
            node.hasher,
            code=body.code,
            name=body.name,
            role=body.role,
            pin=body.pin,
            password=body.password,
        )
    )

    def command(tx: Any) -> tuple[int, Any]:
        sid = service.create_staff(tx, new, actor=staff.staff_id)
        return 201, {"id": sid, "code": new.code, "name": new.name, "role": new.role.value}

    return await cmd.run(staff, fingerprint, command)


@router.get("/journal", summary="The audit journal, oldest first, from a sequence number")
def journal(
    node: NodeDep,
    _: Annotated[Principal, Depends(require(Permission.JOURNAL_READ))],
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return [e.as_row() for e in read_events(conn, after, limit)]


# -- admin: edit staff, reset a PIN, terminals --------------------------------------------------
StaffEditor = Annotated[Principal, Depends(require(Permission.STAFF_EDIT))]


class StaffPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    role: Annotated[str, Field(max_length=20, json_schema_extra=ROLE_NAMES)] | None = None
    active: bool | None = None


@router.patch("/staff/{staff_id}", summary="Rename, change role, deactivate or reactivate")
async def edit_staff(staff_id: str, body: StaffPatch, cmd: CommandDep, staff: StaffEditor) -> Any:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return await cmd.run(
        staff,
        changes,
        lambda tx: (
            200,
            service.edit_staff(
                tx, staff_id, changes, actor_id=staff.staff_id, actor_role=staff.role
            ),
        ),
    )


class PinReset(Strict):
    pin: str = Field(
        min_length=domain.PIN_MIN_DIGITS,
        max_length=domain.PIN_MAX_DIGITS,
        json_schema_extra=PIN_DIGITS,
    )


@router.post("/staff/{staff_id}/reset-pin", summary="Give a staff member a new PIN")
async def reset_pin(
    staff_id: str, body: PinReset, node: NodeDep, cmd: CommandDep, staff: StaffEditor
) -> Any:
    """The PIN is never part of the stored answer or the idempotency fingerprint. Its length
    for the person's role is checked inside the transaction, against the role as it is then."""
    domain.check_pin(body.pin)
    pin_hash = await run_in_threadpool(node.hasher.hash, body.pin)
    now = node.now_ms()

    def command(tx: Any) -> tuple[int, Any]:
        service.reset_pin(
            tx,
            staff_id,
            pin_hash,
            len(body.pin),
            now,
            actor_id=staff.staff_id,
            actor_role=staff.role,
        )
        return 200, {"id": staff_id, "pin_reset": True}

    return await cmd.run(staff, {"staff": staff_id}, command)


@router.post(
    "/staff/{staff_id}/unlock", summary="Let a staff member locked out by wrong PINs sign in again"
)
async def unlock_staff(staff_id: str, node: NodeDep, cmd: CommandDep, staff: StaffEditor) -> Any:
    """A manager unlocks anyone but an owner or themselves; an owner unlocks anyone else."""
    now = node.now_ms()
    return await cmd.run(
        staff,
        {"staff": staff_id},
        lambda tx: (
            200,
            service.unlock_staff(tx, staff_id, now, actor_id=staff.staff_id, actor_role=staff.role),
        ),
    )


@router.get("/terminals", summary="Registered tills and tablets")
def list_terminals(
    node: NodeDep, _: Annotated[Principal, Depends(require(Permission.TERMINAL_REGISTER))]
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_terminals(conn, node.settings.store_id)


@router.post("/terminals/{terminal_id}/revoke", summary="Stop a lost or stolen device at once")
async def revoke_terminal(
    terminal_id: str,
    cmd: CommandDep,
    staff: Annotated[Principal, Depends(require(Permission.TERMINAL_REGISTER))],
) -> Any:
    def command(tx: Any) -> tuple[int, Any]:
        service.revoke_terminal(tx, terminal_id, staff.staff_id)
        return 200, {"id": terminal_id, "active": False}

    return await cmd.run(staff, {}, command)
