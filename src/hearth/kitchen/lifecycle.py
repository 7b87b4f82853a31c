"""What the kitchen runs beside the API: ticket routing, the live feed and the printer fallback."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from hearth.core.livefeed import feed_of
from hearth.core.subscribers import Subscriber
from hearth.kitchen import fallback, routing
from hearth.node import Node


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return [routing.subscriber()]


async def on_start(app: FastAPI, node: Node) -> None:
    """Called once the writer runs, before the first request."""
    feed = feed_of(node.extras, node.engine, node.settings.livefeed_heartbeat_s)
    feed.attach(node.writer)
    fallback.screens_of(node)
    node.extras["kitchen_fallback_task"] = asyncio.create_task(
        fallback.watch(node), name="kitchen-fallback")


async def on_stop(app: FastAPI, node: Node) -> None:
    """Called before the writer stops."""
    task = node.extras.pop("kitchen_fallback_task", None)
    if isinstance(task, asyncio.Task):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    feed = node.extras.get("livefeed")
    if feed is not None:
        feed_of(node.extras, node.engine).detach(node.writer)
