"""The diner page: a phone at a table, opened from the table's QR code (``/t/<token>``).

The page is served for any token; the token is checked by every API call the page makes, so a
stale or forged code gets the same clear "scan the code on your table again" message whether
the phone loads the page or has had it open all evening when the code is rotated.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from hearth.channels.qr import service as qr
from hearth.core.api import NodeDep
from hearth.core.journal import Event
from hearth.web.pages import render

router = APIRouter(include_in_schema=False)


# The menu module's events that can change what a diner may order: an item 86'd, back, counted
# down to none by another table's order, edited, added, taken off the menu. The page is handed
# this list; diner.js reloads the menu on any of them. Its slow poll stays as a safety net, e.g.
# for an item whose sold-out time runs out, which no event marks.
MENU_EVENTS = frozenset(
    {
        "ItemSoldOut",
        "ItemBackInStock",
        "ItemRemainingSet",
        "ItemStockTaken",
        "ItemUpdated",
        "ItemCreated",
        "ItemImageUploaded",
        "CategoryCreated",
        "CategoryUpdated",
        "ModifierGroupCreated",
        "ModifierGroupUpdated",
    }
)


@router.get("/t/{token}", response_class=HTMLResponse)
def diner_page(
    request: Request, token: Annotated[str, Path(min_length=1, max_length=200)]
) -> HTMLResponse:
    return render(request, "diner.html", token=token, menu_events=sorted(MENU_EVENTS))


@router.get("/t/{token}/events")
async def diner_events(
    token: Annotated[str, Path(min_length=10, max_length=200)], node: NodeDep
) -> StreamingResponse:
    """A nudge whenever the table's order, the table itself or the menu changes, so every
    phone at the table refetches the shared order (or the menu: a dish 86'd leaves every
    phone at once) straight away. Only ``seq`` and ``type`` are sent: what changed is read
    through the token-checked API, so a stale code learns nothing here."""
    with node.engine.connect() as conn:
        table = qr.table_for_token(conn, node.signer, node.settings.store_id, token)
        current = qr.current_order_id(conn, table.id)
    streams = {f"table:{table.id}"} | ({f"order:{current}"} if current else set())

    def accept(ev: Event) -> bool:
        if ev.type == "OrderOpened" and ev.payload.get("table_id") == table.id:
            streams.add(ev.stream)
        return ev.stream in streams or ev.type in MENU_EVENTS

    def render_nudge(ev: Event) -> dict[str, Any]:
        return {"seq": ev.seq, "type": ev.type}

    feed = node.livefeed
    return StreamingResponse(
        feed.stream(accept, None, render_nudge),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
