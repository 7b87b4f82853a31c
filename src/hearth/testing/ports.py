"""Ports for tests, held for as long as the test needs them.

Finding a port by binding port 0, closing the socket and using the number leaves a window in
which anything else asking for an ephemeral port can be given the same one: a provider port
meant to be dead answered because an emulator had just been handed it (issue 11). So a port
here is never let go while it is in use:

- ``closed_port()``: a socket bound and never listening. Connecting to it is refused, and
  nothing else can bind the port while we hold it.
- ``ReservedPort``: the same hold, taken with SO_REUSEPORT, so that a child process can serve
  on the port through a socket we bind there and hand it (``listener()``). When the child
  dies the port refuses again (the hold does not listen) and nobody else can take it, so a
  node killed by a crash test comes back at the same address.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port where nobody listens, for as long as the block runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        yield int(sock.getsockname()[1])


class ReservedPort:
    """A loopback port kept for child processes that serve on it one after another."""

    def __init__(self) -> None:
        self._hold = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self._hold.bind((HOST, 0))
        self.port = int(self._hold.getsockname()[1])

    def listener(self) -> socket.socket:
        """A fresh socket bound to the port, to pass to a child (``pass_fds``) that listens
        on it. Close the parent's copy once the child has started, or the port keeps
        listening after the child dies."""
        if self._hold.fileno() == -1:
            raise RuntimeError(f"port {self.port} was released; another server may have it")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.set_inheritable(True)
        sock.bind((HOST, self.port))
        return sock

    def release(self) -> None:
        self._hold.close()
