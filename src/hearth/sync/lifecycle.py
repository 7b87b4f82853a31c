"""The continuous sync task, started and stopped with the node.

It runs a round (handshake, catalogue, backlog) whenever the writer commits, when someone
presses Sync now, or when its wait runs out; after a failure it waits the capped, jittered
backoff of ``domain.backoff_s``. Every wait is the node's ``clock.sleep``, so a test steps time
instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from hearth.core.journal import Event
from hearth.core.node import Node
from hearth.sync import domain, reports
from hearth.sync.service import ClientFactory, Outcome, Syncer

log = structlog.get_logger(__name__)

# A round at least this often when nothing happens, which is how a price changed at HQ reaches
# an online store's tills within seconds (a round that finds nothing new is one small request).
IDLE_S = 3.0


@dataclass
class SyncRunner:
    """The node's sync part: the syncer, its task, and what wakes it."""

    node: Node
    syncer: Syncer
    jitter: Callable[[], float] = random.random
    idle_s: float = IDLE_S
    attempt: int = 0
    last: Outcome | None = None
    rounds: int = 0
    task: asyncio.Task[None] | None = None
    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _round_done: asyncio.Condition | None = None
    _listener: Callable[[list[Event]], None] | None = field(default=None, repr=False)

    def wake(self) -> None:
        """Run a round now (thread-safe: the writer calls it from its own thread)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._round_done = asyncio.Condition()
        # A commit wakes the loop only while HQ answers: in a backoff, a busy store would
        # otherwise call a failing HQ once per commit. Sync now always wakes it.
        self._listener = lambda _events: self.wake() if self.attempt == 0 else None
        self.node.writer.listeners.append(self._listener)
        self.task = asyncio.create_task(self._run(), name="hearth-sync")

    async def stop(self) -> None:
        if self._listener is not None and self._listener in self.node.writer.listeners:
            self.node.writer.listeners.remove(self._listener)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def wait_round(self, after: int) -> int:
        """Wait until a round later than ``after`` has finished; the new round count."""
        assert self._round_done is not None
        async with self._round_done:
            await self._round_done.wait_for(lambda: self.rounds > after)
        return self.rounds

    async def _run(self) -> None:
        assert self._wake is not None and self._round_done is not None
        while True:
            self._wake.clear()
            try:
                outcome = await self.syncer.round(self._note_progress())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let the task die: a person needs the status
                log.exception("sync.round_failed", error=str(exc))
                outcome = Outcome(answered=False, drained=False, reason=str(exc)[:200])
            self.last = outcome
            reports.after_round(self.node, outcome.answered)
            async with self._round_done:
                self.rounds += 1
                self._round_done.notify_all()
            if outcome.stopped:
                delay = self.idle_s
            elif outcome.answered and (outcome.drained or outcome.sent):
                self.attempt = 0
                delay = self.idle_s
            else:
                self.attempt += 1
                delay = domain.backoff_s(self.attempt, self.jitter())
            await self._sleep_or_wake(delay)

    def _note_progress(self) -> Callable[[int, int], None]:
        """A progress hook for a round: once HQ acknowledges anything, the failures before are
        over. Under a steady rush a round never ends drained (each batch finds new events), so
        resetting only at a round's end let faults hours apart add up to the 60 s cap: a 1 s
        cut then cost the store a minute of silence (the partition suite measured 50 s)."""
        first: int | None = None

        def progress(acked: int, _top: int) -> None:
            nonlocal first
            if first is None:
                first = acked
            elif acked > first:
                self.attempt = 0

        return progress

    async def _sleep_or_wake(self, delay: float) -> None:
        """Sleep ``delay`` on the node's clock, or less when woken (a commit, Sync now)."""
        assert self._wake is not None
        if self._wake.is_set():  # woken while the round ran: something new to send
            return
        sleeper = asyncio.ensure_future(self.node.clock.sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (sleeper, waker):
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t


def runner_of(node: Node) -> SyncRunner | None:
    return node.parts.find(SyncRunner)


def make_runner(
    node: Node, client_factory: ClientFactory | None = None, **kwargs: Any
) -> SyncRunner:
    syncer = Syncer(
        node.engine, node.writer.submit, node.clock.now_ms, client_factory=client_factory
    )
    return SyncRunner(node, syncer, **kwargs)


def on_build(node: Node) -> None:
    node.parts.setdefault(SyncRunner, lambda: make_runner(node))


async def on_start(node: Node) -> None:
    await node.parts.get(SyncRunner).start()


async def on_stop(node: Node) -> None:
    runner = node.parts.find(SyncRunner)
    if runner is not None:
        await runner.stop()
