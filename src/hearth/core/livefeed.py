"""Live pages over Server-Sent Events that resume from ``Last-Event-ID`` without loss.

The id of every message is the journal ``seq`` of the event it carries. After each commit the
writer calls its listeners; the feed hands the committed events to every connected stream (a
bounded asyncio queue each, filtered by the stream's own function). A screen that reconnects
with ``Last-Event-ID: n`` first gets the journal's events after ``n`` (read from the table),
then the live ones, and the two are stitched by ``seq`` so nothing is missed or sent twice:

1. the stream's queue is registered *before* the journal is read, so anything committed after
   the read started is in the queue;
2. anything committed before is in the table (a listener only runs after its commit);
3. an event in both places is sent once, because live events at or below the last ``seq``
   sent are skipped.

A client too slow to drain its queue is dropped (its queue overflows); it reconnects with its
last id and catches up from the journal, which is exactly the resume path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Engine
from starlette.responses import StreamingResponse

from hearth.core.journal import Event
from hearth.core.tables import journal
from hearth.core.writer import Writer

log = structlog.get_logger(__name__)

EventFilter = Callable[[Event], bool]
REPLAY_BATCH = 500
_DROPPED = object()  # put in a queue (with room kept for it) when its client is cut off


class EventStream(StreamingResponse):
    """A Server-Sent Events answer; as a route's ``response_class`` it also tells the OpenAPI
    schema (and so clients and the API fuzzer) that the feed is ``text/event-stream``."""

    media_type = "text/event-stream"


# What a feed route documents: each event's data is a JSON object (an event and its payload).
EVENT_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events; each event's data is a JSON object",
        "content": {"text/event-stream": {"schema": {"type": "object"}}},
    }
}


@dataclass(eq=False)
class _Listener:
    accept: EventFilter
    queue: asyncio.Queue[Any]
    limit: int
    dropped: bool = False


@dataclass
class LiveFeed:
    """One per node: fans committed journal events out to connected streams."""

    engine: Engine
    queue_size: int = 1000
    heartbeat_s: float = 10.0
    _listeners: set[_Listener] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None
    sent: int = 0
    drops: int = 0
    # Twenty screens on one station get the same event: render its text once, not twenty times.
    _texts: dict[int, str] = field(default_factory=dict)

    def _text(self, ev: Event, render: Callable[[Event], dict[str, Any]]) -> str:
        if render is not default_render:
            return sse(ev, render)
        text = self._texts.get(ev.seq)
        if text is None:
            text = sse(ev, render)
            if len(self._texts) >= 4096:
                self._texts.clear()
            self._texts[ev.seq] = text
        return text

    def attach(self, writer: Writer) -> None:
        """Listen to the writer's commits (call on the event loop that serves the streams)."""
        self._loop = asyncio.get_running_loop()
        if self._on_commit not in writer.listeners:
            writer.listeners.append(self._on_commit)

    def detach(self, writer: Writer) -> None:
        with contextlib.suppress(ValueError):
            writer.listeners.remove(self._on_commit)
        self._loop = None

    @property
    def connected(self) -> int:
        return len(self._listeners)

    def _on_commit(self, events: list[Event]) -> None:
        # The writer's thread: hop onto the loop, where the queues live.
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._dispatch, events)

    def _dispatch(self, events: list[Event]) -> None:
        for lis in list(self._listeners):
            if lis.dropped:
                continue
            for ev in events:
                if not lis.accept(ev):
                    continue
                if lis.queue.qsize() >= lis.limit:
                    lis.dropped = True
                    self.drops += 1
                    lis.queue.put_nowait(_DROPPED)  # the queue keeps one slot for this
                    break
                lis.queue.put_nowait(ev)

    def _replay_page(self, after: int) -> tuple[list[Event], int]:
        """One page of journal events after ``after`` and the highest seq it read."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(journal)
                .where(journal.c.seq > after)
                .order_by(journal.c.seq)
                .limit(REPLAY_BATCH)
            ).all()
        events = [Event.from_row(r) for r in rows]
        return events, (events[-1].seq if events else after)

    async def stream(
        self,
        accept: EventFilter,
        last_id: int | None,
        render: Callable[[Event], dict[str, Any]] | None = None,
        on_open: Callable[[], None] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> AsyncGenerator[str, None]:
        """The SSE text of one connection: replay after ``last_id``, then live, heartbeats."""
        render = render or default_render
        lis = _Listener(accept, asyncio.Queue(self.queue_size + 1), self.queue_size)
        self._listeners.add(lis)
        if on_open:
            on_open()
        try:
            if last_id is None:
                last = await asyncio.to_thread(_top, self.engine)
                yield f'retry: 2000\nid: {last}\nevent: hello\ndata: {{"seq": {last}}}\n\n'
            else:
                last = last_id
                yield "retry: 2000\n\n"
                while True:  # bounded: each page moves ``read`` forward or ends the loop
                    events, read = await asyncio.to_thread(self._replay_page, last)
                    for ev in events:
                        if accept(ev):
                            yield self._text(ev, render)
                            self.sent += 1
                    if read == last or len(events) < REPLAY_BATCH:
                        last = read
                        break
                    last = read
            while True:
                try:
                    item = await asyncio.wait_for(lis.queue.get(), self.heartbeat_s)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if item is _DROPPED:
                    log.info("livefeed.dropped_slow_client", last=last)
                    return
                ev = item
                if ev.seq <= last:  # already sent from the journal
                    continue
                last = ev.seq
                yield self._text(ev, render)
                self.sent += 1
        finally:
            self._listeners.discard(lis)
            if on_close:
                on_close()


def _top(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)


def default_render(ev: Event) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "type": ev.type,
        "stream": ev.stream,
        "payload": ev.payload,
        "recorded_at_ms": ev.recorded_at_ms,
    }


def sse(ev: Event, render: Callable[[Event], dict[str, Any]]) -> str:
    data = json.dumps(render(ev), ensure_ascii=False, separators=(",", ":"))
    return f"id: {ev.seq}\nevent: {ev.type}\ndata: {data}\n\n"


def parse_last_id(header: str | None, query: str | None) -> int | None:
    """The header (sent by the browser on reconnect) wins over the query (the first connect)."""
    for raw in (header, query):
        if raw is not None and raw.strip().isdigit():
            return int(raw.strip())
    return None


def feed_of(node_extras: dict[str, object], engine: Engine, heartbeat_s: float = 10.0) -> LiveFeed:
    """The node's feed, made on first use."""
    feed = node_extras.get("livefeed")
    if not isinstance(feed, LiveFeed):
        feed = LiveFeed(engine, heartbeat_s=heartbeat_s)
        node_extras["livefeed"] = feed
    return feed
