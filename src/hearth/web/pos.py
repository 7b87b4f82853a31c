"""The POS page: cashier at the till and waiter on a tablet, one page with two modes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from hearth.channels.kiosk.service import qr_svg
from hearth.core.api import NodeDep, current_staff, unauthorized
from hearth.core.errors import CoreError
from hearth.core.journal import Event
from hearth.core.livefeed import parse_last_id
from hearth.core.permissions import Permission, allowed
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/pos", "key": "pos.title"})
PAGES.append({"href": "/pos?mode=waiter", "key": "pos.waiter"})


@router.get("/pos/qr.svg", include_in_schema=False)
def pos_qr(data: Annotated[str, Query(min_length=1, max_length=512)]) -> Response:
    """A payment QR code drawn on the store node: the till shows it with no internet access."""
    return Response(qr_svg(data), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/pos", response_class=HTMLResponse)
def pos_page(request: Request) -> HTMLResponse:
    mode = "waiter" if request.query_params.get("mode") == "waiter" else "cashier"
    return render(request, "pos.html", mode=mode)


# -- the POS's live feed ---------------------------------------------------------------------
# What a till redraws when the journal moves: the floor (tables, seated guests, held diner
# sends), the open bill, waiter calls, payments (and the providers' banner), the menu (86'd
# dishes, prices from HQ) and the delivery banner.
_TOPIC_OF_STREAM = {
    "order": "order",
    "ticket": "ticket",
    "table": "floor",
    "area": "floor",
    "payment": "payment",
    "payments": "payment",
    "menu": "menu",
    "catalogue": "menu",
    "delivery": "delivery",
}


def pos_topic(ev: Event) -> str | None:
    """The part of the POS an event changes, or None for one the till does not show."""
    if ev.type == "WaiterCalled":
        return "calls"
    return _TOPIC_OF_STREAM.get(ev.stream.split(":", 1)[0])


def pos_nudge(ev: Event) -> dict[str, Any]:
    """Only what changed, not the event: the till reads it through the guarded API. ``id`` is
    the order an order or ticket event belongs to, so a till redraws the bill it has open."""
    topic = pos_topic(ev)
    order_id = (
        ev.stream.split(":", 1)[1]
        if topic == "order"
        else ev.payload.get("order_id")
        if topic == "ticket"
        else None
    )
    return {"seq": ev.seq, "type": ev.type, "topic": topic, "order_id": order_id}


@router.get("/pos/events")
async def pos_events(
    node: NodeDep,
    access_token: Annotated[str | None, Query(max_length=2000)] = None,
    authorization: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> StreamingResponse:
    """The POS kept live by Server-Sent Events instead of polling timers. The staff token
    comes as ``?access_token=`` because a browser's EventSource cannot send a header; it is
    checked like any API call (expiry, a deactivated staff member, a revoked till). A till
    that reconnects sends ``Last-Event-ID`` and gets what it missed from the journal."""
    if not authorization and access_token:
        authorization = f"Bearer {access_token}"
    if not authorization:
        raise unauthorized("Sign in with your staff code and PIN to do this.")
    staff = await current_staff(node, authorization)
    if not allowed(staff.role, Permission.ORDER_READ):
        raise CoreError.PERMISSION_DENIED.problem(
            f"A {staff.role.value} cannot do this ({Permission.ORDER_READ.value})."
        )
    stream = node.livefeed.stream(
        lambda ev: pos_topic(ev) is not None, parse_last_id(last_event_id, None), pos_nudge
    )
    return StreamingResponse(
        _unnamed(stream),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


_EVENT_NAME = re.compile(r"^event: [^\n]*\n", re.MULTILINE)


async def _unnamed(stream: AsyncIterator[str]) -> AsyncIterator[str]:
    """Every message as a plain ``message``: the till decides by ``topic``, so it need not
    subscribe to each event type by name (an SSE ``event:`` line hides a message from
    ``onmessage``)."""
    async for chunk in stream:
        yield _EVENT_NAME.sub("", chunk, count=1)
