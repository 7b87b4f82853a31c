"""Real processes and a real browser: a store node on loopback, Debian's Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hearth.bootstrap import build_node
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync API keeps an event loop on the main thread while it is
    open, and other tests need ``asyncio.run`` there."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@dataclass
class LiveStore:
    base_url: str
    ids: DemoIds
    process: NodeProcess


@pytest.fixture
def live_store(tmp_path: Path) -> Iterator[LiveStore]:
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    proc = NodeProcess(db_url, log=tmp_path / "node.log")
    proc.start()
    try:
        yield LiveStore(proc.base_url, ids, proc)
    finally:
        proc.stop()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
