"""What the ticket routes answer, for the OpenAPI document: a kitchen screen generated from it
gets typed tickets, and schemathesis checks every answer against these
(response_schema_conformance).

They mirror ``service.ticket_view`` (``Ticket.to_json`` without the undo history);
``extra="allow"`` so a field added there is never dropped from an answer before it is
written here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hearth.kitchen.domain import Kind, Status


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class TicketItemOut(_Out):
    id: str
    line_id: str
    order_id: str
    item_id: str
    name_zh: str
    name_en: str
    quantity: int
    modifiers: list[str]
    note: str
    seat: int | None
    course: int
    marker: str | None
    status: Status
    voided: bool


class TicketOut(_Out):
    """A ticket as a station's screen shows it, with its age and colour."""

    id: str
    station_id: str
    order_id: str
    order_number: int
    where: str
    kind: Kind
    sent_at_ms: int
    status: Status
    rush: bool
    printed: bool
    version: int
    started_at_ms: int | None
    done_at_ms: int | None
    items: list[TicketItemOut]
    age_s: int
    colour: str
    can_undo: bool


class StationTicketsOut(_Out):
    """A station's screen: its tickets and the journal position to resume the feed from."""

    seq: int
    station: dict[str, object]
    tickets: list[TicketOut]
    recall_window_ms: int
