"""Payment use cases: take a tender, record what a provider answered, refund, read.

A provider is never called inside a writer transaction: ``take_payment`` records the intent
(tx1, ``pending``), awaits the provider outside, then records the outcome (tx2). A crash between
the two leaves a pending intent that ``settle.py`` resolves by querying the provider — never by
charging again. The intent id is the provider's idempotency key on every call.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.db import select_rows
from hearth.core.errors import Problem, conflict, invalid, not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.node import Node
from hearth.ordering import service as ordering
from hearth.ordering.domain import Order, OrderStatus
from hearth.ordering.projections import load_order
from hearth.payments import domain as d
from hearth.payments.domain import IntentStatus, Tender
from hearth.payments.messages import text
from hearth.payments.providers.base import (
    ChargeRequest,
    FailureKind,
    ProviderError,
    ProviderResult,
    ProviderStatus,
)
from hearth.payments.registry import Engine, engine_of
from hearth.payments.router import counts_against
from hearth.payments.schemas import TenderIn
from hearth.payments.tables import cash_shifts, payments, stored_value_accounts

CLOSED_ORDER = frozenset({OrderStatus.PAID, OrderStatus.CLOSED, OrderStatus.VOIDED,
                          OrderStatus.CANCELLED, OrderStatus.MERGED})
PAYABLE_TO_PAID = frozenset({OrderStatus.SUBMITTED, OrderStatus.PREPARING, OrderStatus.READY,
                             OrderStatus.SERVED})

log = structlog.get_logger(__name__)


def now_ms() -> int:
    return int(time.time() * 1000)


def _stream(payment_id: str) -> str:
    return f"payment:{payment_id}"


# -- reads --------------------------------------------------------------------------------------
def payment_out(row: Any) -> dict[str, Any]:
    """The PaymentOut of the contract (plus a few extra fields)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    out = {
        "id": m["id"], "order_id": m["order_id"], "tender": m["tender"],
        "provider": m["provider"], "amount": m["amount"], "tip": m["tip"],
        "change_due": m["change_due"], "status": m["status"], "qr_content": m["qr_content"],
        "message_zh": m["message_zh"], "message_en": m["message_en"],
        "fallback": m["fallback"], "rounding": m["rounding"], "tendered": m["tendered"],
        "refunded": m["refunded"], "refund_pending": m["refund_pending"],
        "offline": m["offline"],
        "forward_state": m["forward_state"], "wallet": m["wallet"],
        "account_id": m["account_id"], "currency": m["currency"],
        "created_at_ms": m["created_at_ms"],
    }
    return out


def get_row(conn: Connection, store_id: str, payment_id: str) -> Any:
    row = select_rows(conn, payments, {"id": payment_id, "store_id": store_id}).first()
    if row is None:
        raise not_found("payment", payment_id)
    return row


def order_rows(conn: Connection, store_id: str, order_id: str) -> list[Any]:
    return list(select_rows(conn, payments, {"order_id": order_id, "store_id": store_id},
                            order_by=("created_at_ms", "attempt")))


def _lines(rows: list[Any], exclude: str | None = None) -> list[d.PaymentLine]:
    return [d.PaymentLine(IntentStatus(r.status), r.amount, r.tip, r.refunded, r.rounding)
            for r in rows if r.id != exclude]


def _order(conn: Connection, store_id: str, order_id: str) -> Order:
    order = load_order(conn, order_id, store_id)
    if order is None:
        raise not_found("order", order_id)
    return order


def order_payments(conn: Connection, store_id: str, order_id: str) -> dict[str, Any]:
    """``GET /api/orders/{id}/payments``: the bill and every payment on it."""
    order = _order(conn, store_id, order_id)
    rows = order_rows(conn, store_id, order_id)
    b = d.bill(order.totals().total, _lines(rows))
    return {"order_id": order_id, "total": b.total, "paid": b.paid, "tips": b.tips,
            "due": b.due, "pending": b.pending, "status": order.status.value,
            "currency": order.currency, "payments": [payment_out(r) for r in rows]}


