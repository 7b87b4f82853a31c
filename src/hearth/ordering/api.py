"""Ordering routes: the floor, orders and everything done to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

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
from hearth.core.writer import Tx
from hearth.ordering import service
from hearth.ordering.domain import Channel, DiscountKind, Order, OrderStatus
from hearth.ordering.schemas import OrderOut, OrdersOut
from hearth.ordering.service import Context, LineInput
from hearth.staff.approval import Approval, verify_approval

router = APIRouter(prefix="/api", tags=["ordering"])


def P(permission: Permission) -> Any:
    return Annotated[Principal, Depends(require(permission))]


Reader = Annotated[Principal, Depends(require(Permission.ORDER_READ))]
Taker = Annotated[Principal, Depends(require(Permission.ORDER_TAKE))]
Progress = Annotated[Principal, Depends(require(Permission.ORDER_PROGRESS))]
Closer = Annotated[Principal, Depends(require(Permission.ORDER_CLOSE))]
Discounter = Annotated[Principal, Depends(require(Permission.ORDER_DISCOUNT))]
Voider = Annotated[Principal, Depends(require(Permission.ORDER_VOID))]
Reopener = Annotated[Principal, Depends(require(Permission.ORDER_REOPEN))]
FloorReader = Annotated[Principal, Depends(require(Permission.FLOOR_READ))]
FloorEditor = Annotated[Principal, Depends(require(Permission.FLOOR_EDIT))]
Cleaner = Annotated[Principal, Depends(require(Permission.TABLE_CLEAN))]

Reason = Annotated[str, Field(min_length=1, max_length=200)]


class LineIn(Strict):
    item_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=999)
    spec_id: str | None = None
    modifier_option_ids: list[str] = Field(default_factory=list, max_length=30)
    combo_choices: dict[str, str] = Field(default_factory=dict)
    seat: int | None = Field(default=None, ge=1, le=100)
    course: int = Field(default=1, ge=1, le=9)
    held: bool = False
    note: str = Field(default="", max_length=200)

    def to_input(self) -> LineInput:
        return LineInput(
            self.item_id,
            self.quantity,
            self.spec_id,
            tuple(self.modifier_option_ids),
            dict(self.combo_choices),
            self.seat,
            self.course,
            self.held,
            self.note,
        )


class OrderIn(Strict):
    channel: Channel = Channel.DINE_IN
    table_id: str | None = None
    guests: int = Field(default=0, ge=0, le=100)
    note: str = Field(default="", max_length=200)
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    submit: bool = False


def _ctx(node: Node, staff: Principal) -> Context:
    return Context(staff.staff_id, node.now_ms(), node.settings.timezone)


async def _run(
    cmd: Commands,
    staff: Principal,
    body: Any,
    use_case: Callable[[Tx, Context], Order | list[Order]],
    status: int = 200,
) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        result = use_case(tx, ctx)
        if isinstance(result, list):
            return status, {"orders": [service.order_json(o) for o in result]}
        return status, service.order_json(result)

    return await cmd.run(staff, body, command)


@router.post(
    "/orders",
    status_code=201,
    summary="Open an order with its first lines",
    response_model=OrderOut,
)
async def place_order(body: OrderIn, cmd: CommandDep, staff: Taker) -> Any:
    lines = [ln.to_input() for ln in body.lines]
    return await _run(
        cmd,
        staff,
        body.model_dump(mode="json"),
        lambda tx, ctx: service.place_order(
            tx,
            ctx,
            channel=body.channel,
            table_id=body.table_id,
            lines=lines,
            guests=body.guests,
            note=body.note,
            submit=body.submit,
        ),
        201,
    )


@router.get("/orders")
def list_orders(
    node: NodeDep,
    _: Reader,
    status: Annotated[OrderStatus | None, Query()] = None,
    table_id: Annotated[str | None, Query(max_length=64)] = None,
    business_date: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_orders(
            conn,
            node.settings.store_id,
            status=status.value if status else None,
            table_id=table_id,
            business_date=business_date,
            limit=limit,
        )


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, node: NodeDep, _: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.order_json(service.get_order(conn, node.settings.store_id, order_id))


class AddLinesIn(Strict):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    submit: bool = False


@router.post(
    "/orders/{order_id}/lines",
    summary="Add lines (also after it was sent)",
    response_model=OrderOut,
)
async def add_lines(order_id: str, body: AddLinesIn, cmd: CommandDep, staff: Taker) -> Any:
    lines = [ln.to_input() for ln in body.lines]
    return await _run(
        cmd,
        staff,
        body.model_dump(mode="json"),
        lambda tx, ctx: service.add_lines(tx, ctx, order_id, lines, body.submit),
    )


class Empty(Strict):
    pass


@router.post(
    "/orders/{order_id}/lines/{line_id}/remove",
    summary="Take back a line the kitchen has not seen",
    response_model=OrderOut,
)
async def remove_line(order_id: str, line_id: str, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(
        cmd, staff, {}, lambda tx, ctx: service.remove_line(tx, ctx, order_id, line_id)
    )


class VoidIn(Strict):
    reason: Reason
    approval: Approval | None = None


@router.post(
    "/orders/{order_id}/lines/{line_id}/void",
    summary="Void a line; a sent line needs a manager's PIN",
    response_model=OrderOut,
)
async def void_line(
    order_id: str, line_id: str, body: VoidIn, node: NodeDep, cmd: CommandDep, staff: Voider
) -> Any:
    approver = await verify_approval(node, body.approval, "void_line")
    return await _run(
        cmd,
        staff,
        body.model_dump(exclude={"approval"}),
        lambda tx, ctx: service.void_line(tx, ctx, order_id, line_id, body.reason, approver),
    )


@router.post(
    "/orders/{order_id}/submit",
    summary="Send pending lines to the kitchen",
    response_model=OrderOut,
)
async def submit(order_id: str, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(cmd, staff, {}, lambda tx, ctx: service.submit_order(tx, ctx, order_id))


class FireIn(Strict):
    course: int = Field(ge=1, le=9)


@router.post("/orders/{order_id}/fire", summary="Fire a held course", response_model=OrderOut)
async def fire(order_id: str, body: FireIn, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.fire_course(tx, ctx, order_id, body.course),
    )


class StatusIn(Strict):
    status: Literal["preparing", "ready", "served"]


@router.post(
    "/orders/{order_id}/status", summary="Preparing, ready or served", response_model=OrderOut
)
async def set_status(order_id: str, body: StatusIn, cmd: CommandDep, staff: Progress) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.advance(tx, ctx, order_id, OrderStatus(body.status)),
    )


@router.post("/orders/{order_id}/close", summary="Close a paid order", response_model=OrderOut)
async def close(order_id: str, cmd: CommandDep, staff: Closer) -> Any:
    return await _run(
        cmd, staff, {}, lambda tx, ctx: service.advance(tx, ctx, order_id, OrderStatus.CLOSED)
    )


@router.post(
    "/orders/{order_id}/void", summary="Void a sent order (manager's PIN)", response_model=OrderOut
)
async def void_order(
    order_id: str, body: VoidIn, node: NodeDep, cmd: CommandDep, staff: Voider
) -> Any:
    approver = await verify_approval(node, body.approval, "void_order")
    return await _run(
        cmd,
        staff,
        body.model_dump(exclude={"approval"}),
        lambda tx, ctx: service.void_order(tx, ctx, order_id, body.reason, approver),
    )


class ReasonIn(Strict):
    reason: Reason


@router.post(
    "/orders/{order_id}/cancel", summary="Cancel an order not yet sent", response_model=OrderOut
)
async def cancel(order_id: str, body: ReasonIn, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.cancel_order(tx, ctx, order_id, body.reason),
    )


@router.post(
    "/orders/{order_id}/reopen",
    summary="Reopen a paid order (manager's PIN)",
    response_model=OrderOut,
)
async def reopen(
    order_id: str, body: VoidIn, node: NodeDep, cmd: CommandDep, staff: Reopener
) -> Any:
    approver = await verify_approval(node, body.approval, "reopen")
    return await _run(
        cmd,
        staff,
        body.model_dump(exclude={"approval"}),
        lambda tx, ctx: service.reopen_order(tx, ctx, order_id, body.reason, approver),
    )


class DiscountIn(Strict):
    line_id: str | None = None
    kind: DiscountKind
    value: int = Field(gt=0, le=100_000_000)
    reason: Reason
    approval: Approval | None = None


@router.post(
    "/orders/{order_id}/discount",
    summary="Discount a line or the bill; over the limit needs a manager's PIN",
    response_model=OrderOut,
)
async def discount(
    order_id: str, body: DiscountIn, node: NodeDep, cmd: CommandDep, staff: Discounter
) -> Any:
    approver = await verify_approval(node, body.approval, "discount")
    limit = node.settings.discount_approval_over_bp
    return await _run(
        cmd,
        staff,
        body.model_dump(mode="json", exclude={"approval"}),
        lambda tx, ctx: service.apply_discount(
            tx,
            ctx,
            order_id,
            line_id=body.line_id,
            kind=body.kind,
            value=body.value,
            reason=body.reason,
            approved_by=approver,
            limit_bp=limit,
        ),
    )


class ServiceChargeIn(Strict):
    bp: int = Field(ge=0, le=3000, description="basis points: 1000 = 10%")


@router.post("/orders/{order_id}/service-charge", response_model=OrderOut)
async def service_charge(
    order_id: str, body: ServiceChargeIn, cmd: CommandDep, staff: Discounter
) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.set_service_charge(tx, ctx, order_id, body.bp),
    )


class TransferIn(Strict):
    table_id: str


@router.post(
    "/orders/{order_id}/transfer",
    summary="Move the order to another table",
    response_model=OrderOut,
)
async def transfer(order_id: str, body: TransferIn, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.transfer_table(tx, ctx, order_id, body.table_id),
    )


class MergeIn(Strict):
    into_order_id: str


@router.post(
    "/orders/{order_id}/merge", summary="Merge this order into another", response_model=OrderOut
)
async def merge(order_id: str, body: MergeIn, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.merge_orders(tx, ctx, order_id, body.into_order_id),
    )


class SplitIn(Strict):
    line_ids: list[str] = Field(min_length=1, max_length=200)


@router.post(
    "/orders/{order_id}/split",
    status_code=201,
    summary="Move chosen lines to a new bill",
    response_model=OrderOut,
)
async def split(order_id: str, body: SplitIn, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.split_by_lines(tx, ctx, order_id, body.line_ids),
        201,
    )


@router.post(
    "/orders/{order_id}/split-by-seat",
    status_code=201,
    summary="One bill per seat",
    response_model=OrdersOut,
)
async def split_by_seat(order_id: str, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(cmd, staff, {}, lambda tx, ctx: service.split_by_seat(tx, ctx, order_id), 201)


@router.post(
    "/orders/{order_id}/request-bill",
    summary="The table asks for the bill",
    response_model=OrderOut,
)
async def request_bill(order_id: str, cmd: CommandDep, staff: Taker) -> Any:
    return await _run(cmd, staff, {}, lambda tx, ctx: service.request_bill(tx, ctx, order_id))


# -- floor --------------------------------------------------------------------------------------
@router.get("/floor", summary="Areas and tables with their status")
def floor(node: NodeDep, _: FloorReader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.floor(conn, node.settings.store_id)


class AreaIn(Strict):
    name_zh: Annotated[str, Field(min_length=1, max_length=80)]
    name_en: Annotated[str, Field(min_length=1, max_length=80)]
    sort: int = 0


@router.post("/areas", status_code=201)
async def create_area(body: AreaIn, node: NodeDep, cmd: CommandDep, staff: FloorEditor) -> Any:
    ctx = _ctx(node, staff)
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (
            201,
            {"id": service.create_area(tx, ctx, body.name_zh, body.name_en, body.sort)},
        ),
    )


class TableIn(Strict):
    area_id: str
    code: Annotated[str, Field(min_length=1, max_length=20)]
    seats: int = Field(ge=1, le=50)


@router.post("/tables", status_code=201)
async def create_table(body: TableIn, node: NodeDep, cmd: CommandDep, staff: FloorEditor) -> Any:
    ctx = _ctx(node, staff)
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (
            201,
            {"id": service.create_table(tx, ctx, body.area_id, body.code, body.seats)},
        ),
    )


class TablePatch(Strict):
    code: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    seats: int | None = Field(default=None, ge=1, le=50)


@router.patch("/tables/{table_id}", summary="Rename a table or change its seats")
async def update_table(
    table_id: str, body: TablePatch, node: NodeDep, cmd: CommandDep, staff: FloorEditor
) -> Any:
    ctx = _ctx(node, staff)
    changes = body.model_dump(exclude_unset=True)

    def command(tx: Tx) -> tuple[int, Any]:
        service.update_table(tx, ctx, table_id, body.code, body.seats)
        return 200, {"id": table_id, "changed": sorted(changes)}

    return await cmd.run(staff, changes, command)


@router.post("/tables/{table_id}/clean", summary="Table cleaned and ready for guests")
async def clean_table(table_id: str, node: NodeDep, cmd: CommandDep, staff: Cleaner) -> Any:
    ctx = _ctx(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.clean_table(tx, ctx, table_id)
        return 200, {"id": table_id, "status": "free"}

    return await cmd.run(staff, {}, command)
