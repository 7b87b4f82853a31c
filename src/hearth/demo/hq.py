"""The demo's HQ: a real ``hearth hq serve`` child process on its embedded SQLite, with the demo
store created there and enrolled, so the demo syncs as a chain store does.

The demo talks to HQ as a store and an owner would, over HTTP and the ``hearth hq`` commands:
the store node never imports HQ (docs/architecture.md). HQ is a child process so that pulling
the plug is real: ``kill -STOP`` freezes it (the store's requests time out), ``kill -CONT``
brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from hearth.core.node import Node
from hearth.menu.tables import categories, items
from hearth.sync import service as sync

OWNER_CODE = "HQ01"
OWNER_NAME = "总部老板"
OWNER_PASSWORD = "hearth-hq-demo"
STORE_NAME = "Hearth 演示餐厅 · Demo restaurant"
START_TIMEOUT_S = 60.0


def _hearth(*args: str, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hearth.cli", *args], check=True, capture_output=True, **kw
    )


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """A demo killed hard must not leave its HQ running on the port (Linux only)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DemoHQ:
    """HQ in a child process, on a port this process binds first (port 0: the kernel picks),
    so a taken port is a clear error here, not a crash in the child."""

    def __init__(
        self,
        db_url: str,
        host: str = "127.0.0.1",
        port: int = 8100,
        log: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.db_url, self.host, self.port = db_url, host, port
        self.log = log
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def add_owner(self) -> None:
        """Create (or reset the password of) the demo's HQ owner; migrates HQ's database."""
        _hearth(
            "hq",
            "add-owner",
            "--code",
            OWNER_CODE,
            "--name",
            OWNER_NAME,
            "--password",
            OWNER_PASSWORD,
            "--db",
            self.db_url,
            env=os.environ | self.env,
        )

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise RuntimeError(
                f"HQ's port {self.host}:{self.port} is taken ({exc}); "
                f"stop what uses it or pass --hq-port"
            ) from None
        self.port = int(sock.getsockname()[1])
        sock.set_inheritable(True)
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        with sock:  # the child's copy is the only one left
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hearth.cli",
                    "hq",
                    "serve",
                    "--db",
                    self.db_url,
                    "--fd",
                    str(sock.fileno()),
                    "--log-level",
                    "warning",
                ],
                stdout=out,
                stderr=out,
                env=os.environ | self.env,
                pass_fds=[sock.fileno()],
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"HQ exited with {self.proc.returncode}"
                    + (f"; see {self.log}" if self.log else "")
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/livez", timeout=1).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("HQ did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGCONT)  # a stopped HQ cannot die of SIGTERM
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _owner_headers(hq_url: str) -> dict[str, str]:
    got = httpx.post(
        f"{hq_url}/api/hq/auth/sign-in",
        timeout=30,
        json={"code": OWNER_CODE, "password": OWNER_PASSWORD},
    )
    got.raise_for_status()
    return {"Authorization": f"Bearer {got.json()['access_token']}"}


def enrol_code(hq_url: str, store_id: str) -> str:
    """A fresh one-time code for the demo store, creating it at HQ the first time."""
    headers = _owner_headers(hq_url)
    made = httpx.post(
        f"{hq_url}/api/hq/stores",
        timeout=30,
        json={"store_id": store_id, "name": STORE_NAME},
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    if made.status_code == 201:
        return str(made.json()["enrol_code"])
    if made.status_code != 409:
        made.raise_for_status()
    again = httpx.post(
        f"{hq_url}/api/hq/stores/{store_id}/enrol-code",
        timeout=30,
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    again.raise_for_status()
    return str(again.json()["enrol_code"])


def join(node: Node, hq_url: str) -> tuple[bool, sync.SyncState]:
    """Enrol the demo store with HQ, unless it already is (a restarted demo keeps its
    credential and cursor: enrolling again would be refused while events wait). True when it
    enrolled now."""
    with node.engine.connect() as conn:
        state = sync.load_state(conn)
    if state is not None:
        return False, state
    code = enrol_code(hq_url, node.settings.store_id)

    async def write(command: Callable[..., Any]) -> Any:
        return await asyncio.to_thread(node.writer.run, command)

    state = asyncio.run(
        sync.enrol(node.engine, write, node.settings.store_id, hq_url, code, node.clock.now_ms())
    )
    return True, state


def publish_menu(node: Node, hq_url: str) -> int:
    """Make the demo store's menu the chain catalogue at HQ (version 1), so HQ's menu editor
    has the dishes to reprice. The store applies that version itself as a snapshot (its rows
    already hold it), so its journal says which catalogue it sells from."""
    with node.engine.connect() as conn:
        events = [
            {"type": "CategoryCreated", "payload": _row(r)}
            for r in conn.execute(sa.select(categories))
        ]
        events += [
            {"type": "ItemCreated", "payload": _row(r)} for r in conn.execute(sa.select(items))
        ]
    got = httpx.post(
        f"{hq_url}/api/hq/catalogue",
        timeout=60,
        json={"scope": "chain", "events": events},
        headers=_owner_headers(hq_url) | {"Idempotency-Key": str(uuid.uuid4())},
    )
    got.raise_for_status()
    version = int(got.json()["version"])
    node.writer.run(sync.apply_catalogue_version(version, events, snapshot=True))
    return version


def _row(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row._mapping.items() if k != "store_id"}


def plug_commands(pid: int) -> list[tuple[str, str]]:
    """How a person cuts the link between the store and HQ, and restores it."""
    return [
        ("Pull the plug (HQ stops answering) / 断开总部", f"kill -STOP {pid}"),
        ("Plug it back (the backlog drains) / 恢复连接", f"kill -CONT {pid}"),
    ]
