"""A network receipt/kitchen printer for tests and the demo: a real TCP server on 127.0.0.1.

It records the bytes of every connection, answers ``DLE EOT n`` status queries the way an
ESC/POS printer does, and can be switched into the faults real printers have: down (refuses
connections), hung (accepts, never reads or answers), slow (answers late) and drop (closes the
connection part way through a job). Like a real one it reports paper-out and cover-open
over the real-time status commands (``DLE EOT 2``: offline cause, ``DLE EOT 4``: roll paper
sensor) while ``paper_out`` / ``cover_open`` are set. ``text()`` turns recorded bytes back
into what the paper would show, so a test can assert that "宫保鸡丁" and "x2" were printed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

# Bytes that follow each command's first two bytes, for the commands our renderer and
# python-escpos emit. Unknown ESC/GS/FS commands are assumed to take one parameter byte.
_PARAMS = {
    b"\x1b@": 0,
    b"\x1b!": 1,
    b"\x1bE": 1,
    b"\x1ba": 1,
    b"\x1bd": 1,
    b"\x1b-": 1,
    b"\x1bG": 1,
    b"\x1bM": 1,
    b"\x1bt": 1,
    b"\x1bJ": 1,
    b"\x1bR": 1,
    b"\x1b{": 1,
    b"\x1b2": 0,
    b"\x1b3": 1,
    b"\x1bB": 2,
    b"\x1bp": 3,
    b"\x1d!": 1,
    b"\x1dB": 1,
    b"\x1db": 1,
    b"\x1dL": 2,
    b"\x1dW": 2,
    b"\x1c&": 0,
    b"\x1c.": 0,
    b"\x1c!": 1,
    b"\x1c-": 1,
    b"\x1cW": 1,
    b"\x10\x04": 1,
    b"\x10\x05": 1,
}
STATUS_ONLINE = 0x12  # DLE EOT 1 answer: fixed bits 1 and 4 set, nothing wrong
STATUS_OFFLINE = 0x1A  # bit 3: offline
# Every real-time status byte has bits 1 and 4 set and bit 0 and 7 clear (0x12 = nothing wrong).
STATUS_FIXED = 0x12
CAUSE_COVER_OPEN = 0x04  # DLE EOT 2, bit 2: the cover is open
CAUSE_PAPER_END_STOP = 0x20  # DLE EOT 2, bit 5: printing stopped at the paper end
PAPER_NEAR_END = 0x0C  # DLE EOT 4, bits 2-3: the roll is nearly used up
PAPER_END = 0x60  # DLE EOT 4, bits 5-6: no paper


def strip_escpos(data: bytes) -> bytes:
    """The printable bytes of an ESC/POS stream: commands removed, text and newlines kept."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b in (0x1B, 0x1C, 0x1D, 0x10) and i + 1 < n:
            cmd = data[i : i + 2]
            if cmd == b"\x1dV":  # GS V m [n]: modes 65/66 take a feed count
                i += 4 if i + 2 < n and data[i + 2] in (65, 66) else 3
                continue
            i += 2 + _PARAMS.get(cmd, 1)
            continue
        if b >= 0x81 and i + 1 < n:  # a GB18030 character: 2 or 4 bytes, never a command
            size = 4 if 0x30 <= data[i + 1] <= 0x39 else 2
            out += data[i : i + size]
            i += size
            continue
        if b == 0x0A or b >= 0x20:
            out.append(b)
        i += 1
    return bytes(out)


def decode(data: bytes) -> str:
    return strip_escpos(data).decode("gb18030", errors="replace")


def is_status_only(data: bytes) -> bool:
    return (
        not data.replace(b"\x10\x04\x01", b"")
        .replace(b"\x10\x04\x02", b"")
        .replace(b"\x10\x04\x03", b"")
        .replace(b"\x10\x04\x04", b"")
    )


