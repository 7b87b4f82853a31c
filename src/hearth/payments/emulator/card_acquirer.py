"""A card acquirer in Stripe's shape: ``/v1/payment_intents`` (create/confirm/retrieve/cancel/
search) and ``/v1/refunds``, form-encoded, ``Authorization: Bearer sk_...``, the
``Idempotency-Key`` header honoured (same key + same parameters = the first answer again; same
key + other parameters = 400), and webhooks signed with ``Stripe-Signature``.

A card present at the terminal confirms at once; ``payment_method=pm_card_chargeDeclined`` (or
the ``decline`` fault) is refused with a 402 ``card_error``.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hearth.payments.emulator.ledger import Trade
from hearth.payments.emulator.signing import random_id, stripe_signature_header
from hearth.payments.emulator.state import EmulatorState, cut, form_params

SEARCH = re.compile(r"""metadata\[['"]hearth_intent['"]\]\s*:\s*['"]([^'"]+)['"]""")


def router(state: EmulatorState) -> APIRouter:
    r = APIRouter()
    keys = state.keys
    ledger = state.ledger
    idem: dict[str, tuple[str, int, str]] = {}  # key -> (fingerprint, status, body)
    idem_lock = threading.Lock()

    def err(status: int, type_: str, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse(
            {"error": {"type": type_, "message": message, **extra}}, status_code=status
        )

    def pi(t: Trade) -> dict[str, Any]:
        status = {
            "pending": "requires_confirmation",
            "succeeded": "succeeded",
            "failed": "requires_payment_method",
            "closed": "canceled",
            "reversed": "succeeded",
        }.get(t.status, "canceled")
        return {
            "id": t.provider_ref,
            "object": "payment_intent",
            "amount": t.amount,
            "amount_received": t.amount if t.captured_ms is not None else 0,
            "amount_refunded": t.refunded if t.status != "reversed" else t.amount,
            "currency": t.currency.lower(),
            "status": status,
            "latest_charge": "ch_" + t.provider_ref[3:] if t.captured_ms else None,
            "metadata": {"hearth_intent": t.intent_id, "bill": t.bill},
            "description": t.bill,
            "created": t.created_ms // 1000,
            "livemode": False,
        }

    def webhook(t: Trade, type_: str) -> None:
        def make() -> tuple[dict[str, str], bytes]:
            payload = json.dumps(
                {
                    "id": random_id("evt_"),
                    "object": "event",
                    "type": type_,
                    "created": t.created_ms // 1000,
                    "data": {"object": pi(t)},
                },
                separators=(",", ":"),
            )
            return (
                {
                    "Content-Type": "application/json",
                    "Stripe-Signature": stripe_signature_header(
                        keys.stripe_webhook_secret, payload
                    ),
                },
                payload.encode(),
            )

        state.notify("card", state.stripe_webhook_url, make)

    async def authorised(request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {keys.stripe_api_key}"

    async def guarded(request: Request, op: str, work: Any) -> Response:
        if not await authorised(request):
            return err(401, "invalid_request_error", "Invalid API Key provided")
        form = await form_params(request)
        key = request.headers.get("idempotency-key")
        fingerprint = request.url.path + "?" + json.dumps(sorted(form.items()))
        if key and request.method == "POST":
            with idem_lock:
                seen = idem.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    return err(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                d = await state.before(request, "card", op)  # faults hit replays too
                if d.reject:
                    return _rejected(d.reject)
                return Response(
                    seen[2],
                    status_code=seen[1],
                    media_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
        d = await state.before(request, "card", op)
        if d.reject:
            return _rejected(d.reject)
        resp: JSONResponse = work(form, d.decline)
        if key and request.method == "POST" and resp.status_code < 500:
            with idem_lock:
                idem[key] = (fingerprint, resp.status_code, bytes(resp.body).decode())
        if d.lost_answer:
            cut(request)
        return resp

    def _rejected(reject: str) -> Response:
        if reject == "timeout":
            return Response(status_code=504)
        return err(503, "api_error", "The acquirer is temporarily unavailable.")

    def capture_or_decline(t: Trade, payment_method: str, decline: bool) -> JSONResponse:
        if decline or payment_method == "pm_card_chargeDeclined":
            ledger.fail(t)
            webhook(t, "payment_intent.payment_failed")
            return err(
                402,
                "card_error",
                "Your card was declined.",
                code="card_declined",
                decline_code="generic_decline",
                payment_intent=pi(t),
            )
        if ledger.capture(t):
            webhook(t, "payment_intent.succeeded")
        return JSONResponse(pi(t))

    @r.post("/v1/payment_intents", include_in_schema=False)
    async def create(request: Request) -> Response:
        def work(form: dict[str, str], decline: bool) -> JSONResponse:
            try:
                amount = int(form.get("amount", ""))
            except ValueError:
                return err(400, "invalid_request_error", "Invalid integer: amount", param="amount")
            currency = form.get("currency", "").upper()
            if amount <= 0 or len(currency) != 3:
                return err(
                    400, "invalid_request_error", "Invalid amount or currency", param="amount"
                )
            intent_id = (
                form.get("metadata[hearth_intent]")
                or request.headers.get("idempotency-key")
                or random_id("anon_")
            )
            bill = form.get("metadata[bill]") or form.get("description", "")
            t, created = ledger.open_trade(
                Trade("card", intent_id, bill, amount, currency, "card", random_id("pi_"))
            )
            if not created:
                if t.amount != amount or t.currency != currency:
                    return err(
                        400,
                        "invalid_request_error",
                        "This intent was already created with another amount.",
                    )
                return JSONResponse(pi(t))
            if form.get("confirm") == "true":
                return capture_or_decline(t, form.get("payment_method", ""), decline)
            return JSONResponse(pi(t))

        return await guarded(request, "charge", work)

    @r.post("/v1/payment_intents/{pi_id}/confirm", include_in_schema=False)
    async def confirm(request: Request, pi_id: str) -> Response:
        def work(form: dict[str, str], decline: bool) -> JSONResponse:
            t = ledger.by_provider_ref(pi_id)
            if t is None or t.provider != "card":
                return err(404, "invalid_request_error", f"No such payment_intent: '{pi_id}'")
            if t.status != "pending":
                return JSONResponse(pi(t))
            return capture_or_decline(t, form.get("payment_method", ""), decline)

        return await guarded(request, "charge", work)

    @r.get("/v1/payment_intents/search", include_in_schema=False)
    async def search(request: Request) -> Response:
        def work(form: dict[str, str], decline: bool) -> JSONResponse:
            m = SEARCH.search(request.query_params.get("query", ""))
            if m is None:
                return err(
                    400,
                    "invalid_request_error",
                    "Only metadata['hearth_intent'] searches are emulated",
                )
            t = ledger.get("card", m.group(1))
            return JSONResponse(
                {
                    "object": "search_result",
                    "url": "/v1/payment_intents/search",
                    "has_more": False,
                    "data": [pi(t)] if t else [],
                }
            )

        return await guarded(request, "query", work)

    @r.get("/v1/payment_intents/{pi_id}", include_in_schema=False)
    async def retrieve(request: Request, pi_id: str) -> Response:
        def work(form: dict[str, str], decline: bool) -> JSONResponse:
            t = ledger.by_provider_ref(pi_id)
            if t is None or t.provider != "card":
                return err(404, "invalid_request_error", f"No such payment_intent: '{pi_id}'")
            return JSONResponse(pi(t))

        return await guarded(request, "query", work)

    @r.post("/v1/payment_intents/{pi_id}/cancel", include_in_schema=False)
    async def cancel(request: Request, pi_id: str) -> Response:
        def work(form: dict[str, str], decline: bool) -> JSONResponse:
            t = ledger.by_provider_ref(pi_id)
            if t is None or t.provider != "card":
                return err(404, "invalid_request_error", f"No such payment_intent: '{pi_id}'")
            if t.status == "succeeded":
                return err(
                    400,
                    "invalid_request_error",
                    "You cannot cancel this PaymentIntent because it has a status of succeeded.",
                    code="payment_intent_unexpected_state",
                )
            ledger.reverse(t)
            webhook(t, "payment_intent.canceled")
            return JSONResponse(pi(t))

        return await guarded(request, "reverse", work)

    @r.post("/v1/refunds", include_in_schema=False)
    async def refund(request: Request) -> Response:
        def work(form: dict[str, str], decline: bool) -> JSONResponse:
            t = ledger.by_provider_ref(form.get("payment_intent", ""))
            if t is None or t.provider != "card":
                return err(
                    404, "invalid_request_error", "No such payment_intent", param="payment_intent"
                )
            try:
                amount = int(form.get("amount") or (t.amount - t.refunded))
            except ValueError:
                return err(400, "invalid_request_error", "Invalid integer: amount", param="amount")
            refund_id = (
                form.get("metadata[refund_id]")
                or request.headers.get("idempotency-key")
                or random_id("rf_")
            )
            outcome = ledger.refund(t, refund_id, amount)
            if outcome == "too_much":
                return err(
                    400,
                    "invalid_request_error",
                    f"Refund amount ({amount}) is greater than unrefunded amount on "
                    f"charge ({t.amount - t.refunded})",
                    code="amount_too_large",
                )
            if outcome == "not_paid":
                return err(
                    400,
                    "invalid_request_error",
                    "This PaymentIntent has no charge.",
                    code="charge_not_captured",
                )
            if outcome == "ok":
                webhook(t, "charge.refunded")
            return JSONResponse(
                {
                    "id": "re_" + refund_id,
                    "object": "refund",
                    "amount": t.refunds.get(refund_id, amount),
                    "currency": t.currency.lower(),
                    "status": "succeeded",
                    "payment_intent": t.provider_ref,
                    "metadata": {"refund_id": refund_id},
                }
            )

        return await guarded(request, "refund", work)

    return r
