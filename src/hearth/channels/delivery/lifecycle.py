"""What this module runs beside the API: the journal subscriber that notices delivery orders
becoming ready (or voided), and the ticker for accept timeouts and status callbacks."""

from __future__ import annotations

from hearth.channels.delivery import service
from hearth.channels.delivery.callbacks import Ticker
from hearth.core.node import Node
from hearth.core.subscribers import Subscriber


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return [Subscriber("delivery-callbacks", service.callbacks_for_events)]


async def on_start(node: Node) -> None:
    """Called once the writer runs, before the first request."""
    ticker = Ticker(node, service.config_of(node.settings))
    node.parts.put(ticker)
    await ticker.start()


async def on_stop(node: Node) -> None:
    """Called before the writer stops."""
    ticker = node.parts.pop(Ticker)
    if ticker is not None:
        await ticker.stop()
