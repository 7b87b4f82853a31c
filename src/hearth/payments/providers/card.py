"""Bank cards through an acquirer that speaks Stripe's API, with the official ``stripe`` SDK.

A card presented at the terminal is one ``POST /v1/payment_intents`` with ``confirm=true``;
the ``Idempotency-Key`` is our intent id, so a retried or resumed charge replays the first
answer instead of charging again, and the intent id also rides in ``metadata.hearth_intent``
so ``query`` can find a payment whose answer was lost (the search API). The SDK's own network
retries are off: the router decides when to try again or fail over. A reversal of a captured
card payment is a full refund (a succeeded PaymentIntent cannot be cancelled).
"""

from __future__ import annotations

import asyncio
from typing import Any

import stripe

from hearth.payments.providers.base import (
    CallbackEvent,
    ChargeRequest,
    FailureKind,
    ProviderError,
    ProviderResult,
    ProviderStatus,
    StatementEntry,
)
from hearth.payments.providers.common import (
    EmulatorKeySource,
    bill_of,
    check_currency,
    emulator_statement,
    transport_failure,
)

STATUS = {
    "succeeded": ProviderStatus.SUCCEEDED,
    "processing": ProviderStatus.PENDING,
    "requires_action": ProviderStatus.PENDING,
    "requires_confirmation": ProviderStatus.PENDING,
    "requires_capture": ProviderStatus.PENDING,
    "requires_payment_method": ProviderStatus.FAILED,
    "canceled": ProviderStatus.REVERSED,
}


