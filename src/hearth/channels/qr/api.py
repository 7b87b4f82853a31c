"""QR table ordering routes: for diners' phones (authenticated by the signed table token, and
for every change the table's session in ``X-Table-Session``) and for staff (print and rotate a
table's code, seat a table, confirm a held send, see waiter calls)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Path
from pydantic import Field

from hearth.channels.qr import service
from hearth.channels.qr.domain import DinerLimits, RateLimiter, too_many
from hearth.core.api import (
    CommandDep,
    Commands,
    NodeDep,
    Principal,
    Strict,
    require,
)
from hearth.core.node import Node
from hearth.core.permissions import Permission
from hearth.core.tables import journal
from hearth.core.writer import Tx
from hearth.ordering import service as ordering
from hearth.ordering import sessions
from hearth.ordering.service import Context, LineInput, rotate_table_token
from hearth.ordering.tables import areas

router = APIRouter(prefix="/api", tags=["qr ordering"])

# Diners' phones: no staff token, but every call carries the table's signed QR token and is
# refused without a genuine, current one.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/api/qr/{token}"),
        ("GET", "/api/qr/{token}/menu"),
        ("POST", "/api/qr/{token}/lines"),
        ("POST", "/api/qr/{token}/lines/{line_id}/remove"),
        ("POST", "/api/qr/{token}/submit"),
        ("POST", "/api/qr/{token}/request-bill"),
        ("POST", "/api/qr/{token}/call-waiter"),
        ("POST", "/api/qr/{token}/seat"),
    }
)

Token = Annotated[str, Path(min_length=10, max_length=200)]
# The table session the phone learnt from GET /api/qr/{token}; a change without the current one
# is refused (409 table-closed).
SessionHeader = Annotated[str | None, Header(alias="X-Table-Session", max_length=64)]


def _table(node: Node, token: str) -> Any:
    with node.engine.connect() as conn:
        return service.table_for_token(conn, node.signer, node.settings.store_id, token)


def _diner_ctx(node: Node, table: Any) -> Context:
    return Context(f"qr:{table.code}"[:36], node.now_ms(), node.settings.timezone)


@router.get("/qr/{token}", summary="The table a diner scanned, and its shared order")
def table_view(token: Token, node: NodeDep) -> dict[str, Any]:
    table = _table(node, token)
    with node.engine.connect() as conn:
        area = conn.execute(sa.select(areas).where(areas.c.id == table.area_id)).first()
        order_id = service.current_order_id(conn, table.id)
        order = (
            ordering.order_json(ordering.get_order(conn, node.settings.store_id, order_id))
            if order_id
            else None
        )
        limits = service.limits_of(conn, node.settings.store_id)
    return {
        "table": {
            "id": table.id,
            "code": table.code,
            "seats": table.seats,
            "area_zh": area.name_zh if area else "",
            "area_en": area.name_en if area else "",
        },
        "order": order,
        "session": service.session_json(table, limits),
        "limits": {"max_per_line": limits.max_per_line, "max_per_order": limits.max_per_order},
    }


@router.get("/qr/{token}/menu", summary="What a diner can order right now")
def diner_menu(token: Token, node: NodeDep) -> dict[str, Any]:
    """Only items on sale now: sold-out and out-of-hours items are left out, not greyed."""
    _table(node, token)
    with node.engine.connect() as conn:
        return service.menu_on_sale(conn, node.now_ms(), node.settings.timezone)


class DinerLine(Strict):
    """What a diner may choose. No price, no seat, no hold: the server decides those."""

    item_id: str = Field(min_length=1, max_length=64)
    # The store's caps (qr_max_per_line, qr_max_per_order) decide; this is only the sane bound.
    quantity: int = Field(default=1, ge=1, le=999)
    spec_id: str | None = None
    modifier_option_ids: list[str] = Field(default_factory=list, max_length=30)
    combo_choices: dict[str, str] = Field(default_factory=dict)
    note: str = Field(default="", max_length=100)


class DinerLines(Strict):
    lines: list[DinerLine] = Field(min_length=1, max_length=50)
    guests: int = Field(default=0, ge=0, le=50)


def _limiter(node: Node) -> RateLimiter:
    """The node's one rate limiter (the kiosk's keys are its own: ``kiosk:<id>``)."""
    return node.parts.setdefault(RateLimiter, RateLimiter)


def _admit(node: Node, table: Any, ctx: Context) -> DinerLimits:
    """The store's limits, once this change is counted against the table's rate (429 first,
    before anything is written)."""
    with node.engine.connect() as conn:
        limits = service.limits_of(conn, node.settings.store_id)
    wait = _limiter(node).hit(f"table:{table.id}", ctx.now_ms, limits.changes_per_minute)
    if wait is not None:
        raise too_many(wait)
    return limits


async def _run(
    cmd: Commands, token: str, session: str | None, body: Any, use_case: Any, status: int = 200
) -> Any:
    """A diner's change: the token checked, the table's rate counted (refused with 429 before
    anything is written), then the use case in the writer, where the session is checked."""
    node = cmd.node
    table = _table(node, token)
    ctx = _diner_ctx(node, table)
    limits = _admit(node, table, ctx)

    def command(tx: Tx) -> tuple[int, Any]:
        result = use_case(tx, ctx, table, limits)
        if isinstance(result, tuple):  # (order, why it waits for staff)
            order, waiting = result
            return (202 if waiting else status), {
                **ordering.order_json(order),
                "waiting_confirmation": waiting,
            }
        return status, ordering.order_json(result) if result is not None else {"ok": True}

    return await cmd.run(None, {"table": table.id, "session": session, "body": body}, command)


@router.post(
    "/qr/{token}/seat",
    summary="A diner's scan: the table's session, or a new one where the store lets "
    "diners seat themselves",
)
async def diner_seat(token: Token, node: NodeDep, cmd: CommandDep) -> Any:
    table = _table(node, token)
    ctx = _diner_ctx(node, table)
    limits = _admit(node, table, ctx)
    return await cmd.run(
        None,
        {"table": table.id, "seat": True},
        lambda tx: (200, service.seat(tx, ctx, table.id, limits)),
    )


@router.post("/qr/{token}/lines", summary="Add to the table's shared order (not sent yet)")
async def diner_add(
    token: Token, body: DinerLines, cmd: CommandDep, session: SessionHeader = None
) -> Any:
    lines = [
        LineInput(
            ln.item_id,
            ln.quantity,
            ln.spec_id,
            tuple(ln.modifier_option_ids),
            dict(ln.combo_choices),
            note=ln.note,
        )
        for ln in body.lines
    ]
    return await _run(
        cmd,
        token,
        session,
        body.model_dump(),
        lambda tx, ctx, t, lim: service.add_lines(tx, ctx, t.id, session, lines, body.guests, lim),
    )


@router.post("/qr/{token}/lines/{line_id}/remove", summary="Take a line back before it is sent")
async def diner_remove(
    token: Token, line_id: str, cmd: CommandDep, session: SessionHeader = None
) -> Any:
    return await _run(
        cmd,
        token,
        session,
        {"line": line_id},
        lambda tx, ctx, t, _: service.remove_line(tx, ctx, t.id, session, line_id),
    )


@router.post(
    "/qr/{token}/submit",
    summary="Send the table's new items to the kitchen (202: waiting for staff)",
)
async def diner_submit(token: Token, cmd: CommandDep, session: SessionHeader = None) -> Any:
    return await _run(
        cmd, token, session, {}, lambda tx, ctx, t, lim: service.submit(tx, ctx, t.id, session, lim)
    )


@router.post("/qr/{token}/request-bill", summary="Ask for the bill")
async def diner_bill(token: Token, cmd: CommandDep, session: SessionHeader = None) -> Any:
    return await _run(
        cmd, token, session, {}, lambda tx, ctx, t, _: service.request_bill(tx, ctx, t.id, session)
    )


class CallIn(Strict):
    reason: str = Field(default="", max_length=60)


@router.post("/qr/{token}/call-waiter", summary="Call a waiter to the table")
async def diner_call(token: Token, body: CallIn, cmd: CommandDep) -> Any:
    def use_case(tx: Tx, ctx: Context, t: Any, _: DinerLimits) -> None:
        service.call_waiter(tx, ctx, t.id, t.code, body.reason)

    return await _run(cmd, token, None, body.model_dump(), use_case)


# -- staff side -----------------------------------------------------------------------------
FloorEditor = Annotated[Principal, Depends(require(Permission.FLOOR_EDIT))]
OrderReader = Annotated[Principal, Depends(require(Permission.ORDER_READ))]
OrderTaker = Annotated[Principal, Depends(require(Permission.ORDER_TAKE))]


@router.post(
    "/tables/{table_id}/seat",
    summary="Seat a party at the table: diners' phones may order from now on",
)
async def seat_table(table_id: str, node: NodeDep, cmd: CommandDep, staff: OrderTaker) -> Any:
    ctx = Context(staff.staff_id, node.now_ms(), node.settings.timezone)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, {"table_id": table_id, "session_id": sessions.seat(tx, ctx, table_id)}

    return await cmd.run(staff, {}, command)


@router.post(
    "/tables/{table_id}/confirm-send", summary="Let a diner's held send through to the kitchen"
)
async def confirm_send(table_id: str, node: NodeDep, cmd: CommandDep, staff: OrderTaker) -> Any:
    ctx = Context(staff.staff_id, node.now_ms(), node.settings.timezone)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, ordering.order_json(service.confirm_send(tx, ctx, table_id))

    return await cmd.run(staff, {}, command)


@router.get("/tables/{table_id}/qr", summary="The table's QR token and ordering link")
def table_qr(table_id: str, node: NodeDep, _: FloorEditor) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.token_for_table(conn, node.signer, node.settings.store_id, table_id)


@router.post(
    "/tables/{table_id}/rotate-qr",
    summary="Replace the table's QR code; the old one stops working at once",
)
async def rotate_qr(table_id: str, node: NodeDep, cmd: CommandDep, staff: FloorEditor) -> Any:
    ctx = Context(staff.staff_id, node.now_ms(), node.settings.timezone)

    def command(tx: Tx) -> tuple[int, Any]:
        rotate_table_token(tx, ctx, table_id)
        return 200, service.token_for_table(tx.conn, node.signer, tx.store_id, table_id)

    return await cmd.run(staff, {}, command)


@router.get("/waiter-calls", summary="Tables that called a waiter in the last 15 minutes")
def waiter_calls(node: NodeDep, _: OrderReader) -> list[dict[str, Any]]:
    since = node.now_ms() - 15 * 60_000
    with node.engine.connect() as conn:
        rows = conn.execute(
            sa.select(journal.c.seq, journal.c.payload, journal.c.recorded_at_ms)
            .where(journal.c.type == "WaiterCalled")
            .where(journal.c.recorded_at_ms >= since)
            .order_by(journal.c.seq.desc())
            .limit(50)
        )
        return [{"seq": r.seq, "at_ms": r.recorded_at_ms, **r.payload} for r in rows]
