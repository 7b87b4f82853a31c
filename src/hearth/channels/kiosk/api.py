"""Self-service kiosk routes: a registered kiosk orders and pays without a staff sign-in.

Every route authenticates the screen by its terminal key (``X-Terminal-Key``), issued when a
manager registers the device as a kiosk (a till's key is refused); a guest never signs in.
Prices are the server's: the request carries only what the guest chose.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path
from pydantic import Field

from hearth.channels.kiosk import service
from hearth.channels.kiosk.errors import KioskError
from hearth.channels.qr.domain import RateLimiter, too_many
from hearth.channels.qr.service import limits_of, menu_on_sale
from hearth.core.api import CommandDep, IdempotencyKeyDep, NodeDep, Strict
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.ordering import service as ordering
from hearth.ordering.service import Context, LineInput
from hearth.payments.schemas import TenderIn
from hearth.payments.service import take_payment

router = APIRouter(prefix="/api/kiosk", tags=["kiosk"])

# (method, path) pairs this module serves without a staff token; each must authenticate its
# caller some other way (a signed table token, a webhook signature, a kiosk key).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/api/kiosk/menu"),
        ("POST", "/api/kiosk/orders"),
        ("GET", "/api/kiosk/orders/{order_id}"),
        ("POST", "/api/kiosk/orders/{order_id}/pay"),
    }
)


def current_kiosk(node: NodeDep, x_terminal_key: Annotated[str | None, Header()] = None) -> Any:
    with node.engine.connect() as conn:
        return service.kiosk_for_key(conn, node.settings.store_id, x_terminal_key)


KioskDep = Annotated[Any, Depends(current_kiosk)]
OrderId = Annotated[str, Path(min_length=1, max_length=64)]


def _ctx(node: Node, kiosk: Any) -> Context:
    return Context(f"kiosk:{kiosk.id}"[:36], node.now_ms(), node.settings.timezone)


@router.get("/menu", summary="What a guest can order at the kiosk right now")
def kiosk_menu(node: NodeDep, kiosk: KioskDep) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return menu_on_sale(conn, node.now_ms(), node.settings.timezone)


class KioskLine(Strict):
    """What a guest may choose. No price, seat or hold: the server decides those."""

    item_id: str = Field(min_length=1, max_length=64)
    # The store's caps (qr_max_per_line, qr_max_per_order) decide; this is only the sane bound.
    quantity: int = Field(default=1, ge=1, le=999)
    spec_id: str | None = Field(default=None, max_length=64)
    modifier_option_ids: list[str] = Field(default_factory=list, max_length=30)
    combo_choices: dict[str, str] = Field(default_factory=dict, max_length=10)
    note: str = Field(default="", max_length=100)


class KioskOrderIn(Strict):
    lines: list[KioskLine] = Field(min_length=1, max_length=50)


@router.post(
    "/orders",
    status_code=201,
    summary="Check out: a takeaway order with its number, sent to the kitchen once paid",
)
async def kiosk_place(body: KioskOrderIn, node: NodeDep, cmd: CommandDep, kiosk: KioskDep) -> Any:
    ctx = _ctx(node, kiosk)
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
    with node.engine.connect() as conn:
        limits = limits_of(conn, node.settings.store_id)
    # One limiter per node for tables and kiosks alike: their keys never meet.
    limiter = node.parts.setdefault(RateLimiter, RateLimiter)
    wait = limiter.hit(f"kiosk:{kiosk.id}", ctx.now_ms, limits.changes_per_minute)
    if wait is not None:
        raise too_many(wait, "This kiosk")

    def command(tx: Tx) -> tuple[int, Any]:
        order = service.place(tx, ctx, lines, limits)
        return 201, ordering.order_json(order)

    # The kiosk's id is part of what the key protects: two kiosks can never share an answer.
    return await cmd.run(None, {"kiosk": kiosk.id, "body": body.model_dump()}, command)


@router.get("/orders/{order_id}", summary="The order's number, status and what is still due")
async def kiosk_status(order_id: OrderId, node: NodeDep, kiosk: KioskDep) -> dict[str, Any]:
    with node.engine.connect() as conn:
        service.kiosk_order(conn, node.settings.store_id, order_id)
    await service.settle_pending(node, order_id)
    with node.engine.connect() as conn:
        order = service.kiosk_order(conn, node.settings.store_id, order_id)
        return service.settlement(conn, node.settings.store_id, order)


class KioskPayIn(Strict):
    wallet: Literal["alipay", "wechat"] = "alipay"


PAY_AT_COUNTER = KioskError.PAYMENTS_UNAVAILABLE.problem(
    "Paying at the kiosk is not available right now; pay at the counter with your order number.",
    extra={
        "message_zh": "自助支付暂不可用，请凭取餐号到柜台付款。",
        "message_en": "Paying here is not available right now; please pay at "
        "the counter with your order number.",
    },
)


@router.post(
    "/orders/{order_id}/pay",
    summary="Start a wallet QR payment for what is due; poll the order until paid",
)
async def kiosk_pay(
    order_id: OrderId, body: KioskPayIn, node: NodeDep, key: IdempotencyKeyDep, kiosk: KioskDep
) -> Any:
    with node.engine.connect() as conn:
        order = service.kiosk_order(conn, node.settings.store_id, order_id)
        if order.status not in service.PAYABLE:
            raise KioskError.ORDER_NOT_PAYABLE.problem(
                f"Order #{order.number} is {order.status.value}."
            )
        due = service.settlement(conn, node.settings.store_id, order)["due"]
    if due <= 0:
        raise KioskError.ORDER_NOT_PAYABLE.problem(f"Order #{order.number} is already paid.")
    result: dict[str, Any] = await take_payment(
        node,
        order_id,
        TenderIn(tender="wallet_qr", amount=due, wallet=body.wallet),
        actor=_ctx(node, kiosk).actor,
        idempotency_key=f"kiosk:{kiosk.id}:{key}",
    )
    answer = dict(result)
    if answer.get("qr_content"):
        answer["qr_image"] = service.qr_data_url(str(answer["qr_content"]))
    return answer
