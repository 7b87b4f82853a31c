"""Payment routes: tenders on an order, refunds, provider health, stored value, shifts,
store-and-forward, reconciliation, and the providers' callbacks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from hearth.core.api import (
    CommandDep,
    IdempotencyKeyDep,
    NodeDep,
    Principal,
    require,
)
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.payments import accounts, reconcile, refunds, reversal, service, shifts
from hearth.payments.errors import PaymentsError
from hearth.payments.intents import get_row, payment_out
from hearth.payments.runtime import payments_of
from hearth.payments.schemas import (
    AccountIn,
    BillOut,
    CashMoveIn,
    PaymentOut,
    ProviderConfigIn,
    ReconcileIn,
    RefundIn,
    ShiftCloseIn,
    ShiftOpenIn,
    TenderIn,
    TopUpIn,
)
from hearth.payments.settle import settle_intent
from hearth.payments.tables import payments
from hearth.staff.approval import verify_approval

router = APIRouter(prefix="/api", tags=["payments"])

# (method, path) pairs served without a staff token: providers' notifications, each verified
# by the provider's own signature (``Provider.verify_callback``) before anything is read.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/payments/callbacks/{provider}"),
    }
)

Reader = Annotated[Principal, Depends(require(Permission.PAYMENT_READ))]
Taker = Annotated[Principal, Depends(require(Permission.PAYMENT_TAKE))]
Refunder = Annotated[Principal, Depends(require(Permission.PAYMENT_REFUND))]
ShiftStaff = Annotated[Principal, Depends(require(Permission.SHIFT))]
Admin = Annotated[Principal, Depends(require(Permission.PAYMENT_ADMIN))]


# -- tenders on an order --------------------------------------------------------------------------
@router.get(
    "/orders/{order_id}/payments",
    summary="The bill: total, paid, tips, due, payments",
    response_model=BillOut,
)
def order_payments(order_id: str, node: NodeDep, staff: Reader) -> dict[str, Any]:
    """Also ``cash_rounding_unit``: the smallest coin the cash that settles this bill is
    rounded to (the store's setting), so a till shows the change the server will give."""
    with node.engine.connect() as conn:
        sid = node.settings.store_id
        return service.order_payments(conn, sid, order_id) | {
            "cash_rounding_unit": service.cash_rounding_unit(conn, sid, node.settings)
        }


@router.post(
    "/orders/{order_id}/payments",
    summary="Take a tender (cash, wallet, card...)",
    response_model=PaymentOut,
)
async def take_payment(
    order_id: str, body: TenderIn, node: NodeDep, staff: Taker, key: IdempotencyKeyDep
) -> dict[str, Any]:
    return await service.take_payment(
        node, order_id, body, actor=staff.staff_id, idempotency_key=key
    )


# -- providers ----------------------------------------------------------------------------------
@router.get("/payments/providers", summary="Providers with health and circuit breaker state")
def providers(node: NodeDep, staff: Reader) -> list[dict[str, object]]:
    return payments_of(node).routing.to_json()


@router.post("/payments/providers/{name}", summary="Configure a provider for this store")
async def configure_provider(
    name: str, body: ProviderConfigIn, node: NodeDep, staff: Admin, cmd: CommandDep
) -> JSONResponse:
    runtime = payments_of(node)
    if name not in runtime.providers:
        raise PaymentsError.PROVIDER_UNKNOWN.problem(
            f"Known providers: {', '.join(sorted(runtime.providers)) or 'none'}.", field="name"
        )

    def command(tx: Tx) -> tuple[int, Any]:
        tx.append(
            "payments:providers",
            "PaymentProviderConfigured",
            {
                "name": name,
                "tenders": list(body.tenders),
                "priority": body.priority,
                "enabled": body.enabled,
                "settings": body.settings,
            },
            staff.staff_id,
        )
        return 200, {
            "name": name,
            "tenders": list(body.tenders),
            "priority": body.priority,
            "enabled": body.enabled,
        }

    response = await cmd.run(staff, body.model_dump(), command)
    runtime.configure(name, body.tenders, body.priority, body.enabled)
    return response


@router.get(
    "/payments/offline",
    summary="Payments taken offline (queued/forwarded/declined)",
    response_model=list[PaymentOut],
)
def offline_payments(
    node: NodeDep,
    staff: Admin,
    status: Literal["queued", "forwarded", "declined"] | None = Query(None),
) -> list[dict[str, Any]]:
    q = (
        sa.select(payments)
        .where(payments.c.store_id == node.settings.store_id)
        .where(payments.c.offline.is_(True))
        .order_by(payments.c.created_at_ms.desc())
        .limit(500)
    )
    if status:
        q = q.where(payments.c.forward_state == status)
    with node.engine.connect() as conn:
        return [payment_out(r) for r in conn.execute(q)]


@router.get(
    "/payments/attention", summary="Payments a manager must check", response_model=list[PaymentOut]
)
def attention(node: NodeDep, staff: Admin) -> list[dict[str, Any]]:
    """A reverse or cancel the provider refused (``needs_attention``: it may hold money) and
    offline payments declined when forwarded (``declined_later``: the bill is due again)."""
    q = (
        sa.select(payments)
        .where(payments.c.store_id == node.settings.store_id)
        .where(payments.c.status.in_(("needs_attention", "declined_later")))
        .order_by(payments.c.created_at_ms.desc())
        .limit(500)
    )
    with node.engine.connect() as conn:
        return [payment_out(r) for r in conn.execute(q)]


@router.post("/payments/reconcile", summary="Compare our payments with providers' statements")
async def run_reconcile(
    body: ReconcileIn, node: NodeDep, staff: Admin, key: IdempotencyKeyDep
) -> dict[str, Any]:
    if body.until_ms <= body.since_ms:
        raise PaymentsError.WINDOW_INVALID.problem(
            "until_ms must be after since_ms.", field="until_ms"
        )
    return await reconcile.reconcile(node, body.since_ms, body.until_ms, staff.staff_id)


# -- stored value -------------------------------------------------------------------------------
@router.post("/payments/accounts", status_code=201, summary="Open a stored-value account")
async def open_account(body: AccountIn, staff: Taker, cmd: CommandDep) -> JSONResponse:
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (
            201,
            accounts.open_account(tx, body.name, body.phone, body.balance, staff.staff_id),
        ),
    )


