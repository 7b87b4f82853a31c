"""Payment projectors: the only code that writes the payment tables, live and in a rebuild."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.db import insert_rows, update_rows
from hearth.core.journal import Event, ProjectorRegistry
from hearth.payments.tables import (
    cash_shifts,
    payment_callbacks,
    payment_providers,
    payment_refunds,
    payments,
    stored_value_accounts,
)

projectors = ProjectorRegistry()
projectors.owns(
    payments,
    payment_refunds,
    payment_callbacks,
    stored_value_accounts,
    cash_shifts,
    payment_providers,
)

PAYMENT_FIELDS = (
    "order_id",
    "tender",
    "provider",
    "wallet",
    "account_id",
    "amount",
    "tip",
    "rounding",
    "tendered",
    "change_due",
    "currency",
    "status",
    "offline",
    "forward_state",
    "provider_ref",
    "qr_content",
    "message_zh",
    "message_en",
    "fallback",
    "request_key",
    "request_fp",
    "root_id",
    "attempt",
    "shift_id",
)
CHANGEABLE = (
    "status",
    "provider_ref",
    "qr_content",
    "message_zh",
    "message_en",
    "fallback",
    "forward_state",
    "offline",
)


_SHIFT_ADD: dict[tuple[str, ...], Any] = {}


def _shift_add(conn: Connection, shift_id: str | None, **deltas: int) -> None:
    """Add to the drawer's running totals (a statement built once per set of totals: every
    cash payment runs this)."""
    if not shift_id:
        return
    stmt = _SHIFT_ADD.get(tuple(deltas))
    if stmt is None:
        stmt = _SHIFT_ADD[tuple(deltas)] = (
            cash_shifts.update()
            .where(cash_shifts.c.id == sa.bindparam("shift"))
            .values({cash_shifts.c[k]: cash_shifts.c[k] + sa.bindparam(f"d_{k}") for k in deltas})
        )
    conn.execute(stmt, {"shift": shift_id, **{f"d_{k}": v for k, v in deltas.items()}})


def _cash_in(conn: Connection, p: dict[str, Any]) -> None:
    """A succeeded cash payment puts the cash handed over in the drawer and takes change out."""
    if p["tender"] == "cash":
        _shift_add(
            conn,
            p.get("shift_id"),
            cash_sales=p.get("tendered") or 0,
            change_given=p.get("change_due") or 0,
        )


@projectors.on("PaymentStarted")
def _started(conn: Connection, ev: Event) -> None:
    p = ev.payload
    row = {k: p.get(k) for k in PAYMENT_FIELDS}
    row.update(
        id=p["payment_id"],
        store_id=ev.store_id,
        refunded=0,
        refund_pending=0,
        actor=ev.actor,
        created_at_ms=ev.recorded_at_ms,
        updated_at_ms=ev.recorded_at_ms,
        offline=bool(p.get("offline")),
        message_zh=p.get("message_zh") or "",
        message_en=p.get("message_en") or "",
    )
    insert_rows(conn, payments, row)
    if p["status"] == "succeeded":
        _cash_in(conn, p)


@projectors.on("PaymentStatusChanged")
def _status(conn: Connection, ev: Event) -> None:
    p = ev.payload
    values: dict[str, Any] = {k: p[k] for k in CHANGEABLE if k in p}
    values["updated_at_ms"] = ev.recorded_at_ms
    update_rows(conn, payments, {"id": p["payment_id"]}, values)


@projectors.on("RefundStarted")
def _refund_started(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        payment_refunds.insert().values(
            id=p["refund_id"],
            store_id=ev.store_id,
            payment_id=p["payment_id"],
            amount=p["amount"],
            status="pending",
            reason=p["reason"],
            approved_by=p.get("approved_by"),
            request_key=p["request_key"],
            created_at_ms=ev.recorded_at_ms,
            updated_at_ms=ev.recorded_at_ms,
        )
    )
    conn.execute(
        payments.update()
        .where(payments.c.id == p["payment_id"])
        .values(
            refund_pending=payments.c.refund_pending + p["amount"], updated_at_ms=ev.recorded_at_ms
        )
    )


@projectors.on("RefundSettled")
def _refund_settled(conn: Connection, ev: Event) -> None:
    p = ev.payload
    refund = conn.execute(
        sa.select(payment_refunds).where(payment_refunds.c.id == p["refund_id"])
    ).one()
    conn.execute(
        payment_refunds.update()
        .where(payment_refunds.c.id == refund.id)
        .values(status=p["status"], updated_at_ms=ev.recorded_at_ms)
    )
    values: dict[str, Any] = {
        "refund_pending": payments.c.refund_pending - refund.amount,
        "updated_at_ms": ev.recorded_at_ms,
    }
    if p["status"] == "succeeded":
        values.update(refunded=payments.c.refunded + refund.amount, status="refunded")
    conn.execute(payments.update().where(payments.c.id == refund.payment_id).values(values))
    if p["status"] == "succeeded" and p.get("tender") == "cash":
        _shift_add(conn, p.get("shift_id"), cash_refunds=refund.amount)


@projectors.on("PaymentCallbackReceived")
def _callback(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        payment_callbacks.insert().values(
            provider=p["provider"],
            event_id=p["event_id"],
            payment_id=p["payment_id"],
            status=p["status"],
            received_at_ms=ev.recorded_at_ms,
        )
    )


@projectors.on("StoredValueAccountOpened")
def _account_opened(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        stored_value_accounts.insert().values(
            id=p["account_id"],
            store_id=ev.store_id,
            name=p["name"],
            phone=p.get("phone"),
            balance=0,
            created_at_ms=ev.recorded_at_ms,
            updated_at_ms=ev.recorded_at_ms,
        )
    )


@projectors.on("StoredValueChanged")
def _account_changed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        stored_value_accounts.update()
        .where(stored_value_accounts.c.id == p["account_id"])
        .values(
            balance=stored_value_accounts.c.balance + p["delta"], updated_at_ms=ev.recorded_at_ms
        )
    )


@projectors.on("ShiftOpened")
def _shift_opened(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        cash_shifts.insert().values(
            id=p["shift_id"],
            store_id=ev.store_id,
            status="open",
            opened_by=ev.actor,
            opened_at_ms=ev.recorded_at_ms,
            float_amount=p["float"],
            cash_sales=0,
            change_given=0,
            cash_refunds=0,
            pay_ins=0,
            pay_outs=0,
        )
    )


@projectors.on("ShiftCashMoved")
def _shift_moved(conn: Connection, ev: Event) -> None:
    p = ev.payload
    column = "pay_ins" if p["kind"] == "pay_in" else "pay_outs"
    _shift_add(conn, p["shift_id"], **{column: p["amount"]})


@projectors.on("ShiftClosed")
def _shift_closed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        cash_shifts.update()
        .where(cash_shifts.c.id == p["shift_id"])
        .values(
            status="closed",
            counted=p["counted"],
            expected=p["expected"],
            difference=p["difference"],
            closed_by=ev.actor,
            closed_at_ms=ev.recorded_at_ms,
        )
    )


@projectors.on("PaymentProviderConfigured")
def _provider(conn: Connection, ev: Event) -> None:
    p = ev.payload
    key = (payment_providers.c.store_id == ev.store_id) & (payment_providers.c.name == p["name"])
    conn.execute(payment_providers.delete().where(key))
    conn.execute(
        payment_providers.insert().values(
            store_id=ev.store_id,
            name=p["name"],
            tenders=p["tenders"],
            priority=p["priority"],
            enabled=p["enabled"],
            settings=p.get("settings") or {},
            updated_at_ms=ev.recorded_at_ms,
        )
    )
