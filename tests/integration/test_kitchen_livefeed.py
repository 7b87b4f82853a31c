"""The live feed: a screen that drops and comes back with Last-Event-ID gets every event it
missed, once, in order, even while events keep being committed; a slow screen is cut off and
resumes the same way."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from typing import Any

import httpx
import sqlalchemy as sa

from hearth.core.journal import Event, read_events
from hearth.core.livefeed import LiveFeed, parse_last_id
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from hearth.testing.waiting import eventually, wait_until


def ping(n: int) -> Any:
    def command(tx: Tx) -> None:
        tx.append("test:feed", "Ping", {"n": n})
        tx.append("test:noise", "Noise", {"n": n})  # filtered out by the stream

    return command


def accept(ev: Event) -> bool:
    return ev.type == "Ping"


def ids_in(chunk: str) -> list[int]:
    return [int(line[4:]) for line in chunk.splitlines() if line.startswith("id: ")]


async def _reconnecting_client(
    node: Node, feed: LiveFeed, total: int, reconnects: int
) -> tuple[list[int], list[int]]:
    rng = random.Random(7)
    await node.writer.start()
    feed.attach(node.writer)
    received: list[int] = []
    done = asyncio.Event()

    async def produce() -> None:
        for n in range(total):
            await node.writer.submit(ping(n))
            if n % 7 == 0:
                await asyncio.sleep(0)
        done.set()

    producer = asyncio.create_task(produce())
    last: int | None = 0
    for _ in range(reconnects):
        stream = feed.stream(accept, last)
        take = rng.randint(0, 4)
        try:
            async with asyncio.timeout(5):
                async for chunk in stream:
                    got = ids_in(chunk)
                    received.extend(got)
                    if got:
                        last = got[-1]
                        take -= 1
                    if take <= 0:
                        break
        finally:
            await stream.aclose()
    # The last connection stays until it has everything.
    await producer
    stream = feed.stream(accept, last)
    async with asyncio.timeout(10):
        async for chunk in stream:
            received.extend(ids_in(chunk))
            if len(received) >= total:
                break
    await stream.aclose()
    feed.detach(node.writer)
    await node.writer.stop()
    with node.engine.connect() as conn:
        from hearth.core.journal import read_events

        expected = [e.seq for e in read_events(conn) if e.type == "Ping"]
    return received, expected


def test_a_screen_reconnecting_a_hundred_times_gets_everything_once_in_order(node):
    feed = LiveFeed(node.engine, heartbeat_s=0.2)
    received, expected = asyncio.run(_reconnecting_client(node, feed, 600, 100))
    assert received == expected
    assert len(expected) == 600


async def _slow_client(node: Node) -> tuple[list[int], list[int], int]:
    feed = LiveFeed(node.engine, queue_size=5, heartbeat_s=0.2)
    await node.writer.start()
    feed.attach(node.writer)
    received: list[int] = []
    stream = feed.stream(accept, 0)
    first = await anext(stream)  # connected; now fall behind while 50 events arrive
    received.extend(ids_in(first))
    for n in range(50):
        await node.writer.submit(ping(n))

    async def cut_off() -> bool:  # commits reach the feed through the loop
        return feed.drops > 0

    await eventually(cut_off, what="the slow screen cut off")
    async for chunk in stream:  # what was queued before the cut, then the stream ends
        received.extend(ids_in(chunk))
    drops = feed.drops
    resumed = feed.stream(accept, received[-1] if received else 0)
    async with asyncio.timeout(5):
        async for chunk in resumed:
            received.extend(ids_in(chunk))
            if len(received) >= 50:
                break
    await resumed.aclose()
    await node.writer.stop()
    with node.engine.connect() as conn:
        from hearth.core.journal import read_events

        expected = [e.seq for e in read_events(conn) if e.type == "Ping"]
    return received, expected, drops


def test_a_slow_screen_is_cut_off_and_resumes_without_loss(node):
    received, expected, drops = asyncio.run(_slow_client(node))
    assert drops == 1
    assert received == expected


def test_last_event_id_header_wins_over_the_query():
    assert parse_last_id("12", "3") == 12
    assert parse_last_id(None, "3") == 3
    assert parse_last_id("junk", None) is None


def test_the_station_feed_over_http_resumes_from_last_event_id(tmp_path):
    """A real node: the KDS's EventSource reconnects with Last-Event-ID (or the token in the
    query, since EventSource cannot send headers)."""
    db_url = f"sqlite:///{tmp_path}/store.db"
    from hearth.bootstrap import build_node

    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    stations = a_kitchen(setup, ids)
    setup.close()
    proc = NodeProcess(db_url, log=tmp_path / "node.log")
    proc.start()
    try:
        base = proc.base_url
        token = httpx.post(
            f"{base}/api/auth/pin",
            json={"staff_code": "W01", "pin": ids.pins["W01"]},
            headers={"X-Terminal-Key": ids.terminal_key},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        url = f"{base}/api/kitchen/stations/{stations['hot']}/feed"
        assert httpx.get(url, timeout=5).status_code == 401
        start = httpx.get(
            f"{base}/api/kitchen/stations/{stations['hot']}/tickets", headers=auth
        ).json()["seq"]
        for n in range(3):
            r = httpx.post(
                f"{base}/api/orders",
                headers=auth | {"Idempotency-Key": f"o{n}"},
                json={
                    "channel": "takeaway",
                    "submit": True,
                    "lines": [{"item_id": ids.items["rice"], "note": f"n{n}"}],
                },
            )
            assert r.status_code == 201, r.text
        got: list[int] = []
        with httpx.stream(
            "GET", url, params={"access_token": token, "last_event_id": start}, timeout=10
        ) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            for line in resp.iter_lines():
                if line.startswith("id: "):
                    got.append(int(line[4:]))
                if len(got) == 2:
                    break
        with httpx.stream(
            "GET",
            url,
            params={"access_token": token, "last_event_id": start},
            headers={"Last-Event-ID": str(got[-1])},
            timeout=10,
        ) as resp:
            for line in resp.iter_lines():
                if line.startswith("id: "):
                    got.append(int(line[4:]))
                if len(got) == 3:
                    break
        assert got == sorted(set(got)) and len(got) == 3

        def online() -> int:
            listed = httpx.get(f"{base}/api/kitchen/stations", headers=auth).json()
            return int(next(s for s in listed if s["id"] == stations["hot"])["screens_online"])

        with httpx.stream("GET", url, params={"access_token": token}, timeout=10) as resp:
            lines = resp.iter_lines()  # kept: dropping the iterator closes the response
            next(lines)
            assert online() == 1, "an open feed is a screen online"
        wait_until(lambda: online() == 0, what="a closed feed to be a screen gone")
    finally:
        proc.stop()


class SseReader:
    """One KDS connection's messages: (id, event type) as each blank line ends a message."""

    def __init__(self) -> None:
        self.id: int | None = None
        self.type = ""
        self.heartbeat = False

    def feed(self, line: str) -> tuple[int, str] | None:
        if line.startswith("id: "):
            self.id = int(line[4:])
        elif line.startswith("event: "):
            self.type = line[7:]
        elif line.startswith(": heartbeat"):
            self.heartbeat = True
        elif line == "" and self.id is not None and self.type:
            message, self.id, self.type = (self.id, self.type), None, ""
            return message
        return None