# What find_accounts reads, written out so the OpenAPI document says it: a phone number (at
# least 4 digits, spaces and dashes allowed, "+" in front) or an account number (at least 6
# hex digits, dashes allowed).
ACCOUNT_QUERY = (
    r"^(?:[ +-]*[0-9](?:[ -]*[0-9]){3,}[ -]*"
    r"|-*[0-9A-Fa-f](?:-*[0-9A-Fa-f]){5,}-*)$"
)


@router.get("/payments/accounts", summary="Find stored-value accounts by phone or number")
def find_accounts(
    node: NodeDep,
    staff: Taker,
    q: str = Query(
        max_length=64,
        json_schema_extra={"pattern": ACCOUNT_QUERY},
        description="What the cashier typed: the member's phone "
        "number (or at least its last 4 digits) or the "
        "account number on the card (or its last 6+ "
        "characters)",
    ),
) -> list[dict[str, Any]]:
    """The cashier finds the member's account instead of typing its id; exact matches first,
    each with its balance. One required query a generated client cannot get wrong, rather than
    two optional ones of which one must be given; the pattern is checked here, not by FastAPI,
    so the till gets its own words for it."""
    text = q.strip()
    as_phone = text.replace(" ", "").replace("-", "").lstrip("+")
    looks_like_phone = as_phone.isascii() and as_phone.isdigit() and len(as_phone) >= 4
    looks_like_number = len(text.replace("-", "")) >= 6 and all(
        c in "0123456789abcdefABCDEF-" for c in text
    )
    if not (looks_like_phone or looks_like_number):
        raise PaymentsError.ACCOUNT_QUERY_INVALID.problem(
            "Type the member's phone number (at least its last 4 digits) or "
            "the account number on their card.",
            field="q",
        )
    phone = text if looks_like_phone else None
    number = text if looks_like_number else None
    with node.engine.connect() as conn:
        return accounts.find(conn, node.settings.store_id, phone=phone, number=number)


@router.post("/payments/accounts/{account_id}/top-up", summary="Add money to an account")
async def top_up(account_id: str, body: TopUpIn, staff: Taker, cmd: CommandDep) -> JSONResponse:
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (200, accounts.top_up(tx, account_id, body.amount, staff.staff_id)),
    )


@router.get("/payments/accounts/{account_id}", summary="A stored-value account's balance")
def get_account(account_id: str, node: NodeDep, staff: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return accounts.account_json(conn, node.settings.store_id, account_id)


# -- callbacks (public, signature-verified) -----------------------------------------------------
CALLBACK_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Taken (or seen before). Alipay is answered with the plain text "
        "`success` its protocol requires; other providers with JSON.",
        "content": {
            "text/plain": {"schema": {"type": "string", "enum": ["success"]}},
            "application/json": {"schema": {"type": "object"}},
        },
    },
    204: {"description": "Taken (or seen before): WeChat Pay v3 wants an empty 204."},
}


def callback_ack(provider: str, outcome: dict[str, Any]) -> Response:
    """The acknowledgement each provider's protocol expects; anything else makes a real
    provider send the notification again and again. A duplicate is acknowledged the same way
    (it changed nothing); the header says which it was, for people reading logs."""
    seen = {"Hearth-Callback-Duplicate": "true" if outcome.get("duplicate") else "false"}
    if provider == "alipay":
        return PlainTextResponse("success", headers=seen)
    if provider == "wechat":
        return Response(status_code=204, headers=seen)
    return JSONResponse(outcome, headers=seen)


@router.post(
    "/payments/callbacks/{provider}",
    summary="A provider's signed notification",
    response_class=Response,
    responses=CALLBACK_ANSWERS,
)
async def callback(provider: str, request: Request, node: NodeDep) -> Response:
    body = await request.body()
    outcome = await refunds.handle_callback(node, provider, dict(request.headers), body)
    return callback_ack(provider, outcome)