def payments_for_receipt(conn: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """What a receipt prints: every payment that took or gave back money."""
    result = []
    for r in order_rows(conn, store_id, order_id):
        if r.status not in ("succeeded", "refunded"):
            continue
        result.append({"tender": r.tender, "provider": r.provider, "amount": r.amount,
                       "tip": r.tip, "change_due": r.change_due, "status": r.status,
                       "tendered": r.tendered, "rounding": r.rounding, "refunded": r.refunded,
                       "offline": r.offline})
    return result


def cash_rounding_unit(conn: Connection, store_id: str, settings: Any) -> int:
    """The smallest coin cash is rounded to: the store's own cash rounding (the admin page's
    抹零 setting) once the store has saved its settings, else the node's
    ``payment_cash_rounding_unit``."""
    from hearth.store.domain import ROUNDING_STEP_FEN
    from hearth.store.service import current

    store, version = current(conn, store_id)
    if version > 0:
        return ROUNDING_STEP_FEN[store.cash_rounding]
    return int(settings.payment_cash_rounding_unit)


def current_shift_id(conn: Connection, store_id: str) -> str | None:
    return select_rows(conn, cash_shifts, {"store_id": store_id, "status": "open"},
                       ("id",)).scalar()


def fingerprint(order_id: str, body: TenderIn) -> str:
    raw = json.dumps([order_id, body.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


# -- transaction 1: record the intent -------------------------------------------------------------
@dataclass(frozen=True)
class Started:
    row: Any
    replayed: bool


def _replay(tx: Tx, key: str, fp: str) -> Any | None:
    """The latest attempt of the request first made with this Idempotency-Key, if any."""
    first = select_rows(tx.conn, payments, {"store_id": tx.store_id, "request_key": key}).first()
    if first is None:
        return None
    if first.request_fp != fp:
        raise Problem(422, "idempotency-key-reused", "Idempotency key already used",
                      "This Idempotency-Key was used for a different payment. Send a new key "
                      "for a new payment; reuse a key only to retry the same one.",
                      field="Idempotency-Key")
    return tx.conn.execute(sa.select(payments).where(payments.c.root_id == first.id)
                           .order_by(payments.c.attempt.desc()).limit(1)).first()


def _settle_order(tx: Tx, order_id: str, actor: str | None) -> None:
    """Mark the order paid in the same transaction as the payment that settles it.

    An order paid in full before it was sent (a kiosk guest, a counter order paid first) is
    sent to the kitchen by that payment: quick service cooks what is paid for, and the order
    state machine only reaches ``paid`` through the kitchen's states.
    """
    order = _order(tx.conn, tx.store_id, order_id)
    pay_first = order.status is OrderStatus.OPEN and order.totals().total > 0
    if order.status not in PAYABLE_TO_PAID and not pay_first:
        return
    b = d.bill(order.totals().total, _lines(order_rows(tx.conn, tx.store_id, order_id)))
    if b.due == 0:
        ctx = ordering.Context(actor, now_ms())
        if pay_first:
            try:
                ordering.submit_order(tx, ctx, order_id)
            except Problem as exc:
                # Everything on hold, or an item ran out since it was ordered: the refusal
                # comes before anything is written, and the money is taken whatever the
                # kitchen can do, so the payment stands and staff send the order by hand.
                log.warning("paid order not sent", order_id=order_id, reason=exc.code)
                return
        ordering.mark_paid(tx, ctx, order_id)


def _check_account(tx: Tx, account_id: str | None, need: int) -> None:
    if not account_id:
        raise invalid("account-missing", "Which account?", "Give the stored-value account.",
                      "account_id")
    row = tx.conn.execute(sa.select(stored_value_accounts)
                          .where(stored_value_accounts.c.id == account_id)
                          .where(stored_value_accounts.c.store_id == tx.store_id)).first()
    if row is None:
        raise not_found("account", account_id)
    if row.balance < need:
        raise conflict("balance-too-low", "Not enough on the card",
                       f"The account holds {row.balance}; this needs {need}.")


def start_payment(tx: Tx, *, order_id: str, body: TenderIn, actor: str | None, key: str,
                  fp: str, settings: Any, provider: str | None = None,
                  root_id: str | None = None, attempt: int = 1, offline: bool = False,
                  message: tuple[str, str] | None = None,
                  fallback: dict[str, Any] | None = None) -> Started:
    """Record a payment: local tenders complete here; provider tenders start ``pending``."""
    request_key = key if attempt == 1 else f"{key}#{attempt}"
    if attempt == 1:
        seen = _replay(tx, key, fp)
        if seen is not None:
            return Started(seen, True)
    order = _order(tx.conn, tx.store_id, order_id)
    rows = order_rows(tx.conn, tx.store_id, order_id)
    chain = {r.id for r in rows if root_id and r.root_id == root_id}
    b = d.bill(order.totals().total, _lines([r for r in rows if r.id not in chain]))
    d.check_new_payment(b, body.amount, body.tip, closed=order.status in CLOSED_ORDER)
    payment_id = new_id()
    tender = body.kind
    status, rounding, tendered, change = IntentStatus.PENDING, 0, None, 0
    shift_id = None
    wallet: str | None = body.wallet
    if tender is Tender.WALLET_SCAN:  # the code says whose it is
        wallet = d.check_payment_code(body.auth_code, body.wallet)
    if tender is Tender.CASH:
        cash = d.take_cash(body.amount, body.tip, body.tendered,
                           unit=cash_rounding_unit(tx.conn, tx.store_id, settings),
                           settles_bill=body.amount == b.due)
        status, rounding = IntentStatus.SUCCEEDED, cash.rounding
        tendered, change = cash.tendered, cash.change_due
        shift_id = current_shift_id(tx.conn, tx.store_id)
        message = text("cash", amount=change)
    elif tender is Tender.STORED_VALUE:
        need = body.amount + body.tip
        _check_account(tx, body.account_id, need)
        tx.append(f"account:{body.account_id}", "StoredValueChanged",
                  {"account_id": body.account_id, "delta": -need, "reason": "charge",
                   "payment_id": payment_id}, actor)
        status, message = IntentStatus.SUCCEEDED, text("stored_value")
    elif tender is Tender.PLATFORM:
        status, message = IntentStatus.SUCCEEDED, text("platform")
    elif offline:
        status = IntentStatus.SUCCEEDED
    message = message or text("pending", provider)
    tx.append(_stream(payment_id), "PaymentStarted", {
        "payment_id": payment_id, "order_id": order_id, "tender": tender.value,
        "provider": provider, "wallet": wallet, "account_id": body.account_id,
        "amount": body.amount, "tip": body.tip, "rounding": rounding, "tendered": tendered,
        "change_due": change, "currency": order.currency, "status": status.value,
        "offline": offline, "forward_state": "queued" if offline else None,
        "provider_ref": None, "qr_content": None, "message_zh": message[0],
        "message_en": message[1], "fallback": fallback, "request_key": request_key,
        "request_fp": fp, "root_id": root_id or payment_id, "attempt": attempt,
        "shift_id": shift_id,
        # Kept only in the journal: an offline wallet scan is forwarded with the code later.
        "auth_code": body.auth_code if offline else None,
    }, actor)
    if status is IntentStatus.SUCCEEDED:
        _settle_order(tx, order_id, actor)
    return Started(get_row(tx.conn, tx.store_id, payment_id), False)


# -- transaction 2: record what the provider said -----------------------------------------------
@dataclass(frozen=True)
class Outcome:
    row: Any
    reverse: bool  # the provider holds money the bill cannot take: reverse it


def record_answer(tx: Tx, payment_id: str, answer: ProviderStatus, *,
                  result: ProviderResult | None = None, message: tuple[str, str] | None = None,
                  fallback: dict[str, Any] | None = None, actor: str | None = None,
                  extra: dict[str, Any] | None = None) -> Outcome:
    """Fold one provider answer into an intent (idempotent: duplicates change nothing)."""
    row = get_row(tx.conn, tx.store_id, payment_id)
    current = IntentStatus(row.status)
    rows = order_rows(tx.conn, tx.store_id, row.order_id)
    order = _order(tx.conn, tx.store_id, row.order_id)
    room = d.bill(order.totals().total, _lines(rows, exclude=row.id)).due
    decision = d.on_answer(current, answer, room=room, amount=row.amount)
    payload: dict[str, Any] = dict(extra or {})
    if decision.changed or message or fallback or payload:
        payload.update(payment_id=payment_id, status=decision.status.value)
        if result is not None and result.provider_ref:
            payload["provider_ref"] = result.provider_ref
        if result is not None and result.qr_content:
            payload["qr_content"] = result.qr_content
        if decision.reverse:
            message = message or text("unknown", row.provider)
        if message:
            payload["message_zh"], payload["message_en"] = message
        if fallback is not None:
            payload["fallback"] = fallback
        tx.append(_stream(payment_id), "PaymentStatusChanged", payload, actor)
        if decision.status is IntentStatus.SUCCEEDED and current is not IntentStatus.SUCCEEDED:
            _settle_order(tx, row.order_id, actor)
    return Outcome(get_row(tx.conn, tx.store_id, payment_id), decision.reverse)


# -- calling providers --------------------------------------------------------------------------
async def call(engine: Engine, name: str, coro: Any, timeout_s: float) -> ProviderResult:
    """One provider call with a timeout; its outcome feeds the router's health and breaker."""
    try:
        result: ProviderResult = await asyncio.wait_for(coro, timeout=max(0.05, timeout_s))
    except TimeoutError:
        engine.router.record(name, ok=False, error="timeout")
        raise ProviderError(FailureKind.TIMEOUT, "no answer in time") from None
    except ProviderError as exc:
        engine.router.record(name, ok=not counts_against(exc.kind),
                             error=f"{exc.kind.value}: {exc.message}")
        raise
    except Exception as exc:  # an adapter bug is an outage of that provider, not a crash
        engine.router.record(name, ok=False, error=f"unavailable: {exc}")
        raise ProviderError(FailureKind.UNAVAILABLE, str(exc)) from exc
    engine.router.record(name, ok=result.status is not ProviderStatus.UNKNOWN,
                         error="unknown" if result.status is ProviderStatus.UNKNOWN else None)
    return result


def _fallback(tender: str, provider: str | None, reason: tuple[str, str]) -> dict[str, Any]:
    return {"tender": tender, "provider": provider, "reason_zh": reason[0],
            "reason_en": reason[1]}


def _other_method(engine: Engine, exclude: set[str]) -> tuple[str, str] | None:
    """Another way for the customer to pay when their wallet's provider is down: our merchant
    QR (any wallet scans it) on a provider nothing says is down, else a card."""
    for tender in (Tender.WALLET_QR, Tender.CARD):
        for route in engine.router.candidates(tender.value):
            if route.name not in exclude and engine.router.presumed_up(route.name):
                return tender.value, route.name
    return None


async def _record(node: Node, payment_id: str, answer: ProviderStatus,
                  **kw: Any) -> Outcome:
    return await node.writer.submit(lambda tx: record_answer(tx, payment_id, answer, **kw))


async def take_payment(node: Node, order_id: str, body: TenderIn, *, actor: str | None,
                       idempotency_key: str) -> dict[str, Any]:
    """Take one tender on an order; the answer is the PaymentOut of the contract.

    Provider tenders go to the router's providers in order. A timeout or outage (not a
    decline) moves on to the backup within the 3-second budget when the store allows it;
    otherwise the answer suggests the backup. A scanned payment code only ever goes to its
    own wallet's providers: when they are down the answer tells the cashier to switch method
    (our QR, which any wallet scans, or a card) while one is up. When every provider is down,
    tenders the store allows offline are accepted within the risk limits and forwarded later.
    """
    engine = engine_of(node)
    s = node.settings
    fp = fingerprint(order_id, body)
    w = node.writer.submit

    def first(tx: Tx) -> Started:
        if body.kind in d.PROVIDER_TENDERS:
            seen = _replay(tx, idempotency_key, fp)
            if seen is not None:
                return Started(seen, True)
            # Validate the bill before any provider is chosen or called.
            order = _order(tx.conn, tx.store_id, order_id)
            b = d.bill(order.totals().total, _lines(order_rows(tx.conn, tx.store_id, order_id)))
            d.check_new_payment(b, body.amount, body.tip, closed=order.status in CLOSED_ORDER)
            if body.kind is Tender.WALLET_SCAN:
                d.check_payment_code(body.auth_code, body.wallet)
            return Started(None, False)
        return start_payment(tx, order_id=order_id, body=body, actor=actor,
                             key=idempotency_key, fp=fp, settings=s)

    started = await w(first)
    if started.row is not None:
        return payment_out(started.row)

    routes = engine.router.candidates(body.kind.value, prefer=body.wallet)
    code_wallet: str | None = None
    if body.kind is Tender.WALLET_SCAN:
        # A scanned code belongs to one wallet: only that wallet's providers can take it, so
        # it never fails over to another wallet with the same code.
        code_wallet = d.check_payment_code(body.auth_code, body.wallet)
        routes = [r for r in routes if engine.takes_wallet(r.name, code_wallet)]
        if not routes:
            other = _other_method(engine, set())
            fb = (_fallback(other[0], other[1], text("wallet_not_here", code_wallet))
                  if other else _fallback("cash", None, text("wallet_not_here", code_wallet)))
            raise Problem(409, "no-provider", "This wallet is not taken here",
                          f"No provider here takes {d.WALLET_NAMES[code_wallet]} payment "
                          "codes; show our QR (any wallet can scan it), or take card or cash.",
                          extra={"fallback": fb})
    if not routes:
        raise Problem(409, "no-provider", "No payment provider for this tender",
                      "No provider is set up for this tender; take cash or stored value.",
                      extra={"fallback": _fallback("cash", None, text("no_provider"))})
    deadline = time.monotonic() + s.payment_budget_ms / 1000
    method = d.METHOD_OF[body.kind]
    root: str | None = None
    attempt = 0
    last: Any = None
    failed_over_from: str | None = None
    skipped_open: str | None = None
    unreached = {r.name for r in routes}  # neither tried nor known to be down
    for route in routes:
        left = deadline - time.monotonic()
        if left <= 0.1:
            break
        if not engine.router.allow(route.name):
            skipped_open = skipped_open or route.name
            unreached.discard(route.name)
            continue
        if attempt > 0 and not s.payment_auto_failover:
            break
        provider = engine.provider(route.name)
        if provider is None:
            continue
        attempt += 1
        if failed_over_from:
            msg = text("switched", failed_over_from, route.name)
        elif skipped_open:
            msg = text("switched_open", skipped_open, route.name)
        else:
            msg = text("pending", route.name)
        try:
            st = await w(partial(start_payment, order_id=order_id, body=body, actor=actor,
                                 key=idempotency_key, fp=fp, settings=s, provider=route.name,
                                 root_id=root, attempt=attempt, message=msg))
        except Problem:
            if last is None:
                raise
            # Meanwhile the earlier attempt turned out captured and settled the bill.
            with node.engine.connect() as conn:
                return payment_out(get_row(conn, s.store_id, last.row.id))
        if st.replayed:
            return payment_out(st.row)
        root = root or st.row.id
        pid = st.row.id
        req = ChargeRequest(pid, body.amount + body.tip, st.row.currency, method,
                            description=f"order {order_id}", auth_code=body.auth_code)
        timeout = min(s.payment_call_timeout_ms / 1000, deadline - time.monotonic())
        try:
            result = await call(engine, route.name, provider.charge(req), timeout)
        except ProviderError as exc:
            if exc.kind in (FailureKind.DECLINED, FailureKind.INVALID):
                key_ = "declined" if exc.kind is FailureKind.DECLINED else "invalid"
                out = await _record(node, pid, ProviderStatus.FAILED,
                                    message=text(key_, route.name), actor=actor)
                return payment_out(out.row)
            failed_over_from = route.name
            unreached.discard(route.name)
            if exc.kind is FailureKind.UNAVAILABLE:
                # Refused or a 5xx: the adapters guarantee nothing was done.
                last = await _record(node, pid, ProviderStatus.FAILED,
                                     message=text("down", route.name), actor=actor)
                continue
            # A timeout: the intent may or may not be captured. It stays unknown and is
            # settled later by query (then reverse); the bill does not wait for it.
            last = await _record(node, pid, ProviderStatus.UNKNOWN,
                                 message=text("unknown", route.name), actor=actor)
            continue
        if result.status is ProviderStatus.SUCCEEDED:
            m = msg if (failed_over_from or skipped_open) else text("succeeded", route.name)
            out = await _record(node, pid, ProviderStatus.SUCCEEDED, result=result,
                                message=m, actor=actor)
            if out.reverse:
                await reverse(node, engine, pid)
                with node.engine.connect() as conn:
                    return payment_out(get_row(conn, s.store_id, pid))
            return payment_out(out.row)
        if result.status is ProviderStatus.PENDING:
            m = text("qr", route.name) if result.qr_content else text("pending", route.name)
            if failed_over_from or skipped_open:
                m = (msg[0] + "；" + m[0], msg[1] + "; " + m[1])
            out = await _record(node, pid, ProviderStatus.PENDING, result=result, message=m,
                                actor=actor, extra={"qr_content": result.qr_content}
                                if result.qr_content else None)
            return payment_out(out.row)
        if result.status is ProviderStatus.UNKNOWN:
            last = await _record(node, pid, ProviderStatus.UNKNOWN,
                                 message=text("unknown", route.name), actor=actor)
            failed_over_from = route.name
            unreached.discard(route.name)
            continue
        out = await _record(node, pid, ProviderStatus.FAILED, result=result,
                            message=text("declined", route.name), actor=actor)
        return payment_out(out.row)

    # Nothing captured. A scanned code whose wallet's providers are down cannot go anywhere
    # else: while another method is up (our QR, which any wallet can scan, or a card), the
    # cashier is told to switch to it. Offline store-and-forward when nothing is reachable.
    tried = failed_over_from or skipped_open or routes[0].name
    switch = (_other_method(engine, {r.name for r in routes}) if code_wallet is not None
              else None)
    allowed_offline = body.kind.value in {t.strip() for t in
                                            s.payment_offline_tenders.split(",")}
    if allowed_offline and not unreached and switch is None:
        from hearth.payments.settle import offline_limits, outstanding_offline

        def offline(tx: Tx) -> Started:
            refusal = d.offline_refusal(offline_limits(s), body.amount + body.tip,
                                        outstanding_offline(tx.conn, tx.store_id))
            if refusal is not None:
                raise refusal
            return start_payment(tx, order_id=order_id, body=body, actor=actor,
                                 key=idempotency_key, fp=fp, settings=s,
                                 provider=routes[0].name, root_id=root, attempt=attempt + 1,
                                 offline=True, message=text("offline"))
        try:
            st = await w(offline)
            return payment_out(st.row)
        except Problem as refusal:
            reason = (refusal.title, refusal.detail)
            fb = _fallback("cash", None, (text("all_down")[0], reason[1]))
            if last is None:
                raise Problem(refusal.status, refusal.code, refusal.title, refusal.detail,
                              extra={"fallback": fb}) from None
            out = await w(lambda tx: record_answer(tx, last.row.id, ProviderStatus.UNKNOWN,
                                                   fallback=fb, actor=actor))
            return payment_out(out.row)
    # A backup is one this request has not tried (nor found down): never the one that failed.
    backup = next((r.name for r in routes if r.name != tried and r.name in unreached
                   and engine.router.state(r.name).value != "open"), None)
    if backup:
        fb = _fallback(body.kind.value, backup, text("suggest", tried, backup))
    elif switch is not None and code_wallet is not None:
        fb = _fallback(switch[0], switch[1], text(
            "switch_qr" if switch[0] == Tender.WALLET_QR.value else "switch_card",
            code_wallet))
    else:
        fb = _fallback("cash", None, text("all_down"))
    if last is None:
        if switch is not None and code_wallet is not None:
            title = f"{d.WALLET_NAMES[code_wallet]} is not answering"
            detail = f"{fb['reason_en']}."
        else:
            title = "Payment providers are down"
            detail = ("Every provider for this tender is unavailable; take cash or stored "
                      "value.")
        raise Problem(503, "providers-unavailable", title, detail, extra={"fallback": fb})
    out = await w(lambda tx: record_answer(tx, last.row.id, ProviderStatus.UNKNOWN,
                                           fallback=fb, actor=actor))
    return payment_out(out.row)


REVERSED, REFUSED, NO_ANSWER = "reversed", "refused", "no_answer"


def record_reverse_refused(tx: Tx, payment_id: str, message: tuple[str, str],
                           actor: str | None = None) -> Any:
    """The provider said no to a reverse or cancel: flag the intent for a person, with its
    words. Idempotent: an intent flagged (or settled) already is left as it is."""
    row = get_row(tx.conn, tx.store_id, payment_id)
    decision = d.on_reverse_refused(IntentStatus(row.status))
    if decision.changed:
        tx.append(_stream(payment_id), "PaymentStatusChanged", {
            "payment_id": payment_id, "status": decision.status.value,
            "message_zh": message[0], "message_en": message[1]}, actor)
    return get_row(tx.conn, tx.store_id, payment_id)


async def reverse(node: Node, engine: Engine, payment_id: str,
                  actor: str | None = None) -> str:
    """Reverse an intent at its provider (money the bill cannot keep, a QR nobody scanned).

    ``reversed`` once the provider confirms nothing is kept; ``refused`` when it answered no
    (the intent is then ``needs_attention`` with the provider's words: it may still hold the
    money, so it is never recorded as reversed); ``no_answer`` when it could not be asked
    (try again later; the intent is left as it was)."""
    with node.engine.connect() as conn:
        row = get_row(conn, node.settings.store_id, payment_id)
    provider = engine.provider(row.provider)
    if provider is None:
        return NO_ANSWER
    try:
        method = d.METHOD_OF.get(Tender(row.tender))
        result = await call(engine, row.provider, provider.reverse(payment_id, method),
                            node.settings.payment_call_timeout_ms / 1000)
    except ProviderError as exc:
        if exc.kind is not FailureKind.DECLINED:
            return NO_ANSWER
        result = ProviderResult(ProviderStatus.FAILED, message=exc.message)
    if result.status is ProviderStatus.FAILED:
        words = text("reverse_refused", row.provider, detail=result.message)
        await node.writer.submit(lambda tx: record_reverse_refused(tx, payment_id, words,
                                                                   actor))
        log.warning("payments.reverse_refused", payment_id=payment_id,
                    provider=row.provider, said=result.message)
        return REFUSED
    if result.status not in (ProviderStatus.REVERSED, ProviderStatus.NOT_FOUND,
                             ProviderStatus.REFUNDED):
        return NO_ANSWER
    await node.writer.submit(lambda tx: record_answer(
        tx, payment_id, ProviderStatus.REVERSED, message=text("reversed"), actor=actor))
    return REVERSED