def test_a_kds_reconnecting_a_hundred_times_over_http_gets_every_ticket_once(tmp_path):
    """A real node and a real HTTP client: the screen drops its connection 100 times while
    orders keep coming, resuming each time with Last-Event-ID; across all its connections it
    gets every ticket event of its station once, in order, and once it is gone the station
    counts no screen online."""
    from hearth.bootstrap import build_node
    from hearth.kitchen.projections import TICKET_EVENTS

    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    stations = a_kitchen(setup, ids)
    setup.close()
    proc = NodeProcess(
        db_url,
        log=tmp_path / "node.log",
        env={"HEARTH_LIVEFEED_HEARTBEAT_S": "0.2", "HEARTH_KITCHEN_FALLBACK_AFTER_S": "3600"},
    )
    proc.start()
    try:
        base = proc.base_url

        def token(code: str) -> str:
            return str(
                httpx.post(
                    f"{base}/api/auth/pin",
                    json={"staff_code": code, "pin": ids.pins[code]},
                    headers={"X-Terminal-Key": ids.terminal_key},
                ).json()["access_token"]
            )

        cook, waiter = token("K01"), token("W01")
        hot = stations["hot"]
        url = f"{base}/api/kitchen/stations/{hot}/feed"
        start = httpx.get(
            f"{base}/api/kitchen/stations/{hot}/tickets",
            headers={"Authorization": f"Bearer {cook}"},
        ).json()["seq"]
        reconnecting = threading.Event()
        reconnecting.set()
        placed: list[int] = []

        def produce() -> None:  # orders keep coming for as long as the screen reconnects
            with httpx.Client(base_url=base, timeout=10) as http:
                while reconnecting.is_set() and len(placed) < 600:
                    r = http.post(
                        "/api/orders",
                        headers={
                            "Authorization": f"Bearer {waiter}",
                            "Idempotency-Key": uuid.uuid4().hex,
                        },
                        json={
                            "channel": "takeaway",
                            "submit": True,
                            "lines": [{"item_id": ids.items["rice"]}],
                        },
                    )
                    assert r.status_code == 201, r.text
                    placed.append(r.json()["number"])
                    time.sleep(0.005)

        producer = threading.Thread(target=produce, name="orders")
        producer.start()
        received: list[tuple[int, str]] = []
        rng = random.Random(11)
        last = start
        with httpx.Client(timeout=10) as http:

            def connect(stop: Any) -> None:
                nonlocal last
                headers = {} if last == start else {"Last-Event-ID": str(last)}
                params = {"access_token": cook, "last_event_id": str(start)}
                reader = SseReader()
                with http.stream("GET", url, params=params, headers=headers) as resp:
                    assert resp.status_code == 200
                    for line in resp.iter_lines():
                        message = reader.feed(line)
                        if message is not None:
                            received.append(message)
                            last = message[0]
                        if stop(reader):
                            return  # leaving the block drops the connection mid-stream

            try:
                for _ in range(100):
                    take = len(received) + rng.randint(0, 3)
                    connect(lambda r, take=take: len(received) >= take or r.heartbeat)
            finally:
                reconnecting.clear()
                producer.join(30)
            assert len(placed) > 20, "orders were coming in all along"

            engine = sa.create_engine(db_url)

            def expected() -> list[tuple[int, str]]:
                with engine.connect() as conn:
                    return [
                        (e.seq, e.type)
                        for e in read_events(conn, start)
                        if e.type in TICKET_EVENTS and e.payload.get("station_id") == hot
                    ]

            want = wait_until(
                lambda: (
                    (got := expected())
                    and sum(t == "TicketCreated" for _, t in got) >= len(placed)
                    and got
                ),
                what="the router to make every ticket",
            )
            engine.dispose()
            connect(lambda r: len(received) >= len(want) or r.heartbeat)
        assert received == want, "every ticket event once, in order, across 101 connections"
        assert sum(t == "TicketCreated" for _, t in received) == len(placed)

        def online() -> int:
            listed = httpx.get(
                f"{base}/api/kitchen/stations", headers={"Authorization": f"Bearer {cook}"}
            ).json()
            return int(next(s for s in listed if s["id"] == hot)["screens_online"])

        wait_until(lambda: online() == 0, what="the last disconnect")
    finally:
        proc.stop()


def test_a_deactivated_cooks_token_no_longer_opens_the_station_feed(api):
    """The feed checks a token like every other call: staff as they are now, not as they were
    when they signed in."""
    stations = a_kitchen(api.node, api.ids)
    cook = api.login("K01")["Authorization"][7:]
    url = f"/api/kitchen/stations/{stations['hot']}/feed"
    manager = api.login("M01")
    r = api.client.patch(
        f"/api/staff/{api.ids.staff['K01']}",
        json={"active": False},
        headers={**manager, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    refused = api.client.get(url, params={"access_token": cook})
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "not-signed-in"
