"""What one emulator holds: keys, ledger, faults, and the machinery to misbehave on purpose
(holding requests, cutting connections after the work is done, sending callbacks twice or late).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.payments.emulator.faults import Decision, Faults
from hearth.payments.emulator.ledger import Ledger
from hearth.payments.emulator.signing import EmulatorKeys

CUT = "emulator.cut"

# (headers, body) of one callback delivery
Delivery = tuple[dict[str, str], bytes]


@dataclass
class EmulatorState:
    keys: EmulatorKeys
    ledger: Ledger = field(default_factory=Ledger)
    faults: Faults = field(default_factory=Faults)
    stripe_webhook_url: str | None = None
    qr_autopay_ms: int = 300  # a customer scanning the merchant QR pays after this long
    callbacks_sent: int = 0
    callbacks_failed: int = 0
    # provider -> how it notifies the store of a trade's new state (set by each gateway)
    notifiers: dict[str, Callable[[Any], None]] = field(default_factory=dict)
    _client: httpx.AsyncClient | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def reset(self, seed: int | None = None) -> None:
        self.ledger.reset()
        self.faults.reset(seed)
        self.callbacks_sent = self.callbacks_failed = 0

    # --- faults -----------------------------------------------------------------------------

    async def before(self, request: Request, provider: str, op: str) -> Decision:
        """Apply slow/timeout faults; the caller answers ``reject`` in the provider's shape."""
        d = self.faults.decide(provider, op)
        for m in d.modes:
            self.ledger.count_fault(provider, m)
        if d.delay_s:
            await asyncio.sleep(d.delay_s)
        if d.reject == "timeout":
            await asyncio.sleep(d.hold_s)
            cut(request)
        return d

    # --- background work --------------------------------------------------------------------

    def spawn(self, coro: Awaitable[None]) -> None:
        async def run() -> None:
            with contextlib.suppress(Exception):
                await coro

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def later(self, delay_s: float, fn: Callable[[], None]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay_s)
            fn()

        self.spawn(run())

    def notify(
        self,
        provider: str,
        url: str | None,
        final: Callable[[], Delivery],
        stale: Callable[[], Delivery] | None = None,
    ) -> None:
        """Send an async notification the way the provider would: retried until acknowledged,
        and, when told to, duplicated or out of order."""
        if not url:
            return
        modes = self.faults.callback_modes(provider)
        copies = 1
        if "duplicate_callbacks" in modes:
            copies = 2 + int(self.faults.jitter(2.0))
            self.ledger.count_fault(provider, "duplicate_callbacks")
        ooo = "out_of_order_callbacks" in modes
        if ooo:
            self.ledger.count_fault(provider, "out_of_order_callbacks")
        delivery = final()  # copies are the same notification (same id), as retries are
        for _ in range(copies):
            delay = self.faults.jitter(0.4) if ooo else 0.0
            self.spawn(self._deliver(provider, url, delivery, delay))
        if ooo and stale is not None:
            self.spawn(self._deliver(provider, url, stale(), 0.8))  # after every copy of the final

    async def _deliver(self, provider: str, url: str, delivery: Delivery, delay_s: float) -> None:
        """Deliver until acknowledged as the provider's protocol requires: Alipay stops only
        on the plain text ``success``, WeChat Pay and card acquirers on any 2xx."""
        if delay_s:
            await asyncio.sleep(delay_s)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=5.0)
        headers, body = delivery
        for attempt in range(3):  # bounded, like the providers' own retry schedules
            try:
                r = await self._client.post(url, content=body, headers=headers)
                if r.status_code < 300 and (provider != "alipay" or r.text == "success"):
                    self.callbacks_sent += 1
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2 * (attempt + 1))
        self.callbacks_failed += 1

    async def aclose(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def cut(request: Request) -> None:
    """Mark the request so the middleware drops the answer and cuts the connection."""
    request.scope[CUT] = True


class CutConnectionMiddleware:
    """Lets a route do its work and then lose the answer, like a connection that dies on the
    way back. Aborts the socket through uvicorn's transport; without one (an in-process test
    client) it answers 502 so the caller still sees no usable answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[CUT] = False

        async def guarded(message: Message) -> None:
            if not scope.get(CUT):
                await send(message)

        await self.app(scope, receive, guarded)
        if not scope.get(CUT):
            return
        transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()
            await asyncio.sleep(0.01)  # let uvicorn see the disconnect before it answers
            return
        await send({"type": "http.response.start", "status": 502, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def form_params(request: Request) -> dict[str, str]:
    """A urlencoded body as a dict (no multipart: none of the emulated APIs use it)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen(yuan_text: str) -> int:
    """'12.30' -> 1230. Raises ValueError for anything that is not a money amount."""
    try:
        d = Decimal(yuan_text)
    except InvalidOperation as exc:
        raise ValueError(f"bad amount {yuan_text!r}") from exc
    if d != d.quantize(Decimal("0.01")) or d <= 0:
        raise ValueError(f"bad amount {yuan_text!r}")
    return int((d * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
