"""What payments run beside the API: store-and-forward, reconciliation, provider health."""

from __future__ import annotations

from fastapi import FastAPI

from hearth.node import Node


async def on_start(app: FastAPI, node: Node) -> None:
    """Called once the writer runs, before the first request."""


async def on_stop(app: FastAPI, node: Node) -> None:
    """Called before the writer stops."""
