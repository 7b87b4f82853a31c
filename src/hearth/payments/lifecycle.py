"""What payments run beside the API: the runtime (providers, provider router) and the settler
that resumes interrupted payments, forwards offline ones and retries refunds."""

from __future__ import annotations

import asyncio
import contextlib

from hearth.core.node import Node
from hearth.core.subscribers import Subscriber
from hearth.payments.runtime import PaymentsRuntime, payments_of
from hearth.payments.settle import run_forever


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return []


async def on_start(node: Node) -> None:
    """Build (or take the installed) runtime, load the store's provider list, and start the
    settler, whose first pass settles whatever a crash left pending."""
    runtime = payments_of(node)
    runtime.load_config(node)
    runtime.task = asyncio.create_task(run_forever(node), name="payments-settler")


async def on_stop(node: Node) -> None:
    """Called before the writer stops."""
    runtime = node.parts.find(PaymentsRuntime)
    if runtime is not None and runtime.task is not None:
        runtime.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runtime.task
        runtime.task = None
