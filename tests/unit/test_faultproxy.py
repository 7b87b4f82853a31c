"""The fault proxy on loopback: each mode does to a request and its answer what it says.

The upstream records every line it receives and answers ``ack <line>``; a client sends one line
per connection. Waits are on what the upstream recorded, with a deadline.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from hearth.testing.faultproxy import FaultProxy, Mode
from hearth.testing.waiting import wait_until


class Recorder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lines: list[bytes] = []
        self.partial: list[bytes] = []


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: Recorder = self.server  # type: ignore[assignment]
        while True:
            try:
                line = self.rfile.readline()
            except OSError:
                return
            if not line:
                return
            if not line.endswith(b"\n"):
                server.partial.append(line)
                return
            server.lines.append(line.strip())
            try:
                self.wfile.write(b"ack " + line)
                self.wfile.flush()
            except OSError:
                return


@pytest.fixture
def upstream() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: Recorder) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.server_address[:2], seed=1) as p:  # type: ignore[arg-type]
        yield p


def ask(proxy: FaultProxy, line: bytes, timeout: float = 5.0) -> bytes | None:
    """Send one line, return the answer line, or None if the connection was cut or reset."""
    with socket.create_connection(proxy.address, timeout=timeout) as s:
        try:
            s.sendall(line + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    return None
                data += chunk
            return data.strip()
        except (ConnectionResetError, BrokenPipeError):
            return None


def test_pass_forwards_the_request_once_and_the_answer_back(proxy, upstream):
    assert ask(proxy, b"one") == b"ack one"
    assert upstream.lines == [b"one"]


def test_delay_holds_each_chunk_at_least_the_fixed_delay(proxy, upstream):
    proxy.set_mode(Mode.DELAY, delay_s=0.2, jitter_s=0.1)
    started = time.monotonic()
    assert ask(proxy, b"slow") == b"ack slow"
    assert time.monotonic() - started >= 0.4  # one chunk each way
    assert upstream.lines == [b"slow"]


def test_refuse_resets_the_client_and_nothing_reaches_upstream(proxy, upstream):
    proxy.set_mode(Mode.REFUSE)
    assert ask(proxy, b"lost") is None
    proxy.set_mode(Mode.PASS)
    assert ask(proxy, b"after") == b"ack after"
    assert upstream.lines == [b"after"]


def test_cut_delivers_half_a_request_and_resets_the_client(proxy, upstream):
    proxy.set_mode(Mode.CUT)
    assert ask(proxy, b"0123456789") is None
    wait_until(lambda: upstream.partial, what="the cut request to reach upstream")
    assert upstream.partial == [b"01234"]
    assert upstream.lines == []


def test_lose_answer_lets_upstream_do_the_work_but_the_client_never_hears(proxy, upstream):
    proxy.set_mode(Mode.LOSE_ANSWER)
    assert ask(proxy, b"committed") is None
    assert upstream.lines == [b"committed"]


def test_duplicate_delivers_every_request_twice_and_answers_once(proxy, upstream):
    proxy.set_mode(Mode.DUPLICATE)
    assert ask(proxy, b"twice") == b"ack twice"
    wait_until(lambda: len(upstream.lines) == 2, what="the copy")
    assert upstream.lines == [b"twice", b"twice"]


def test_hold_delivers_one_request_after_later_ones(proxy, upstream):
    proxy.set_mode(Mode.HOLD, hold_s=0.5, collect_s=0.2)
    assert ask(proxy, b"first") is None  # its client is reset; the bytes are held
    assert ask(proxy, b"second") == b"ack second"  # later connections pass
    wait_until(lambda: len(upstream.lines) == 2, what="the held request")
    assert upstream.lines == [b"second", b"first"]
    assert proxy.stats.held_delivered == 1


def test_set_mode_resets_open_connections_so_none_keeps_the_old_mode(proxy, upstream):
    with socket.create_connection(proxy.address, timeout=5) as s:
        s.sendall(b"kept\n")
        assert s.recv(100).strip() == b"ack kept"
        proxy.set_mode(Mode.REFUSE)
        try:
            s.sendall(b"again\n")
            assert s.recv(100) == b""
        except (ConnectionResetError, BrokenPipeError):
            pass
    assert upstream.lines == [b"kept"]
