"""A small TCP fault proxy for the path between a store and HQ.

The kernel on these machines has no ``netem``, so the faults a packet filter cannot make come
from here. Each connection takes the mode in force when it was accepted; ``set_mode`` aborts the
connections already open, so a kept-alive client meets the new mode on its next request.

- ``PASS``: bytes through as they come.
- ``DELAY``: each chunk waits ``delay_s`` plus up to ``jitter_s`` (in order within a connection).
- ``REFUSE``: every connection is reset at once (HQ unreachable).
- ``CUT``: the client's bytes are cut off part-way (mid-headers or mid-body): HQ sees half a
  request, the client a reset.
- ``LOSE_ANSWER``: the request goes through whole; when HQ's answer starts, both sides are
  reset. HQ did the work and committed; the client never hears of it.
- ``DUPLICATE``: the client's bytes also go to HQ over a second connection whose answers are
  thrown away: HQ receives every request twice.
- ``HOLD``: one connection's request is held back and its client reset; later connections
  pass; ``hold_s`` later the held bytes are delivered to HQ (a stale request arriving after
  newer ones: reordering).

The proxy runs its own event loop on a thread, optionally inside a network namespace (the store's,
so it listens where the store can reach it and connects out over the veth).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from hearth.testing.netns import entered

CHUNK = 65536


class Mode(enum.Enum):
    PASS = "pass"
    DELAY = "delay"
    REFUSE = "refuse"
    CUT = "cut"
    LOSE_ANSWER = "lose_answer"
    DUPLICATE = "duplicate"
    HOLD = "hold"


@dataclass
class Settings:
    mode: Mode = Mode.PASS
    delay_s: float = 0.05
    jitter_s: float = 0.05
    hold_s: float = 1.0
    collect_s: float = 0.2  # HOLD: how long the held connection's bytes are gathered


@dataclass
class Stats:
    connections: int = 0
    by_mode: Counter[str] = field(default_factory=Counter)
    held_delivered: int = 0


class FaultProxy:
    """Listens on ``listen_host`` (port chosen by the kernel, read back as ``port``) and
    forwards to ``upstream``."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        listen_host: str = "127.0.0.1",
        netns: str | None = None,
        seed: int = 0,
    ) -> None:
        self.upstream = upstream
        self.listen_host = listen_host
        self.netns = netns
        self.rng = random.Random(seed)
        self.settings = Settings()
        self.stats = Stats()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._live: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # -- control (from the test's thread) -----------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._main, name="faultproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("fault proxy did not start")
        if self._error is not None:
            raise RuntimeError("fault proxy failed to start") from self._error
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, mode: Mode, **knobs: float) -> None:
        """New connections take ``mode``; the open ones are reset so none keeps the old one."""
        assert self._loop is not None

        async def apply() -> None:
            self.settings = Settings(mode=mode, **knobs)
            for w in list(self._live):
                w.transport.abort()
            self._live.clear()

        asyncio.run_coroutine_threadsafe(apply(), self._loop).result(10)

    @property
    def address(self) -> tuple[str, int]:
        return self.listen_host, self.port

    # -- the loop ------------------------------------------------------------------------------
    def _main(self) -> None:
        ctx: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if self.netns is not None:
            ctx = entered(self.netns)
        try:
            with ctx:  # this thread stays in the namespace for the proxy's whole life
                self._loop = asyncio.new_event_loop()
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.listen_host, 0))
                sock.listen(128)
                self.port = int(sock.getsockname()[1])
                self._server = self._loop.run_until_complete(
                    asyncio.start_server(self._accept, sock=sock)
                )
                self._ready.set()
                self._loop.run_forever()
                self._loop.close()
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in list(self._live):
            w.transport.abort()
        # Connection handlers too (the server starts those), so none is left pending.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in others:
            t.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _spawn(self, coro: object) -> None:
        assert self._loop is not None
        task: asyncio.Task[None] = self._loop.create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        s = self.settings
        self.stats.connections += 1
        self.stats.by_mode[s.mode.value] += 1
        if s.mode is Mode.REFUSE:
            writer.transport.abort()
            return
        if s.mode is Mode.HOLD:
            await self._hold(reader, writer, s)
            return
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._live |= {writer, up_w}
        shadow: asyncio.StreamWriter | None = None
        if s.mode is Mode.DUPLICATE:
            with contextlib.suppress(OSError):
                sh_r, shadow = await asyncio.open_connection(*self.upstream)
                self._live.add(shadow)
                self._spawn(self._discard(sh_r, shadow))
        await asyncio.gather(
            self._to_upstream(reader, up_w, writer, s, shadow),
            self._to_client(up_r, writer, up_w, s),
        )

    async def _wait(self, s: Settings) -> None:
        if s.mode is Mode.DELAY:
            await asyncio.sleep(s.delay_s + self.rng.random() * s.jitter_s)

    async def _to_upstream(
        self,
        r: asyncio.StreamReader,
        w: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
        s: Settings,
        shadow: asyncio.StreamWriter | None,
    ) -> None:
        try:
            while data := await r.read(CHUNK):
                await self._wait(s)
                if s.mode is Mode.CUT:
                    w.write(data[: max(1, len(data) // 2)])
                    await w.drain()
                    break
                w.write(data)
                if shadow is not None:
                    shadow.write(data)
                await w.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if s.mode is Mode.CUT:
                client.transport.abort()
                w.transport.abort()
            elif not w.transport.is_closing():
                with contextlib.suppress(OSError):
                    w.write_eof()

    async def _to_client(
        self,
        r: asyncio.StreamReader,
        w: asyncio.StreamWriter,
        upstream: asyncio.StreamWriter,
        s: Settings,
    ) -> None:
        try:
            while data := await r.read(CHUNK):
                if s.mode is Mode.LOSE_ANSWER:
                    break  # the answer started: HQ committed; nobody hears of it
                await self._wait(s)
                w.write(data)
                await w.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            w.transport.abort()
            upstream.transport.abort()
            self._live.discard(w)
            self._live.discard(upstream)

    async def _discard(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while await r.read(CHUNK):
                pass
        except OSError:
            pass
        finally:
            w.transport.abort()
            self._live.discard(w)

    async def _hold(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Settings
    ) -> None:
        """Gather the client's bytes, reset it, and deliver them ``hold_s`` later. Only the
        first connection after the mode is set is held; later ones pass."""
        self.settings = Settings(mode=Mode.PASS, delay_s=s.delay_s, jitter_s=s.jitter_s)
        held = bytearray()
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            async with asyncio.timeout(s.collect_s):
                while data := await reader.read(CHUNK):
                    held += data
        writer.transport.abort()
        self._spawn(self._deliver_later(bytes(held), s.hold_s))

    async def _deliver_later(self, data: bytes, after_s: float) -> None:
        await asyncio.sleep(after_s)
        if not data:
            return
        try:
            r, w = await asyncio.open_connection(*self.upstream)
        except OSError:
            return
        self._live.add(w)
        w.write(data)
        with contextlib.suppress(OSError):
            await w.drain()
            w.write_eof()
        self.stats.held_delivered += 1
        await self._discard(r, w)


@contextlib.contextmanager
def proxy_to(upstream: tuple[str, int], **kw: object) -> Iterator[FaultProxy]:
    with FaultProxy(upstream, **kw) as proxy:  # type: ignore[arg-type]
        yield proxy
