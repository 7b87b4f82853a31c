"""The hourly backup, started and stopped with the node.

It sleeps on the node's clock (a test steps a ``ManualClock`` through days in milliseconds) and
takes each backup in a thread, so the event loop that serves orders never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from hearth.backup import service
from hearth.core.errors import Problem
from hearth.core.node import Node

log = structlog.get_logger(__name__)


@dataclass
class BackupRunner:
    node: Node
    task: asyncio.Task[None] | None = None
    taken: int = 0
    last: service.Manifest | None = None
    last_error: str | None = None
    # The answers of the last few button presses by idempotency key, so a retried press
    # does not take a second backup.
    answered: OrderedDict[str, service.Manifest] = field(default_factory=OrderedDict)
    # Called with each backup taken (a module above puts its hooks here: the copy to HQ).
    # Each is quick and never raises into the backup: it queues work of its own.
    after: list[Callable[[service.Manifest], None]] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def remember(self, key: str, manifest: service.Manifest) -> None:
        self.answered[key] = manifest
        while len(self.answered) > 64:
            self.answered.popitem(last=False)

    async def take(self) -> service.Manifest:
        """One backup now (one at a time: the button and the schedule never overlap)."""
        async with self._lock:
            now = self.node.clock.now_ms()
            try:
                manifest = await asyncio.to_thread(service.take_backup, self.node.settings, now)
            except Problem as exc:
                self.last_error = exc.detail
                raise
            self.last, self.last_error = manifest, None
            self.taken += 1
        for hook in self.after:
            try:
                hook(manifest)
            except Exception:  # the backup is taken and verified whatever a hook does
                log.exception("backup.after_hook_failed")
        return manifest

    def first_wait_s(self) -> float:
        """How long until the first scheduled backup: a full interval after the newest one
        kept, but never more than an interval, and soon after start (``backup_first_after_s``,
        late enough not to slow the start) on a box that has none or an overdue one, so a new
        or long-stopped store is not left a whole hour without a copy."""
        interval = self.node.settings.backup_interval_s
        soon = self.node.settings.backup_first_after_s
        kept = service.list_backups(service.backup_dir(self.node.settings))
        if not kept:
            return min(soon, interval)
        age_s = (self.node.clock.now_ms() - kept[0].taken_at_ms) / 1000
        return min(interval, max(soon, interval - age_s))

    async def _run(self) -> None:
        interval = self.node.settings.backup_interval_s
        wait = await asyncio.to_thread(self.first_wait_s)
        while True:
            await self.node.clock.sleep(wait)
            wait = interval
            try:
                await self.take()
            except Problem as exc:
                log.error("backup.failed", detail=exc.detail)
            except Exception as exc:  # the next hour tries again; the error is shown meanwhile
                self.last_error = str(exc)
                log.exception("backup.failed")

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="hearth-backup")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None


def on_build(node: Node) -> None:
    if node.settings.sqlite_path() is not None:
        node.parts.put(BackupRunner(node))


async def on_start(node: Node) -> None:
    runner = node.parts.find(BackupRunner)
    if runner is not None and node.settings.backup_interval_s > 0:
        await runner.start()


async def on_stop(node: Node) -> None:
    runner = node.parts.find(BackupRunner)
    if runner is not None:
        await runner.stop()
