"""Sends the queued status callbacks to the platforms: real HTTP, retries with backoff.

The outbox row is marked sent only after the platform said OK, so a crash or a refused call
means a resend, never a loss; the platform drops a resend by our ``event_id``. Failed tries are
counted in memory (not journaled: an hour-long platform outage would otherwise fill the journal)
and the backoff doubles up to a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from hearth.channels.delivery import domain as d
from hearth.channels.delivery import service
from hearth.channels.delivery.domain import Platform
from hearth.channels.delivery.platforms import douyin, meituan
from hearth.channels.delivery.service import DeliveryConfig
from hearth.core.journal import Event
from hearth.core.node import Node
from hearth.payments.schemas import TenderIn
from hearth.payments.service import take_payment

log = structlog.get_logger(__name__)


def signed_request(
    platform: Platform, cfg: DeliveryConfig, payload: dict[str, Any], now_s: int
) -> dict[str, Any]:
    """httpx keyword arguments for one callback, signed the platform's way."""
    if platform is Platform.MEITUAN:
        params = {k: str(v) for k, v in payload.items()}
        params |= {"app_id": cfg.app_ids[platform], "timestamp": str(now_s)}
        return {"data": meituan.signed(params, cfg.secrets[platform])}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return {
        "content": body,
        "headers": douyin.headers(cfg.app_ids[platform], str(now_s), body, cfg.secrets[platform]),
    }


def platform_took_it(platform: Platform, response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    if platform is Platform.MEITUAN:
        return isinstance(body, dict) and str(body.get("data", "")).lower() == "ok"
    return isinstance(body, dict) and body.get("err_no") == 0


@dataclass
class CallbackSender:
    node: Node
    cfg: DeliveryConfig
    client: httpx.AsyncClient | None = None
    attempts: dict[str, int] = field(default_factory=dict)
    next_at: dict[str, float] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)

    async def run_once(self) -> int:
        """Try every due callback once; returns how many the platforms took."""
        rows = await asyncio.to_thread(self._queued)
        now = self.node.clock.monotonic()
        # One order's callbacks go in order (accepted before ready): only its oldest queued
        # one is tried; the others wait behind it.
        first: dict[str, Any] = {}
        for r in rows:
            first.setdefault(r.delivery_id, r)
        due = [
            r
            for r in first.values()
            if self.next_at.get(r.id, 0.0) <= now
            and self.cfg.callback_urls.get(Platform(r.platform))
        ]
        if not due:
            return 0
        results = await asyncio.gather(*(self._send(r) for r in due))
        return sum(results)

    def _queued(self) -> list[Any]:
        with self.node.engine.connect() as conn:
            return service.queued_callbacks(conn, self.node.settings.store_id)

    async def _send(self, row: Any) -> int:
        platform = Platform(row.platform)
        tries = self.attempts.get(row.id, 0) + 1
        self.attempts[row.id] = tries
        try:
            client = self.client or httpx.AsyncClient(timeout=5.0)
            try:
                response = await client.post(
                    self.cfg.callback_urls[platform],
                    **signed_request(platform, self.cfg, row.payload, self.node.now_ms() // 1000),
                )
            finally:
                if self.client is None:
                    await client.aclose()
            ok = platform_took_it(platform, response)
            error = "" if ok else f"HTTP {response.status_code}: {response.text[:120]}"
        except httpx.HTTPError as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            self.last_error[row.id] = error
            self.next_at[row.id] = self.node.clock.monotonic() + d.callback_backoff_s(tries)
            log.warning(
                "delivery.callback_failed",
                platform=platform.value,
                id=row.id,
                attempt=tries,
                error=error,
            )
            return 0
        await self.node.writer.submit(
            lambda tx: service.mark_sent(tx, row.id, row.delivery_id, tries)
        )
        for book in (self.attempts, self.next_at, self.last_error):
            book.pop(row.id, None)
        return 1


class Ticker:
    """The module's background work: accept timeouts and the callback outbox, on one loop that
    wakes at once when a callback is queued and otherwise every ``delivery_tick_s``."""

    def __init__(self, node: Node, cfg: DeliveryConfig) -> None:
        self.node = node
        self.cfg = cfg
        self.sender = CallbackSender(node, cfg)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def _on_commit(self, events: list[Event]) -> None:
        if self._loop is not None and any(e.type == "DeliveryCallbackQueued" for e in events):
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.node.writer.listeners.append(self._on_commit)
        self._task = asyncio.create_task(self._run(), name="delivery-ticker")

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.node.writer.listeners.remove(self._on_commit)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def tick(self) -> int:
        """One round: reject overdue orders, try due callbacks; returns callbacks sent."""
        now_ms = self.node.now_ms()
        store = self.node.settings.store_id

        def overdue() -> int:
            with self.node.engine.connect() as conn:
                return service.overdue_count(conn, store, now_ms)

        if await asyncio.to_thread(overdue):
            await self.node.writer.submit(lambda tx: service.reject_overdue(tx, self.cfg, now_ms))
        await self.settle_ready()
        return await self.sender.run_once()

    async def settle_ready(self) -> None:
        """Record the platform's payment (the ``platform`` tender) on finished orders."""

        def unpaid() -> list[Any]:
            with self.node.engine.connect() as conn:
                return service.ready_unpaid(conn, self.node.settings.store_id)

        for row in await asyncio.to_thread(unpaid):
            try:
                await take_payment(
                    self.node,
                    row.order_id,
                    TenderIn(tender="platform", amount=row.total),
                    actor=f"platform:{row.platform}",
                    idempotency_key=f"delivery-paid:{row.id}",
                )
            except Exception as exc:  # the order stays unpaid and is tried next tick
                log.warning("delivery.settle_failed", delivery=row.id, error=str(exc))

    async def _run(self) -> None:
        while True:
            try:
                if await self.tick():
                    continue  # the next callback of the same order may be waiting behind it
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let one bad tick stop timeouts or callbacks
                log.warning("delivery.tick_failed", error=str(exc))
            self._wake.clear()
            await self._pause(self.node.settings.delivery_tick_s)

    async def _pause(self, seconds: float) -> None:
        """Until a callback is queued or ``seconds`` pass on the node's clock (a test steps
        it to make accept timeouts and callback retries fall due)."""
        sleeper = asyncio.ensure_future(self.node.clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (sleeper, waker):
                t.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
