"""What the kitchen runs beside the API: ticket routing and the printer fallback."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from hearth.core.node import Node
from hearth.core.subscribers import Subscriber
from hearth.kitchen import fallback, routing


@dataclass
class FallbackWatch:
    task: asyncio.Task[None]


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return [routing.subscriber()]


async def on_start(node: Node) -> None:
    """Called once the writer runs, before the first request."""
    fallback.screens_of(node)
    node.parts.put(
        FallbackWatch(asyncio.create_task(fallback.watch(node), name="kitchen-fallback"))
    )


async def on_stop(node: Node) -> None:
    """Called before the writer stops."""
    watch = node.parts.pop(FallbackWatch)
    if watch is not None:
        watch.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch.task
