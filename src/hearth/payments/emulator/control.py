"""The emulator's own endpoints (``/_emulator/*``): faults, ledger, statement, keys, reset.

These are for tests, benchmarks and a person running the demo; no provider has them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from hearth.payments.emulator.state import EmulatorState


def router(state: EmulatorState) -> APIRouter:
    r = APIRouter(prefix="/_emulator")

    @r.post("/faults")
    async def set_faults(request: Request) -> dict[str, Any]:
        body = await request.json()
        specs = body.get("rules", [body]) if isinstance(body, dict) else body
        try:
            if isinstance(body, dict) and body.get("clear"):
                state.faults.reset()
            else:
                for spec in specs:
                    state.faults.add(spec)
        except (ValueError, TypeError, AttributeError) as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"rules": state.faults.listing()}

    @r.get("/faults")
    async def get_faults() -> dict[str, Any]:
        return {"rules": state.faults.listing()}

    @r.get("/ledger")
    async def ledger() -> dict[str, Any]:
        snap = state.ledger.snapshot()
        snap["callbacks_sent"] = state.callbacks_sent
        snap["callbacks_failed"] = state.callbacks_failed
        return snap

    @r.get("/statement")
    async def statement(
        provider: str | None = None, since_ms: int = 0, until_ms: int = 2**62
    ) -> dict[str, Any]:
        entries = state.ledger.statement(provider or None, since_ms, until_ms)
        return {"entries": [asdict(e) for e in entries]}

    @r.get("/keys")
    async def keys() -> dict[str, str]:
        return state.keys.to_dict()

    @r.post("/reset")
    async def reset(request: Request) -> dict[str, bool]:
        body: dict[str, Any] = {}
        if request.headers.get("content-length", "0") != "0":
            body = await request.json()
        state.reset(body.get("seed"))
        return {"ok": True}

    @r.post("/config")
    async def config(request: Request) -> dict[str, Any]:
        body = await request.json()
        if "stripe_webhook_url" in body:
            state.stripe_webhook_url = body["stripe_webhook_url"] or None
        if "qr_autopay_ms" in body:
            state.qr_autopay_ms = int(body["qr_autopay_ms"])
        return {
            "stripe_webhook_url": state.stripe_webhook_url,
            "qr_autopay_ms": state.qr_autopay_ms,
        }

    @r.post("/scan")
    async def scan(request: Request) -> dict[str, Any]:
        """A customer confirms (or refuses) a pending payment right now."""
        body = await request.json()
        t = state.ledger.get(str(body.get("provider")), str(body.get("intent_id")))
        if t is None:
            raise HTTPException(404, "no such trade")
        was = t.status
        if body.get("outcome", "pay") == "pay":
            state.ledger.capture(t)
        else:
            state.ledger.fail(t)
        notify = state.notifiers.get(t.provider)
        if t.status != was and notify is not None:
            notify(t)  # as the real provider does when the customer confirms or gives up
        return {"status": t.status}

    return r
