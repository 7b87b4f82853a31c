"""Payment use cases: take a tender, and read the bill's payments.

A provider is never called inside a writer transaction: ``take_payment`` records the intent
(tx1, ``pending``), awaits the provider outside, then records the outcome (tx2). A crash between
the two leaves a pending intent that ``settle.py`` resolves by querying the provider — never by
charging again. The intent id is the provider's idempotency key on every call. Where a tender
goes when a provider does not take it is decided in ``failover.py``; this module carries the
decision out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.db import select_rows
from hearth.core.errors import Problem, not_found
from hearth.core.ids import new_id
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.payments import accounts, failover
from hearth.payments import domain as d
from hearth.payments.domain import IntentStatus, Tender
from hearth.payments.errors import PaymentsError
from hearth.payments.intents import (
    CLOSED_ORDER,
    Recorded,
    current_shift_id,
    get_row,
    lines,
    order_of,
    order_rows,
    outstanding_offline,
    payment_out,
    record_answer,
    settle_order,
    stream,
)
from hearth.payments.messages import text
from hearth.payments.provider_routing import BreakerState
from hearth.payments.providers.base import (
    ChargeRequest,
    FailureKind,
    ProviderError,
    ProviderStatus,
)
from hearth.payments.reversal import reverse
from hearth.payments.runtime import PaymentsRuntime, payments_of
from hearth.payments.schemas import TenderIn
from hearth.payments.tables import payments, stored_value_accounts
from hearth.store.domain import ROUNDING_STEP_FEN
from hearth.store.service import current as store_settings


# -- reads --------------------------------------------------------------------------------------
def order_payments(conn: Connection, store_id: str, order_id: str) -> dict[str, Any]:
    """``GET /api/orders/{id}/payments``: the bill and every payment on it."""
    order = order_of(conn, store_id, order_id)
    rows = order_rows(conn, store_id, order_id)
    b = d.bill(order.totals().total, lines(rows))
    return {
        "order_id": order_id,
        "total": b.total,
        "paid": b.paid,
        "tips": b.tips,
        "due": b.due,
        "pending": b.pending,
        "status": order.status.value,
        "currency": order.currency,
        "payments": [payment_out(r) for r in rows],
    }


def payments_for_receipt(conn: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """What a receipt prints: every payment that took or gave back money."""
    result = []
    for r in order_rows(conn, store_id, order_id):
        if r.status not in ("succeeded", "refunded"):
            continue
        result.append(
            {
                "tender": r.tender,
                "provider": r.provider,
                "amount": r.amount,
                "tip": r.tip,
                "change_due": r.change_due,
                "status": r.status,
                "tendered": r.tendered,
                "rounding": r.rounding,
                "refunded": r.refunded,
                "offline": r.offline,
            }
        )
    return result


def cash_rounding_unit(conn: Connection, store_id: str, settings: Any) -> int:
    """The smallest coin cash is rounded to: the store's own cash rounding (the admin page's
    抹零 setting) once the store has saved its settings, else the node's
    ``payment_cash_rounding_unit``."""
    store, version = store_settings(conn, store_id)
    if version > 0:
        return ROUNDING_STEP_FEN[store.cash_rounding]
    return int(settings.payment_cash_rounding_unit)


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
        raise PaymentsError.IDEMPOTENCY_KEY_REUSED.problem(
            "This Idempotency-Key was used for a different payment. Send a new key "
            "for a new payment; reuse a key only to retry the same one.",
            field="Idempotency-Key",
        )
    return tx.conn.execute(
        sa.select(payments)
        .where(payments.c.root_id == first.id)
        .order_by(payments.c.attempt.desc())
        .limit(1)
    ).first()


def _check_account(tx: Tx, account_id: str | None, need: int) -> None:
    if not account_id:
        raise PaymentsError.ACCOUNT_MISSING.problem(
            "Give the stored-value account.", field="account_id"
        )
    row = tx.conn.execute(
        sa.select(stored_value_accounts)
        .where(stored_value_accounts.c.id == account_id)
        .where(stored_value_accounts.c.store_id == tx.store_id)
    ).first()
    if row is None:
        raise not_found(PaymentsError.ACCOUNT_NOT_FOUND, account_id)
    if row.balance < need:
        raise PaymentsError.BALANCE_TOO_LOW.problem(
            f"The account holds {row.balance}; this needs {need}."
        )


def start_payment(
    tx: Tx,
    *,
    order_id: str,
    body: TenderIn,
    actor: str | None,
    key: str,
    fp: str,
    settings: Any,
    provider: str | None = None,
    root_id: str | None = None,
    attempt: int = 1,
    offline: bool = False,
    message: tuple[str, str] | None = None,
    fallback: dict[str, Any] | None = None,
) -> Started:
    """Record a payment: local tenders complete here; provider tenders start ``pending``."""
    request_key = key if attempt == 1 else f"{key}#{attempt}"
    if attempt == 1:
        seen = _replay(tx, key, fp)
        if seen is not None:
            return Started(seen, True)
    order = order_of(tx.conn, tx.store_id, order_id)
    rows = order_rows(tx.conn, tx.store_id, order_id)
    chain = {r.id for r in rows if root_id and r.root_id == root_id}
    b = d.bill(order.totals().total, lines([r for r in rows if r.id not in chain]))
    d.check_new_payment(b, body.amount, body.tip, closed=order.status in CLOSED_ORDER)
    payment_id = new_id()
    tender = body.kind
    status, rounding, tendered, change = IntentStatus.PENDING, 0, None, 0
    shift_id = None
    wallet: str | None = body.wallet
    if tender is Tender.WALLET_SCAN:  # the code says whose it is
        wallet = d.check_payment_code(body.auth_code, body.wallet)
    if tender is Tender.CASH:
        cash = d.take_cash(
            body.amount,
            body.tip,
            body.tendered,
            unit=cash_rounding_unit(tx.conn, tx.store_id, settings),
            settles_bill=body.amount == b.due,
        )
        status, rounding = IntentStatus.SUCCEEDED, cash.rounding
        tendered, change = cash.tendered, cash.change_due
        shift_id = current_shift_id(tx.conn, tx.store_id)
        message = text("cash", amount=change)
    elif tender is Tender.STORED_VALUE:
        need = body.amount + body.tip
        _check_account(tx, body.account_id, need)
        accounts.check_charge(tx, str(body.account_id), need, settings)
        tx.append(
            f"account:{body.account_id}",
            "StoredValueChanged",
            {
                "account_id": body.account_id,
                "delta": -need,
                "reason": "charge",
                "payment_id": payment_id,
            },
            actor,
        )
        status, message = IntentStatus.SUCCEEDED, text("stored_value")
    elif tender is Tender.PLATFORM:
        status, message = IntentStatus.SUCCEEDED, text("platform")
    elif offline:
        status = IntentStatus.SUCCEEDED
    message = message or text("pending", provider)
    tx.append(
        stream(payment_id),
        "PaymentStarted",
        {
            "payment_id": payment_id,
            "order_id": order_id,
            "tender": tender.value,
            "provider": provider,
            "wallet": wallet,
            "account_id": body.account_id,
            "amount": body.amount,
            "tip": body.tip,
            "rounding": rounding,
            "tendered": tendered,
            "change_due": change,
            "currency": order.currency,
            "status": status.value,
            "offline": offline,
            "forward_state": "queued" if offline else None,
            "provider_ref": None,
            "qr_content": None,
            "message_zh": message[0],
            "message_en": message[1],
            "fallback": fallback,
            "request_key": request_key,
            "request_fp": fp,
            "root_id": root_id or payment_id,
            "attempt": attempt,
            "shift_id": shift_id,
            # Kept only in the journal: an offline wallet scan is forwarded with the code later.
            "auth_code": body.auth_code if offline else None,
        },
        actor,
    )
    if status is IntentStatus.SUCCEEDED:
        settle_order(tx, order_id, actor)
    return Started(get_row(tx.conn, tx.store_id, payment_id), False)


# -- taking a tender ----------------------------------------------------------------------------
async def take_payment(
    node: Node, order_id: str, body: TenderIn, *, actor: str | None, idempotency_key: str
) -> dict[str, Any]:
    """Take one tender on an order; the answer is the PaymentOut of the contract.

    Local tenders (cash, stored value, platform) complete in one transaction. A provider
    tender is a chain of attempts, one intent each, that ``failover.decide`` steers: it says
    which provider to call next, when the last answer stands, when to take the payment
    offline and what to offer the cashier when nothing took it. This function only carries
    that out, so the rules can be read (and tested) in one place.
    """
    fp = fingerprint(order_id, body)
    started = await node.writer.submit(
        partial(
            _begin,
            order_id=order_id,
            body=body,
            actor=actor,
            key=idempotency_key,
            fp=fp,
            settings=node.settings,
        )
    )
    if started.row is not None:
        return payment_out(started.row)
    chain = _Chain(node, payments_of(node), order_id, body, actor, idempotency_key, fp)
    while True:
        decision = failover.decide(chain.attempt())
        if isinstance(decision, failover.TryProvider):
            answered = await chain.charge(decision)
            if answered is not None:
                return answered
        elif isinstance(decision, failover.Done):
            assert chain.last is not None  # Done follows an attempt
            return payment_out(chain.last)
        elif isinstance(decision, failover.GoOffline):
            return await chain.take_offline(decision)
        else:
            return await chain.give_up(decision)


def _begin(
    tx: Tx, *, order_id: str, body: TenderIn, actor: str | None, key: str, fp: str, settings: Any
) -> Started:
    """Take a local tender outright; for a provider tender only replay a retried request or
    check the bill, before any provider is chosen or called (``row`` is None then)."""
    if body.kind not in d.PROVIDER_TENDERS:
        return start_payment(
            tx, order_id=order_id, body=body, actor=actor, key=key, fp=fp, settings=settings
        )
    seen = _replay(tx, key, fp)
    if seen is not None:
        return Started(seen, True)
    order = order_of(tx.conn, tx.store_id, order_id)
    b = d.bill(order.totals().total, lines(order_rows(tx.conn, tx.store_id, order_id)))
    d.check_new_payment(b, body.amount, body.tip, closed=order.status in CLOSED_ORDER)
    if body.kind is Tender.WALLET_SCAN:
        d.check_payment_code(body.auth_code, body.wallet)
    return Started(None, False)


@dataclass
class _Chain:
    """One provider tender request: the attempts made so far and what they left behind."""

    node: Node
    runtime: PaymentsRuntime
    order_id: str
    body: TenderIn
    actor: str | None
    key: str
    fp: str
    routes: list[str] = field(init=False)  # the providers for this tender, in the store's order
    code_wallet: str | None = field(init=False)
    deadline: float = field(init=False)
    tried: list[failover.Tried] = field(default_factory=list)
    root: str | None = None  # the first intent: every attempt of the chain points to it
    last: Any = None  # the row of the latest attempt, as last recorded

    def __post_init__(self) -> None:
        s, runtime = self.node.settings, self.runtime
        self.routes = [
            r.name
            for r in runtime.routing.candidates(self.body.kind.value, prefer=self.body.wallet)
            if runtime.provider(r.name) is not None
        ]
        self.code_wallet = (
            d.check_payment_code(self.body.auth_code, self.body.wallet)
            if self.body.kind is Tender.WALLET_SCAN
            else None
        )
        self.deadline = self.node.clock.monotonic() + s.payment_budget_ms / 1000

    def attempt(self) -> failover.Attempt:
        """The situation as the decision sees it, breakers read now."""
        s, routing = self.node.settings, self.runtime.routing
        others: tuple[tuple[Tender, str], ...] = ()
        if self.code_wallet is not None:
            others = tuple(
                (t, r.name)
                for t in failover.SWITCH_TO
                for r in routing.candidates(t.value)
                if routing.presumed_up(r.name)
            )
        offline = {t.strip() for t in s.payment_offline_tenders.split(",")}
        return failover.Attempt(
            tender=self.body.kind,
            candidates=tuple(
                failover.Candidate(
                    name,
                    admits=routing.admits(name),
                    open=routing.state(name) is BreakerState.OPEN,
                    wallets=self.runtime.wallets_of(name),
                )
                for name in self.routes
            ),
            tried=tuple(self.tried),
            budget_left_ms=(self.deadline - self.node.clock.monotonic()) * 1000,
            auto_failover=s.payment_auto_failover,
            code_wallet=self.code_wallet,
            other_methods=others,
            offline_allowed=self.body.kind.value in offline,
        )

    async def charge(self, decision: failover.TryProvider) -> dict[str, Any] | None:
        """Record a new intent, charge it at the provider the decision chose, record the
        answer. Returns an answer only when the request ends outside the decision (a replay,
        or the bill settled meanwhile by an earlier attempt that turned out captured)."""
        node, s, body, name = self.node, self.node.settings, self.body, decision.provider
        self.runtime.routing.allow(name)  # claims the trial call of a half-open breaker
        try:
            st = await node.writer.submit(
                partial(
                    start_payment,
                    order_id=self.order_id,
                    body=body,
                    actor=self.actor,
                    key=self.key,
                    fp=self.fp,
                    settings=s,
                    provider=name,
                    root_id=self.root,
                    attempt=len(self.tried) + 1,
                    message=decision.note,
                )
            )
        except Problem:
            if self.last is None:
                raise
            with node.engine.connect() as conn:
                return payment_out(get_row(conn, s.store_id, self.last.id))
        if st.replayed:
            return payment_out(st.row)
        self.root = self.root or st.row.id
        pid = st.row.id
        provider = self.runtime.provider(name)
        assert provider is not None  # the routes are the providers this node has
        req = ChargeRequest(
            pid,
            body.amount + body.tip,
            st.row.currency,
            d.METHOD_OF[body.kind],
            description=f"order {self.order_id}",
            auth_code=body.auth_code,
        )
        timeout = min(s.payment_call_timeout_ms / 1000, self.deadline - node.clock.monotonic())
        try:
            result = await self.runtime.call(name, provider.charge(req), timeout)
        except ProviderError as exc:
            outcome = failover.outcome_of_error(exc.kind)
            if outcome is failover.Outcome.DECLINED:
                key = "declined" if exc.kind is FailureKind.DECLINED else "invalid"
                out = await self._record(pid, ProviderStatus.FAILED, message=text(key, name))
            elif outcome is failover.Outcome.DOWN:
                # Refused or a 5xx: the adapters guarantee nothing was done.
                out = await self._record(pid, ProviderStatus.FAILED, message=text("down", name))
            else:
                # A timeout: the intent may or may not be captured. It stays unknown and is
                # settled later by query (then reverse); the bill does not wait for it.
                out = await self._record(pid, ProviderStatus.UNKNOWN, message=text("unknown", name))
            self._tried(name, outcome, out.row)
            return None
        outcome = failover.outcome_of_answer(result.status)
        if result.status is ProviderStatus.SUCCEEDED:
            note = decision.note if decision.switched else text("succeeded", name)
            out = await self._record(pid, ProviderStatus.SUCCEEDED, result=result, message=note)
            row = out.row
            if out.reverse:  # the bill was settled meanwhile: give this one back
                await reverse(node, self.runtime, pid)
                with node.engine.connect() as conn:
                    row = get_row(conn, s.store_id, pid)
            self._tried(name, outcome, row)
        elif result.status is ProviderStatus.PENDING:
            note = text("qr", name) if result.qr_content else text("pending", name)
            if decision.switched:
                note = (decision.note[0] + "；" + note[0], decision.note[1] + "; " + note[1])
            out = await self._record(
                pid,
                ProviderStatus.PENDING,
                result=result,
                message=note,
                extra={"qr_content": result.qr_content} if result.qr_content else None,
            )
            self._tried(name, outcome, out.row)
        elif result.status is ProviderStatus.UNKNOWN:
            out = await self._record(pid, ProviderStatus.UNKNOWN, message=text("unknown", name))
            self._tried(name, outcome, out.row)
        else:
            out = await self._record(
                pid, ProviderStatus.FAILED, result=result, message=text("declined", name)
            )
            self._tried(name, outcome, out.row)
        return None

    async def take_offline(self, decision: failover.GoOffline) -> dict[str, Any]:
        """Every provider is down: accept the payment on trust, within the store's risk
        limits, to be forwarded later; past the limits the cashier is sent to cash."""
        node, s, body = self.node, self.node.settings, self.body

        def offline(tx: Tx) -> Started:
            refusal = d.offline_refusal(
                d.OfflineLimits.of(s),
                body.amount + body.tip,
                outstanding_offline(tx.conn, tx.store_id),
            )
            if refusal is not None:
                raise refusal
            return start_payment(
                tx,
                order_id=self.order_id,
                body=body,
                actor=self.actor,
                key=self.key,
                fp=self.fp,
                settings=s,
                provider=decision.provider,
                root_id=self.root,
                attempt=len(self.tried) + 1,
                offline=True,
                message=text("offline"),
            )

        try:
            st = await node.writer.submit(offline)
            return payment_out(st.row)
        except Problem as refusal:
            fallback = failover.Fallback("cash", None, (text("all_down")[0], refusal.detail))
            if self.last is None:
                raise Problem(
                    refusal.status,
                    refusal.code,
                    refusal.title,
                    refusal.detail,
                    extra={"fallback": fallback.to_json()},
                    title_zh=refusal.title_zh,
                ) from None
            return await self._leave_unknown(fallback)

    async def give_up(self, decision: failover.GiveUp) -> dict[str, Any]:
        """Nothing took the payment: tell the cashier what to do instead. With an attempt made,
        the answer is that attempt (left unknown, with the advice); without, a problem."""
        fallback, wallet = decision.fallback, self.code_wallet
        extra = {"fallback": fallback.to_json()}
        if decision.stop is failover.Stop.NO_PROVIDER:
            raise PaymentsError.NO_PROVIDER.problem(
                "No provider is set up for this tender; take cash or stored value.", extra=extra
            )
        if decision.stop is failover.Stop.WALLET_NOT_HERE and wallet is not None:
            raise PaymentsError.WALLET_NOT_TAKEN.problem(
                f"No provider here takes {d.WALLET_NAMES[wallet]} payment "
                "codes; show our QR (any wallet can scan it), or take card or cash.",
                extra=extra,
            )
        if self.last is not None:
            return await self._leave_unknown(fallback)
        if decision.wallet_down and wallet is not None:
            raise PaymentsError.WALLET_NOT_ANSWERING.problem(
                f"{fallback.reason[1]}.", extra=extra, wallet=d.WALLET_NAMES[wallet]
            )
        raise PaymentsError.PROVIDERS_UNAVAILABLE.problem(
            "Every provider for this tender is unavailable; take cash or stored value.", extra=extra
        )

    def _tried(self, name: str, outcome: failover.Outcome, row: Any) -> None:
        self.tried.append(failover.Tried(name, outcome))
        self.last = row

    async def _record(self, payment_id: str, answer: ProviderStatus, **kw: Any) -> Recorded:
        return await self.node.writer.submit(
            lambda tx: record_answer(tx, payment_id, answer, actor=self.actor, **kw)
        )

    async def _leave_unknown(self, fallback: failover.Fallback) -> dict[str, Any]:
        """Answer with the latest attempt and what to do instead. Recorded as ``unknown``
        changes nothing the provider said: a failed attempt stays failed."""
        out = await self._record(self.last.id, ProviderStatus.UNKNOWN, fallback=fallback.to_json())
        return payment_out(out.row)