class CardProvider:
    name = "card"
    methods = frozenset({"card"})
    wallets: frozenset[str] = frozenset()

    def __init__(
        self,
        *,
        api_base: str = "https://api.stripe.com",
        api_key: str = "",
        webhook_secret: str = "",
        timeout_s: float = 5.0,
        emulator_url: str = "",
        name: str = "card",
    ) -> None:
        self.name = name
        self.api_base = api_base.rstrip("/")
        self.timeout_s = timeout_s
        self.emulator_url = emulator_url
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._keys = (
            EmulatorKeySource(emulator_url)
            if emulator_url and not (api_key and webhook_secret)
            else None
        )
        # One client per event loop: the SDK's httpx pool must not outlive its loop.
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, stripe.StripeClient]] = {}

    async def _secrets(self) -> tuple[str, str]:
        if self._keys is not None:
            k = await self._keys.aget()
            return k["stripe_api_key"], k["stripe_webhook_secret"]
        return self._api_key, self._webhook_secret

    async def client(self) -> stripe.StripeClient:
        loop = asyncio.get_running_loop()
        held = self._clients.get(id(loop))
        if held is None or held[0] is not loop:
            api_key, _ = await self._secrets()
            client = stripe.StripeClient(
                api_key,
                base_addresses={"api": self.api_base},
                max_network_retries=0,
                http_client=stripe.HTTPXClient(timeout=self.timeout_s),
            )
            self._clients = {i: v for i, v in self._clients.items() if not v[0].is_closed()}
            self._clients[id(loop)] = (loop, client)
            return client
        return held[1]

    def _result(self, pi: Any, expect: int | None = None) -> ProviderResult:
        status = STATUS.get(str(pi["status"]), ProviderStatus.UNKNOWN)
        if status is ProviderStatus.SUCCEEDED and int(pi.get("amount_refunded") or 0) >= int(
            pi["amount"]
        ):
            status = ProviderStatus.REFUNDED
        amount = int(pi["amount"])
        if expect is not None and amount != expect:
            raise ProviderError(
                FailureKind.INVALID, f"card: amount {amount} does not match {expect}"
            )
        return ProviderResult(
            status,
            str(pi["id"]),
            amount,
            str(pi["currency"]).upper(),
            f"card: {pi['status']}",
            raw={"id": pi["id"]},
        )

    async def _run(self, op: str, coro: Any) -> Any:
        """Await an SDK call; answer a ProviderResult for failures that are not errors."""
        try:
            out = await coro
            return out.to_dict() if hasattr(out, "to_dict") else out
        except stripe.CardError as exc:
            return ProviderResult(
                ProviderStatus.FAILED,
                message=f"card: {exc.user_message}",
                raw={"code": exc.code or ""},
            )
        except stripe.APIConnectionError as exc:
            return transport_failure(op, "card", exc)
        except (
            stripe.AuthenticationError,
            stripe.IdempotencyError,
            stripe.SignatureVerificationError,
        ) as exc:
            raise ProviderError(FailureKind.INVALID, f"card: {exc.user_message}") from exc
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return ProviderResult(ProviderStatus.NOT_FOUND, message="card: not found")
            raise ProviderError(FailureKind.INVALID, f"card: {exc.user_message}") from exc
        except stripe.StripeError as exc:  # 5xx and anything the acquirer could not do
            if exc.http_status is not None and exc.http_status >= 500:
                raise ProviderError(
                    FailureKind.UNAVAILABLE, f"card: HTTP {exc.http_status}"
                ) from exc
            raise ProviderError(FailureKind.INVALID, f"card: {exc.user_message}") from exc
        except ValueError as exc:  # an answer that is not JSON (a proxy's error page)
            raise ProviderError(FailureKind.UNAVAILABLE, f"card: {exc}") from exc

    async def charge(self, req: ChargeRequest) -> ProviderResult:
        if req.method != "card":
            raise ProviderError(FailureKind.INVALID, f"card does not take {req.method}")
        check_currency(req.currency)
        client = await self.client()
        params: dict[str, Any] = {
            "amount": req.amount,
            "currency": req.currency.lower(),
            "confirm": True,
            "payment_method": req.auth_code or "pm_card_visa",
            "description": req.description or "Hearth",
            "metadata": {"hearth_intent": req.intent_id, "bill": bill_of(req.description)},
        }
        out = await self._run(
            "charge",
            client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": req.intent_id},
            ),
        )
        if isinstance(out, ProviderResult):
            return out
        return self._result(out, req.amount)

    async def _find(self, intent_id: str) -> Any:
        client = await self.client()
        return await self._run(
            "query",
            client.v1.payment_intents.search_async(
                {"query": f"metadata['hearth_intent']:'{intent_id}'"}
            ),
        )

    async def query(self, intent_id: str) -> ProviderResult:
        found = await self._find(intent_id)
        if isinstance(found, ProviderResult):
            return found
        if not found["data"]:
            return ProviderResult(ProviderStatus.NOT_FOUND, message="card: no such payment")
        return self._result(found["data"][0])

    async def refund(self, intent_id: str, refund_id: str, amount: int) -> ProviderResult:
        found = await self._find(intent_id)
        if isinstance(found, ProviderResult):
            return found
        if not found["data"]:
            return ProviderResult(ProviderStatus.NOT_FOUND, message="card: no such payment")
        client = await self.client()
        try:
            out = await self._run(
                "refund",
                client.v1.refunds.create_async(
                    {
                        "payment_intent": found["data"][0]["id"],
                        "amount": amount,
                        "metadata": {"refund_id": refund_id},
                    },
                    {"idempotency_key": refund_id},
                ),
            )
        except ProviderError as exc:  # refused (above what is left): same words as wallets
            if exc.kind is not FailureKind.INVALID:
                raise
            return ProviderResult(ProviderStatus.FAILED, message=exc.message)
        if isinstance(out, ProviderResult):
            return out
        return ProviderResult(
            ProviderStatus.REFUNDED,
            str(out["id"]),
            int(out["amount"]),
            str(out["currency"]).upper(),
            "card: refunded",
        )

    async def reverse(self, intent_id: str, method: str | None = None) -> ProviderResult:
        found = await self._find(intent_id)
        if isinstance(found, ProviderResult):
            return found
        if not found["data"]:
            return ProviderResult(ProviderStatus.NOT_FOUND, message="card: nothing to reverse")
        pi = found["data"][0]
        client = await self.client()
        if pi["status"] == "succeeded":
            left = int(pi["amount"]) - int(pi.get("amount_refunded") or 0)
            if left > 0:
                out = await self._run(
                    "reverse",
                    client.v1.refunds.create_async(
                        {
                            "payment_intent": pi["id"],
                            "amount": left,
                            "metadata": {"refund_id": f"{intent_id}-reversal"},
                        },
                        {"idempotency_key": f"{intent_id}-reversal"},
                    ),
                )
                if isinstance(out, ProviderResult):
                    return out
            return ProviderResult(
                ProviderStatus.REVERSED,
                str(pi["id"]),
                int(pi["amount"]),
                str(pi["currency"]).upper(),
                "card: refunded in full",
            )
        if pi["status"] == "canceled":
            return self._result(pi)
        out = await self._run("reverse", client.v1.payment_intents.cancel_async(pi["id"]))
        if isinstance(out, ProviderResult):
            return out
        return self._result(out)

    def verify_callback(self, headers: dict[str, str], body: bytes) -> CallbackEvent:
        """A webhook: ``Stripe-Signature`` HMAC checked by the SDK (5-minute tolerance)."""
        if self._keys is not None:
            secret = self._keys.get()["stripe_webhook_secret"]
        else:
            secret = self._webhook_secret
        sig = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        try:
            event = stripe.Webhook.construct_event(body.decode("utf-8"), sig, secret)
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise ProviderError(FailureKind.INVALID, f"card webhook: {exc}") from exc
        obj = event["data"]["object"]
        try:
            intent_id = str(obj["metadata"]["hearth_intent"])
            amount = int(obj["amount"])
            currency = check_currency(obj["currency"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(FailureKind.INVALID, "card webhook: bad shape") from exc
        if amount <= 0:
            raise ProviderError(FailureKind.INVALID, "card webhook: bad amount")
        status = {
            "payment_intent.succeeded": ProviderStatus.SUCCEEDED,
            "payment_intent.payment_failed": ProviderStatus.FAILED,
            "payment_intent.canceled": ProviderStatus.REVERSED,
            "charge.refunded": ProviderStatus.REFUNDED,
        }.get(str(event["type"]))
        if status is None:
            raise ProviderError(FailureKind.INVALID, f"card webhook: {event['type']} unused")
        return CallbackEvent(intent_id, status, str(obj["id"]), amount, currency, str(event["id"]))

    async def statement(self, since_ms: int, until_ms: int) -> list[StatementEntry]:
        return await emulator_statement(self.emulator_url, self.name, since_ms, until_ms)
