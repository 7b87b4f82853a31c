"""This module's part of the demo restaurant and of `hearth demo`'s side services."""

from __future__ import annotations

from typing import Any

from hearth.node import Node


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Add this module's demo data. ``ids`` maps kind -> demo key -> id (station, category,
    item, table...) as the core seed created them."""


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    """Start what the demo needs beside the node (emulators, a test printer) in daemon threads
    and return lines to print for a person trying the demo."""
    return []
