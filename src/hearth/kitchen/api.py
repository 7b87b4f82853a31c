"""Kitchen routes: stations, routing rules, tickets, bump and recall, expo, 86, the live feed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import Field

from hearth.core.api import (
    CommandDep,
    NodeDep,
    Principal,
    Strict,
    current_staff,
    require,
)
from hearth.core.errors import not_found
from hearth.core.journal import Event
from hearth.core.livefeed import EVENT_STREAM_DOC, EventStream, parse_last_id
from hearth.core.node import Node
from hearth.core.permissions import Permission, allowed
from hearth.core.writer import Tx
from hearth.kitchen import fallback, service
from hearth.kitchen.errors import KitchenError
from hearth.kitchen.projections import TICKET_EVENTS
from hearth.kitchen.schemas import StationTicketsOut, TicketOut
from hearth.kitchen.service import Who
from hearth.menu import service as menu
from hearth.ordering.projections import load_order

router = APIRouter(prefix="/api/kitchen", tags=["kitchen"])

Viewer = Annotated[Principal, Depends(require(Permission.KITCHEN_VIEW))]
Cook = Annotated[Principal, Depends(require(Permission.KITCHEN_BUMP))]
Admin = Annotated[Principal, Depends(require(Permission.KITCHEN_ADMIN))]
Printer = Annotated[Principal, Depends(require(Permission.PRINT))]
EightySixer = Annotated[Principal, Depends(require(Permission.SOLD_OUT))]
Id = Annotated[str, Field(min_length=1, max_length=36)]


def _who(node: Node, staff: Principal) -> Who:
    return Who(staff.staff_id, node.now_ms(), node.settings.timezone)


# -- stations and routing ------------------------------------------------------------------------
class StationIn(Strict):
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name_zh: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    is_expo: bool = False


class TimingIn(Strict):
    warn_s: int = Field(ge=30, le=7200)
    late_s: int = Field(ge=30, le=7200)


class RuleIn(Strict):
    category_id: Id | None = None
    item_id: Id | None = None
    station_ids: list[Id] = Field(min_length=1, max_length=10)


@router.get("/stations", summary="Stations, their ticket age colours and screens online")
def list_stations(node: NodeDep, _: Viewer) -> list[dict[str, Any]]:
    screens = fallback.screens_of(node)
    with node.engine.connect() as conn:
        return [
            s | {"screens_online": screens.online.get(s["id"], 0)}
            for s in service.list_stations(conn, node.settings.store_id)
        ]


@router.post("/stations", status_code=201, summary="Add a station (hot, cold, bar, expo…)")
async def create_station(body: StationIn, cmd: CommandDep, staff: Admin) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        sid = service.create_station(
            tx, body.key, body.name_zh, body.name_en, is_expo=body.is_expo, actor=staff.staff_id
        )
        return 201, {"id": sid} | body.model_dump()

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/stations/{station_id}/timing", summary="Set when tickets turn amber and red")
async def set_timing(station_id: str, body: TimingIn, cmd: CommandDep, staff: Admin) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        service.set_station_timing(tx, station_id, body.warn_s, body.late_s, staff.staff_id)
        return 200, {"station_id": station_id} | body.model_dump()

    return await cmd.run(staff, body.model_dump(), command)


@router.get("/routing-rules", summary="Which categories and items go to which stations")
def list_rules(node: NodeDep, _: Viewer) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_rules(conn, node.settings.store_id)


@router.post("/routing-rules", status_code=201, summary="Route a category or an item")
async def create_rule(body: RuleIn, cmd: CommandDep, staff: Admin) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        rid = service.set_rule(
            tx,
            rule_id=None,
            category_id=body.category_id,
            item_id=body.item_id,
            station_ids=body.station_ids,
            actor=staff.staff_id,
        )
        return 201, {"id": rid} | body.model_dump()

    return await cmd.run(staff, body.model_dump(), command)


@router.put("/routing-rules/{rule_id}", summary="Change a routing rule")
async def update_rule(rule_id: str, body: RuleIn, cmd: CommandDep, staff: Admin) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        service.set_rule(
            tx,
            rule_id=rule_id,
            category_id=body.category_id,
            item_id=body.item_id,
            station_ids=body.station_ids,
            actor=staff.staff_id,
        )
        return 200, {"id": rule_id} | body.model_dump()

    return await cmd.run(staff, body.model_dump(), command)


@router.delete("/routing-rules/{rule_id}", summary="Remove a routing rule")
async def delete_rule(rule_id: str, cmd: CommandDep, staff: Admin) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        service.remove_rule(tx, rule_id, staff.staff_id)
        return 200, {"id": rule_id, "removed": True}

    return await cmd.run(staff, {}, command)


# -- tickets -------------------------------------------------------------------------------------
@router.get(
    "/stations/{station_id}/tickets",
    summary="A station's open tickets and those bumped in the last minutes",
    response_model=StationTicketsOut,
)
def station_tickets(station_id: str, node: NodeDep, _: Viewer) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.station_tickets(conn, node.settings.store_id, station_id, node.now_ms())


@router.get("/stations/{station_id}/all-day", summary="How many of each dish are still to make")
def all_day(station_id: str, node: NodeDep, _: Viewer) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.all_day(conn, node.settings.store_id, station_id)


class ItemIn(Strict):
    item_id: str | None = Field(default=None, min_length=1, max_length=80)


def _ticket_route(action: str, summary: str) -> None:
    async def act(
        station_id: str,
        ticket_id: str,
        node: NodeDep,
        cmd: CommandDep,
        staff: Cook,
        body: ItemIn | None = None,
    ) -> Any:
        item_id = body.item_id if body else None

        def command(tx: Tx) -> tuple[int, Any]:
            t = service.act(tx, _who(node, staff), station_id, ticket_id, action, item_id)
            return 200, _ticket_out(tx, t)

        return await cmd.run(staff, {"item_id": item_id}, command)

    async def act_item(
        station_id: str, ticket_id: str, item_id: str, node: NodeDep, cmd: CommandDep, staff: Cook
    ) -> Any:
        def command(tx: Tx) -> tuple[int, Any]:
            t = service.act(tx, _who(node, staff), station_id, ticket_id, action, item_id)
            return 200, _ticket_out(tx, t)

        return await cmd.run(staff, {}, command)

    act.__name__ = f"ticket_{action}"
    act_item.__name__ = f"item_{action}"
    router.post(
        f"/stations/{{station_id}}/tickets/{{ticket_id}}/{action}",
        summary=summary,
        response_model=TicketOut,
    )(act)
    router.post(
        f"/stations/{{station_id}}/tickets/{{ticket_id}}/items/{{item_id}}/{action}",
        summary=f"{summary} (one item)",
        response_model=TicketOut,
    )(act_item)


def _ticket_out(tx: Tx, t: Any) -> dict[str, Any]:
    return service.ticket_view(t, service.timing_of(tx.conn, t.station_id), tx.journal.wall_ms())


_ticket_route("start", "Start a ticket: it turns 'in progress'")
_ticket_route("bump", "Bump: the ticket (or item) is done")
_ticket_route("recall", "Recall a bumped ticket (or item) back onto the screen")


class UndoIn(Strict):
    ticket_id: str | None = Field(default=None, min_length=1, max_length=36)


@router.post(
    "/stations/{station_id}/undo",
    summary="Undo the last start/bump/recall (of a ticket, or the station's latest)",
    response_model=TicketOut,
)
async def undo(
    station_id: str, node: NodeDep, cmd: CommandDep, staff: Cook, body: UndoIn | None = None
) -> Any:
    ticket_id = body.ticket_id if body else None

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, _ticket_out(tx, service.undo(tx, _who(node, staff), station_id, ticket_id))

    return await cmd.run(staff, {"ticket_id": ticket_id}, command)


@router.post(
    "/stations/{station_id}/recall-last",
    summary="Recall the ticket bumped last",
    response_model=TicketOut,
)
async def recall_last(station_id: str, node: NodeDep, cmd: CommandDep, staff: Cook) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        return 200, _ticket_out(tx, service.recall_last(tx, _who(node, staff), station_id))

    return await cmd.run(staff, {}, command)


class RushIn(Strict):
    rush: bool = True


@router.post(
    "/stations/{station_id}/tickets/{ticket_id}/rush",
    summary="Mark a ticket rush (top of the screen) or back to normal",
    response_model=TicketOut,
)
async def rush(
    station_id: str,
    ticket_id: str,
    node: NodeDep,
    cmd: CommandDep,
    staff: Cook,
    body: RushIn | None = None,
) -> Any:
    value = body.rush if body else True

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, _ticket_out(
            tx, service.set_rush(tx, _who(node, staff), station_id, ticket_id, value)
        )

    return await cmd.run(staff, {"rush": value}, command)


@router.post(
    "/tickets/{ticket_id}/reprint",
    summary="Print a ticket again on its station",
    response_model=TicketOut,
)
async def reprint(ticket_id: str, node: NodeDep, cmd: CommandDep, staff: Printer) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        t = fallback.print_ticket(tx, fallback.paper_of(node), ticket_id, "reprint", staff.staff_id)
        return 200, _ticket_out(tx, t)

    return await cmd.run(staff, {}, command)


# -- expo and 86 ---------------------------------------------------------------------------------
@router.get("/expo", summary="The pass: orders in the kitchen and each station's part")
def expo(node: NodeDep, _: Viewer) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.expo_orders(conn, node.settings.store_id, node.now_ms())


class ReadyIn(Strict):
    force: bool = False


@router.post(
    "/orders/{order_id}/ready",
    summary="Expo bump: the order is ready (and, when ready, handed out: served)",
)
async def order_ready(
    order_id: str, node: NodeDep, cmd: CommandDep, staff: Cook, body: ReadyIn | None = None
) -> Any:
    force = body.force if body else False

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.expo_ready(tx, _who(node, staff), order_id, force)

    return await cmd.run(staff, {"force": force}, command)


class SoldOutIn(Strict):
    back_at_ms: int | None = Field(default=None, ge=0)


@router.post("/items/{item_id}/sold-out", summary="86 from the kitchen: every channel stops")
async def sold_out(
    item_id: str, cmd: CommandDep, staff: EightySixer, body: SoldOutIn | None = None
) -> Any:
    back = body.back_at_ms if body else None

    def command(tx: Tx) -> tuple[int, Any]:
        menu.mark_sold_out(tx, item_id, back, staff.staff_id)
        return 200, {"id": item_id, "sold_out": True, "back_at_ms": back}

    return await cmd.run(staff, {"back_at_ms": back}, command)


# -- live feeds ----------------------------------------------------------------------------------
def require_feed(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """Like ``require``, but also takes the token as ``?access_token=``: a browser's
    EventSource cannot send an Authorization header. Only the feed routes use this."""

    async def check(
        node: NodeDep,
        authorization: Annotated[str | None, Header()] = None,
        access_token: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> Principal:
        if not authorization and access_token:
            authorization = f"Bearer {access_token}"
        # The same check as every other call: expiry, and staff and tills as they are now (a
        # deactivated cook or a revoked screen is shut out of the feed too).
        staff = await current_staff(node, authorization)
        if not allowed(staff.role, permission):
            raise KitchenError.PERMISSION_DENIED.problem(
                f"A {staff.role.value} cannot do this ({permission.value})."
            )
        return staff

    check.permission = permission  # type: ignore[attr-defined]  # read by the matrix test
    return check


FeedViewer = Annotated[Principal, Depends(require_feed(Permission.KITCHEN_VIEW))]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)]
ORDER_FEED_TYPES = frozenset(
    {"OrderStatusChanged", "OrderVoided", "OrderCancelled", "OrderReopened", "LinesSent"}
)
_TICKETS = frozenset(TICKET_EVENTS)
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get(
    "/stations/{station_id}/feed",
    response_class=EventStream,
    status_code=200,
    responses=EVENT_STREAM_DOC,
    summary="Live tickets of one station (Server-Sent Events; resume with Last-Event-ID)",
)
async def station_feed(
    station_id: str,
    node: NodeDep,
    _: FeedViewer,
    last_event_id: LastEventId = None,
    last_event_id_q: Annotated[str | None, Query(alias="last_event_id", max_length=20)] = None,
) -> StreamingResponse:
    with node.engine.connect() as conn:
        station = service.require_station(conn, node.settings.store_id, station_id)

    def own(ev: Event) -> bool:  # this station's tickets, and its age colours when they change
        return (ev.type in _TICKETS or ev.type == "StationTimingSet") and ev.payload.get(
            "station_id"
        ) == station_id

    if station["is_expo"]:

        def accept(ev: Event) -> bool:
            return ev.type in _TICKETS or ev.type in ORDER_FEED_TYPES or own(ev)
    else:
        accept = own
    screens = fallback.screens_of(node)
    feed = node.livefeed
    stream = feed.stream(
        accept,
        parse_last_id(last_event_id, last_event_id_q),
        on_open=lambda: screens.opened(station_id),
        on_close=lambda: screens.closed(station_id, node.now_ms()),
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)


@router.get(
    "/orders/{order_id}/feed",
    response_class=EventStream,
    status_code=200,
    responses=EVENT_STREAM_DOC,
    summary="Live status of one order and its tickets, for POS and order-status pages",
)
async def order_feed(
    order_id: str,
    node: NodeDep,
    _: FeedViewer,
    last_event_id: LastEventId = None,
    last_event_id_q: Annotated[str | None, Query(alias="last_event_id", max_length=20)] = None,
) -> StreamingResponse:
    with node.engine.connect() as conn:
        if load_order(conn, order_id, node.settings.store_id) is None:
            raise not_found(KitchenError.ORDER_NOT_FOUND, order_id)
    stream_name = f"order:{order_id}"

    def accept(ev: Event) -> bool:
        if ev.type in _TICKETS:
            return ev.payload.get("order_id") == order_id
        return ev.stream == stream_name and ev.type in ORDER_FEED_TYPES

    feed = node.livefeed
    stream = feed.stream(accept, parse_last_id(last_event_id, last_event_id_q))
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)
