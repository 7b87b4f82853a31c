"""What payments run beside the API: the engine (providers, router) and the settler that
resumes interrupted payments, forwards offline ones and retries refunds."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from hearth.core.subscribers import Subscriber
from hearth.node import Node
from hearth.payments.registry import KEY, Engine, engine_of


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return []


async def on_start(app: FastAPI, node: Node) -> None:
    """Build (or take the installed) engine, load the store's provider list, and start the
    settler, whose first pass settles whatever a crash left pending."""
    from hearth.payments.settle import run_forever

    engine = engine_of(node)
    engine.load_config(node)
    app.state.payments = engine
    engine.task = asyncio.create_task(run_forever(node), name="payments-settler")


async def on_stop(app: FastAPI, node: Node) -> None:
    """Called before the writer stops."""
    engine = node.extras.get(KEY)
    if isinstance(engine, Engine) and engine.task is not None:
        engine.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await engine.task
        engine.task = None
