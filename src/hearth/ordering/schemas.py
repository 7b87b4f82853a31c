"""What the order routes answer, for the OpenAPI document: a client generated from it gets
typed orders, and schemathesis checks every answer against these (response_schema_conformance).

They mirror ``service.order_json``; ``extra="allow"`` so a field added there is never dropped
from an answer before it is written here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from hearth.ordering.domain import Channel, DiscountKind, LineState, OrderStatus


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class DiscountOut(_Out):
    kind: DiscountKind
    value: int
    reason: str
    approved_by: str | None


class LineOut(_Out):
    id: str
    item_id: str
    kind: str
    name_zh: str
    name_en: str
    unit_price: int
    quantity: int
    tax_rate_bp: int
    spec_id: str | None
    spec_name_zh: str | None
    spec_name_en: str | None
    modifiers: list[dict[str, Any]]
    combo_items: list[dict[str, Any]]
    station_id: str | None
    seat: int | None
    course: int
    held: bool
    note: str
    state: LineState
    discount: DiscountOut | None
    void_reason: str | None
    line_total: int


class TotalsOut(_Out):
    subtotal: int
    line_discounts: int
    order_discount: int
    service_charge: int
    tax: int
    total: int


class OrderOut(_Out):
    """An order with its lines and totals, all money in fen."""

    id: str
    number: int
    business_date: str
    channel: Channel
    status: OrderStatus
    table_id: str | None
    guests: int
    note: str
    currency: str
    opened_at_ms: int
    service_charge_bp: int
    discount: DiscountOut | None
    merged_into: str | None
    split_from: str | None
    void_reason: str | None
    bill_requested: bool
    lines: list[LineOut]
    totals: TotalsOut


class OrdersOut(_Out):
    orders: list[OrderOut]
