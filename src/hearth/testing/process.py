"""Run a real store node in its own process, for crash tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hearth.testing.ports import ReservedPort


class NodeProcess:
    """A node in a child process, on a port this object holds from creation to ``stop()``:
    ``base_url`` is known before the first start and stays the same across kills and
    restarts, and no other server can be given the port in between."""

    def __init__(
        self, db_url: str, log: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.db_url = db_url
        self._port = ReservedPort()
        self.port = self._port.port
        self.log = log
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        # As fast_settings: cheap argon2, and no scheduled backup in a test's first hour.
        env = os.environ | {
            "HEARTH_ARGON2_TIME_COST": "1",
            "HEARTH_ARGON2_MEMORY_KIB": "1024",
            "HEARTH_BACKUP_FIRST_AFTER_S": "3600",
        }
        env |= self.env
        with self._port.listener() as sock:  # the child's copy is the only one left
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hearth.cli",
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
                env=env,
                pass_fds=[sock.fileno()],
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"store node exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError("store node did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up, like a power cut to the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, *, keep_port: bool = False) -> None:
        """SIGTERM and wait. ``keep_port`` to ``start()`` again at the same address."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if not keep_port:
            self._port.release()
