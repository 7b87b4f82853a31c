"""What this module runs beside the API: journal subscribers and background tasks."""

from __future__ import annotations

from fastapi import FastAPI

from hearth.core.subscribers import Subscriber
from hearth.node import Node


def subscribers(node: Node) -> list[Subscriber]:
    """Journal subscribers this module runs; the app starts them with the writer."""
    return []


async def on_start(app: FastAPI, node: Node) -> None:
    """Called once the writer runs, before the first request."""


async def on_stop(app: FastAPI, node: Node) -> None:
    """Called before the writer stops."""