class TestPrinter:
    """A fake network printer; use as a context manager or call ``start()`` / ``stop()``."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, port: int = 0, *, host: str = "127.0.0.1", save_to: Path | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.save_to = save_to
        self.mode = "ok"  # ok | hung | slow | drop
        self.slow_s = 1.0
        self.drop_after = 16  # bytes read before a "drop" closes the connection
        self.offline = False  # answer status queries with the offline bit
        # Faults a drill or a test flips: each makes the printer offline (as a real one goes)
        # and says why over DLE EOT 2 / 4.
        self.paper_out = False
        self.cover_open = False
        self.paper_near_end = False
        self.connections: list[bytes] = []  # every connection's bytes, in order
        self.dropped: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._handlers: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> TestPrinter:
        self._stop.clear()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(16)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(
            target=self._accept, daemon=True, name=f"test-printer-{self.port}"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        for h in self._handlers:
            h.join(5)
        self._handlers = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def down(self) -> None:
        """Refuse connections (the port is closed), like a printer switched off."""
        self.stop()

    def up(self) -> None:
        """Listen again on the same port."""
        if self._sock is None:
            self.start()

    def __enter__(self) -> TestPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    # -- what was printed --------------------------------------------------------------------
    @property
    def jobs(self) -> list[bytes]:
        """Complete jobs: connections that carried more than status queries and were not
        dropped part way."""
        with self._lock:
            return [c for c in self.connections if not is_status_only(c)]

    @staticmethod
    def text(job: bytes) -> str:
        return decode(job)

    def texts(self) -> list[str]:
        return [decode(j) for j in self.jobs]

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """Wait until at least ``count`` jobs arrived (bounded), and return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.jobs
            if len(jobs) >= count:
                return jobs
            time.sleep(0.02)
        return self.jobs

    # -- status ------------------------------------------------------------------------------
    def status_byte(self, n: int) -> int:
        """The answer to ``DLE EOT n`` as an ESC/POS printer gives it, for the switches now."""
        if n == 1:  # printer status: bit 3 offline
            stopped = self.offline or self.paper_out or self.cover_open
            return STATUS_OFFLINE if stopped else STATUS_ONLINE
        if n == 2:  # offline cause
            return (
                STATUS_FIXED
                | (CAUSE_COVER_OPEN if self.cover_open else 0)
                | (CAUSE_PAPER_END_STOP if self.paper_out else 0)
            )
        if n == 4:  # roll paper sensor
            return (
                STATUS_FIXED
                | (PAPER_END if self.paper_out else 0)
                | (PAPER_NEAR_END if self.paper_near_end or self.paper_out else 0)
            )
        return STATUS_FIXED  # n == 3, error cause: none

    # -- serving -----------------------------------------------------------------------------
    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            h = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._handlers = [t for t in self._handlers if t.is_alive()] + [h]
            h.start()

    def _serve(self, conn: socket.socket) -> None:
        mode = self.mode
        data = bytearray()
        dropped = False
        with conn:
            conn.settimeout(0.1)
            if mode == "hung":  # never read, never answer; hold the connection open
                while not self._stop.is_set() and self.mode == "hung":
                    time.sleep(0.02)
                return
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                start = len(data)
                data += chunk
                if mode == "drop" and len(data) >= self.drop_after:
                    dropped = True
                    with contextlib.suppress(OSError):
                        conn.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                        )
                    break
                # Answer each status query that arrived (searching from just before the chunk,
                # in case the 3 bytes were split across reads).
                pos = max(0, start - 2)
                while (i := data.find(b"\x10\x04", pos)) != -1 and i + 2 < len(data):
                    pos = i + 3
                    if i + 3 <= start:
                        continue
                    if mode == "slow":
                        time.sleep(self.slow_s)
                    with contextlib.suppress(OSError):
                        conn.sendall(bytes([self.status_byte(data[i + 2])]))
        job = bytes(data)
        with self._lock:
            (self.dropped if dropped else self.connections).append(job)
        if self.save_to is not None and not dropped and not is_status_only(job):
            self._save(job)

    def _save(self, job: bytes) -> None:
        assert self.save_to is not None
        self.save_to.parent.mkdir(parents=True, exist_ok=True)
        with open(self.save_to, "ab") as f:
            f.write(job)
        with open(self.save_to.with_suffix(".txt"), "a", encoding="utf-8") as f:
            f.write(decode(job) + "\n" + "-" * 48 + "\n")
