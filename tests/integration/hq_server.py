"""A real HQ app on a loopback port (uvicorn in a thread) for the store-side tests of the
doctor's HQ checks and the fleet reports: the store talks to it over real HTTP, as in a shop."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from hearth.core.clock import Clock, SystemClock
from hearth.hq.app import build_hq, create_hq_app
from hearth.hq.config import HQSettings
from hearth.hq.context import HQ


class SkewedClock(SystemClock):
    """The system's time, off by ``offset_ms``: HQ's clock when the store's is wrong."""

    def __init__(self, offset_ms: int) -> None:
        super().__init__()
        self.offset_ms = offset_ms

    def now_ms(self) -> int:
        return super().now_ms() + self.offset_ms


@dataclass
class RunningHQ:
    hq: HQ
    url: str


@contextmanager
def running_hq(folder: Path, clock: Clock | None = None) -> Iterator[RunningHQ]:
    settings = HQSettings(
        db_url=f"sqlite:///{folder}/hq.db", argon2_time_cost=1, argon2_memory_kib=1024
    )
    built = build_hq(settings, clock=clock)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_hq_app(settings, built), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "HQ did not start"
        time.sleep(0.01)
    try:
        yield RunningHQ(built, f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        built.engine.dispose()
