"""What this module runs beside the API: the journal subscriber that notices delivery orders
becoming ready (or voided), and the ticker for accept timeouts and status callbacks."""

from __future__ import annotations

from fastapi import FastAPI

from hearth.channels.delivery import service
from hearth.channels.delivery.callbacks import Ticker
from hearth.core.subscribers import Subscriber
from hearth.node import Node


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return [Subscriber("delivery-callbacks", service.callbacks_for_events)]


async def on_start(app: FastAPI, node: Node) -> None:
    """Called once the writer runs, before the first request."""
    ticker = Ticker(node, service.config_of(node.settings))
    await ticker.start()
    app.state.delivery_ticker = ticker


async def on_stop(app: FastAPI, node: Node) -> None:
    """Called before the writer stops."""
    ticker = getattr(app.state, "delivery_ticker", None)
    if ticker is not None:
        await ticker.stop()