# -- one payment ----------------------------------------------------------------------------------
@router.get(
    "/payments/{payment_id}", summary="One payment (poll a pending one)", response_model=PaymentOut
)
async def get_payment(payment_id: str, node: NodeDep, staff: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        row = get_row(conn, node.settings.store_id, payment_id)
    if row.status in ("pending", "unknown") and not row.offline:
        await settle_intent(node, payments_of(node), row, eager=True)
        with node.engine.connect() as conn:
            row = get_row(conn, node.settings.store_id, payment_id)
    return payment_out(row)


@router.post(
    "/payments/{payment_id}/cancel",
    summary="Cancel a payment still in progress",
    response_model=PaymentOut,
)
async def cancel(
    payment_id: str, node: NodeDep, staff: Taker, key: IdempotencyKeyDep
) -> dict[str, Any]:
    """Close a merchant QR nobody scanned (or a payment stuck waiting) at the provider, so the
    bill can be paid another way. Idempotent: a cancelled payment stays cancelled. When the
    provider refuses, the payment is flagged ``needs_attention`` for a manager (asking again
    is allowed) and the answer says what the provider said."""
    with node.engine.connect() as conn:
        row = get_row(conn, node.settings.store_id, payment_id)
    if row.status in ("pending", "unknown", "created", "needs_attention") and not row.offline:
        outcome = await reversal.reverse(node, payments_of(node), payment_id, staff.staff_id)
        if outcome == reversal.NO_ANSWER:
            raise PaymentsError.PROVIDER_UNAVAILABLE.problem(
                "The provider did not confirm the cancel; try again in a moment."
            )
        if outcome == reversal.REFUSED:
            with node.engine.connect() as conn:
                now = get_row(conn, node.settings.store_id, payment_id)
            raise PaymentsError.CANCEL_REFUSED.problem(
                f"{now.message_en}. Do not take this bill again until a manager has checked it.",
                extra={"payment": payment_out(now)},
            )
    elif row.status not in ("reversed", "failed"):
        raise PaymentsError.PAYMENT_NOT_CANCELLABLE.problem(
            f"It is {row.status}; refund it instead (manager's PIN)."
        )
    with node.engine.connect() as conn:
        return payment_out(get_row(conn, node.settings.store_id, payment_id))


@router.post(
    "/payments/{payment_id}/refund",
    summary="Refund to the original tender (PIN)",
    response_model=PaymentOut,
)
async def refund(
    payment_id: str, body: RefundIn, node: NodeDep, staff: Refunder, key: IdempotencyKeyDep
) -> dict[str, Any]:
    if body.approval is None:
        raise PaymentsError.APPROVAL_REQUIRED.problem(
            "Ask a manager to enter their code and PIN to approve the refund.", field="approval"
        )
    with node.engine.connect() as conn:
        get_row(conn, node.settings.store_id, payment_id)  # 404 before a PIN try
    approver = await verify_approval(node, body.approval, "refund")
    assert approver is not None
    return await refunds.refund_payment(
        node, payment_id, body, approved_by=approver, actor=staff.staff_id, idempotency_key=key
    )


# -- shifts -------------------------------------------------------------------------------------
@router.post("/shifts/open", status_code=201, summary="Open the drawer with a float")
async def open_shift(body: ShiftOpenIn, staff: ShiftStaff, cmd: CommandDep) -> JSONResponse:
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (201, shifts.open_shift(tx, body.float, staff.staff_id)),
    )


@router.get("/shifts/current", summary="The open shift with expected cash")
def current_shift(node: NodeDep, staff: ShiftStaff) -> dict[str, Any]:
    with node.engine.connect() as conn:
        found = shifts.current(conn, node.settings.store_id)
    if found is None:
        raise PaymentsError.SHIFT_NOT_OPEN.problem("Open a shift with a float.")
    return found


@router.post("/shifts/{shift_id}/pay-in", summary="Cash put into the drawer")
async def pay_in(
    shift_id: str, body: CashMoveIn, staff: ShiftStaff, cmd: CommandDep
) -> JSONResponse:
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (
            200,
            shifts.move_cash(tx, shift_id, "pay_in", body.amount, body.reason, staff.staff_id),
        ),
    )


@router.post("/shifts/{shift_id}/pay-out", summary="Cash taken out of the drawer")
async def pay_out(
    shift_id: str, body: CashMoveIn, staff: ShiftStaff, cmd: CommandDep
) -> JSONResponse:
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (
            200,
            shifts.move_cash(tx, shift_id, "pay_out", body.amount, body.reason, staff.staff_id),
        ),
    )


@router.post("/shifts/{shift_id}/close", summary="Close with the counted cash")
async def close_shift(
    shift_id: str, body: ShiftCloseIn, staff: ShiftStaff, cmd: CommandDep
) -> JSONResponse:
    return await cmd.run(
        staff,
        body.model_dump(),
        lambda tx: (200, shifts.close_shift(tx, shift_id, body.counted, staff.staff_id)),
    )
