"""Subscribers get every event once in order, survive their own failures, and resume."""

from __future__ import annotations

import asyncio
import time

from hearth.bootstrap import build_node
from hearth.core.journal import Event
from hearth.core.subscribers import Subscriber, SubscriberRunner, cursor_of
from hearth.ordering import service as ordering
from hearth.ordering.domain import Channel
from hearth.ordering.service import Context, LineInput
from hearth.testing.builders import a_small_restaurant, fast_settings


def place(node, ids, n):
    for _ in range(n):
        node.writer.run(
            lambda tx: ordering.place_order(
                tx,
                Context("t", int(time.time() * 1000)),
                channel=Channel.TAKEAWAY,
                table_id=None,
                lines=[LineInput(ids.items["rice"])],
            )
        )


def test_a_failing_subscriber_is_retried_and_misses_nothing(sqlite_url):
    node = build_node(fast_settings(sqlite_url))
    ids = a_small_restaurant(node)
    seen: list[int] = []
    failures = {"left": 3}

    def handle(events: list[Event]):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("printer on fire")
        seen.extend(e.seq for e in events)
        return None

    sub = Subscriber("test", handle, batch_size=7)

    async def scenario():
        await node.writer.start()
        runner = SubscriberRunner(node.engine, node.writer, [sub], poll_seconds=0.05)
        await runner.start()
        await asyncio.to_thread(place, node, ids, 5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if seen and seen[-1] == node.writer.journal.next_seq - 1:
                break
            await asyncio.sleep(0.02)
        await runner.stop()
        await node.writer.stop()

    asyncio.run(scenario())
    top = node.writer.journal.next_seq - 1
    assert seen == list(range(1, top + 1)), "every event once, in order"
    with node.engine.connect() as conn:
        assert cursor_of(conn, "test") == top
    node.close()

    # A restarted node resumes from the saved cursor: only new events arrive.
    node = build_node(fast_settings(sqlite_url))
    place(node, ids, 2)
    later: list[int] = []
    sub2 = Subscriber("test", lambda evs: later.extend(e.seq for e in evs))

    async def resume():
        await node.writer.start()
        runner = SubscriberRunner(node.engine, node.writer, [sub2])
        while await runner.deliver_once(sub2):
            pass
        await node.writer.stop()

    asyncio.run(resume())
    assert later and later[0] == top + 1
    assert later[-1] == node.writer.journal.next_seq - 1
    node.close()
