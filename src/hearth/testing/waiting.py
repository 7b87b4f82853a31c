"""Waiting in tests for something to happen, on the thing itself rather than a fixed sleep.

A fixed sleep is either too short on a loaded machine (the test fails once in a few hundred
runs) or too long everywhere else. These poll a check until it holds, with a deadline generous
enough for a busy 2-core CI box; a passing test only waits as long as the system needs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hearth.core.node import Node
from hearth.core.subscribers import SubscriberRunner, cursor_of

T = TypeVar("T")

TIMEOUT_S = 10.0


def wait_until(
    check: Callable[[], T | None],
    timeout: float = TIMEOUT_S,
    interval: float = 0.02,
    what: str = "",
) -> T:
    """Call ``check`` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what or check} (last: {value!r})"
            )
        time.sleep(interval)


async def eventually(
    check: Callable[[], Awaitable[T | None]],
    timeout: float = TIMEOUT_S,
    interval: float = 0.02,
    what: str = "",
) -> T:
    """``wait_until`` for an async check, without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what or check} (last: {value!r})"
            )
        await asyncio.sleep(interval)


def subscribers_caught_up(node: Node) -> Callable[[], bool]:
    """A check for ``wait_until``: every journal subscriber of a running node has handled
    everything written before this call (its cursor is saved in the same transaction as what
    it did). "Nothing more happens" is then a fact to assert, not a hope after a sleep."""
    runner = node.parts.get(SubscriberRunner)
    top = runner.writer.journal.next_seq - 1

    def check() -> bool:
        with runner.engine.connect() as conn:
            return all(cursor_of(conn, s.name) >= top for s in runner.subscribers)

    return check
