"""Self-service kiosk: a registered terminal places takeaway orders and takes wallet QR payment.

A kiosk is a terminal registered with kind ``kiosk`` (a till's key is refused here, and a
kiosk's key cannot sign staff in); it acts
as ``kiosk:<terminal id>`` in the journal, so every kiosk order can be traced to its screen.
The order is placed when the guest checks out but goes to the kitchen only once it is paid, as
on every quick-service kiosk: a guest who walks away from the QR code leaves nothing cooking.
Such a guest is told to pay at the counter with their order number; the cashier finds the
order there, and the payment that settles it sends it to the kitchen.

The store's QR ordering caps apply here too (portions per line and per order, changes per
minute per kiosk). The QR channel's hold above a total does not: a kiosk order reaches the
kitchen only once paid, which is the confirmation.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from sqlalchemy.engine import Connection

from hearth.channels.kiosk.errors import KioskError
from hearth.channels.qr.domain import DinerLimits, check_quantities
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.ordering import service as ordering
from hearth.ordering.domain import ACTIVE, Channel, Order, OrderStatus
from hearth.ordering.service import Context, LineInput
from hearth.payments.intents import order_rows
from hearth.payments.runtime import payments_of
from hearth.payments.service import order_payments
from hearth.payments.settle import settle_intent
from hearth.staff import service as staff

KIOSK_NOT_REGISTERED = KioskError.KIOSK_NOT_REGISTERED.problem(
    "A manager must register this kiosk as a terminal and enter its key on the screen "
    "(sent as X-Terminal-Key)."
)

PAYABLE = ACTIVE


def kiosk_for_key(conn: Connection, store_id: str, key: str | None) -> Any:
    """The active terminal holding ``key``; refused in plain words otherwise."""
    if not key or len(key) > 200:
        raise KIOSK_NOT_REGISTERED
    terminal = staff.terminal_by_key(conn, store_id, key)
    if terminal is None:
        raise KIOSK_NOT_REGISTERED
    if terminal.kind != "kiosk":
        raise KioskError.KIOSK_KEY_IS_TILL.problem(
            'A manager must register the kiosk as a kiosk (kind "kiosk") and enter '
            "that key on the screen; a till's key does not open the guest screen."
        )
    return terminal


def place(tx: Tx, ctx: Context, lines: list[LineInput], limits: DinerLimits) -> Order:
    """A takeaway order priced by the server, held back from the kitchen until it is paid."""
    check_quantities([ln.quantity for ln in lines], 0, limits)
    return ordering.place_order(
        tx, ctx, channel=Channel.TAKEAWAY, table_id=None, lines=lines, submit=False
    )


def kiosk_order(conn: Connection, store_id: str, order_id: str) -> Order:
    """A takeaway order a kiosk may look at and pay; dine-in bills are not the kiosk's."""
    order = ordering.get_order(conn, store_id, order_id)
    if order.channel is not Channel.TAKEAWAY:
        raise KioskError.ORDER_NOT_FOUND.problem(f"There is no kiosk order {order_id!r}.")
    return order


def settlement(conn: Connection, store_id: str, order: Order) -> dict[str, Any]:
    """What the kiosk screen needs: the number to call, status, and what is still due."""
    total = order.totals().total
    payments = receipt_payments(conn, store_id, order.id)
    paid = sum(int(p["amount"]) for p in payments if p["status"] == "succeeded")
    done = order.status in (OrderStatus.PAID, OrderStatus.CLOSED)
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status.value,
        "total": total,
        "paid": total if done else min(paid, total),
        "due": 0 if done else max(0, total - paid),
        "payments": payments,
    }


def receipt_payments(conn: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """The order's payments (every attempt, so the screen can say when one failed)."""
    keep = ("id", "tender", "provider", "amount", "status", "message_zh", "message_en")
    return [
        {k: p.get(k) for k in keep} for p in order_payments(conn, store_id, order_id)["payments"]
    ]


async def settle_pending(node: Node, order_id: str) -> None:
    """Ask the provider about this order's open wallet payments, as polling one does on the
    POS: a lost callback must not leave a guest who paid staring at the QR code."""
    with node.engine.connect() as conn:
        rows = [
            r
            for r in order_rows(conn, node.settings.store_id, order_id)
            if r.status in ("pending", "unknown") and not r.offline
        ]
    for row in rows[:3]:
        await settle_intent(node, payments_of(node), row, eager=True)


def qr_data_url(content: str) -> str:
    """A QR code as an SVG data URL, drawn here so the screen needs nothing from the internet."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(content, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buf = io.BytesIO()
    image.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def qr_svg(content: str) -> bytes:
    """The same QR code as SVG bytes (for ``<img src>`` on the POS checkout)."""
    return base64.b64decode(qr_data_url(content).split(",", 1)[1])
