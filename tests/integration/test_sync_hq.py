"""The store's sync against a real HQ app (uvicorn, in-process) on SQLite and PostgreSQL.

HQ sits behind a small TCP proxy of our own: taking the proxy down is HQ unreachable for the
store (connections refused), and an ASGI hook on HQ drops the answer to an upload after HQ
committed it (a lost answer).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn

from hearth.bootstrap import build_node, projectors
from hearth.core.journal import read_events
from hearth.core.node import Node
from hearth.core.rebuild import snapshot
from hearth.core.writer import Command
from hearth.hq import catalogue as hq_catalogue
from hearth.hq import service as hq_service
from hearth.hq.app import build_hq, create_hq_app
from hearth.hq.config import HQSettings
from hearth.menu.tables import items
from hearth.ordering.service import Channel, Context, LineInput, place_order
from hearth.ordering.tables import orders
from hearth.sync import service
from hearth.sync.api import status_json
from hearth.sync.client import HqClient, HqUnavailable
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings


def wait_until(check: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class LoseAnswers:
    """ASGI hook: HQ runs the upload (and commits), then its answer is replaced by a 502."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.armed = 0
        self.lost = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/sync/v1/events" or not self.armed:
            await self.app(scope, receive, send)
            return
        self.armed -= 1

        async def swallow(message: Any) -> None:
            return None

        await self.app(scope, receive, swallow)
        self.lost += 1
        await send({"type": "http.response.start", "status": 502, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class Proxy:
    """A TCP proxy on a port the kernel picked (the socket is kept, never rebound)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.down = False
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, sock=self.sock)
        )
        self.loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_w}

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                w.transport.abort()
                self.writers.discard(w)

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))

    def set_down(self, down: bool) -> None:
        def flip() -> None:
            self.down = down
            if down:
                for w in list(self.writers):
                    w.transport.abort()

        fut = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop)
        fut.result()
        self.loop.call_soon_threadsafe(flip)
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@dataclass
class Hq:
    hq: Any
    url: str
    proxy: Proxy
    hook: LoseAnswers

    def acked(self, store_id: str) -> tuple[int, str]:
        from hearth.hq.tables import stores

        with self.hq.engine.connect() as conn:
            row = conn.execute(
                sa.select(stores.c.acked_seq, stores.c.digest).where(stores.c.store_id == store_id)
            ).one()
        return int(row.acked_seq), str(row.digest)

    def event_count(self, store_id: str) -> int:
        from hearth.hq.tables import hq_events

        with self.hq.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(hq_events)
                    .where(hq_events.c.store_id == store_id)
                ).scalar()
                or 0
            )


@pytest.fixture
def hq(db_url: str) -> Iterator[Hq]:
    if db_url.startswith("sqlite"):  # the db_url fixture names the store's file
        db_url = db_url.replace("store.db", "hq.db")
    settings = HQSettings(db_url=db_url, argon2_time_cost=1, argon2_memory_kib=1024)
    built = build_hq(settings)
    hook = LoseAnswers(create_hq_app(settings, built))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(hook, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    proxy = Proxy(sock.getsockname()[1])
    yield Hq(built, f"http://127.0.0.1:{proxy.port}", proxy, hook)
    proxy.close()
    server.should_exit = True
    thread.join(10)
    built.engine.dispose()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[tuple[Node, DemoIds]]:
    node = build_node(fast_settings(sqlite_url))
    ids = a_small_restaurant(node)
    yield node, ids
    node.close()


def write_of(node: Node) -> Any:
    async def write(command: Command[Any]) -> Any:
        return await asyncio.to_thread(node.writer.run, command)

    return write


def enrol(node: Node, hq: Hq) -> service.Syncer:
    code = hq_service.create_store(hq.hq, node.settings.store_id, "炉火小馆 · 测试")
    asyncio.run(
        service.enrol(
            node.engine, write_of(node), node.settings.store_id, hq.url, code, node.clock.now_ms()
        )
    )
    return service.Syncer(node.engine, write_of(node), node.clock.now_ms)


def take_orders(node: Node, ids: DemoIds, n: int) -> list[str]:
    item = ids.items["rice"]
    ctx = Context(None, node.clock.now_ms(), node.settings.timezone)
    placed = node.writer.run_batch(
        [
            lambda tx: place_order(
                tx, ctx, channel=Channel.TAKEAWAY, table_id=None, lines=[LineInput(item)]
            )
        ]
        * n
    )
    return [o.id for o in placed]


def state_of(node: Node) -> service.SyncState:
    with node.engine.connect() as conn:
        state = service.load_state(conn)
    assert state is not None
    return state


def top_and_digest(node: Node) -> tuple[int, str]:
    with node.engine.connect() as conn:
        top = service.journal_top(conn)
        return top, service.digest_at(conn, top)


def test_a_store_enrols_and_uploads_2000_events_exactly_once(store, hq):
    node, ids = store
    take_orders(node, ids, 1000)  # 2,000 events, and the menu's
    syncer = enrol(node, hq)
    top, digest = top_and_digest(node)
    assert top >= 2000
    out = asyncio.run(syncer.round())
    assert out.drained and out.sent == top
    assert hq.acked(node.settings.store_id) == (top, digest)
    assert hq.event_count(node.settings.store_id) == top
    status = status_json(node)
    assert status["events_waiting"] == 0 and status["hq_reachable"] is True
    assert "credential" not in str(status)


def test_hq_down_while_orders_go_on_then_the_backlog_drains(store, hq):
    node, ids = store
    syncer = enrol(node, hq)
    assert asyncio.run(syncer.round()).drained
    hq.proxy.set_down(True)
    take_orders(node, ids, 20)
    out = asyncio.run(syncer.round())
    assert not out.answered
    status = status_json(node)
    assert status["hq_reachable"] is False and status["events_waiting"] >= 40
    assert status["waiting_since_ms"] is not None
    assert [a["code"] for a in status["alarms"]] == ["hq-unreachable"]
    take_orders(node, ids, 5)  # ordering carries on
    assert status_json(node)["events_waiting"] > status["events_waiting"]
    hq.proxy.set_down(False)
    assert asyncio.run(syncer.round()).drained
    status = status_json(node)
    assert status["events_waiting"] == 0 and status["hq_reachable"] is True
    assert status["alarms"] == []
    assert hq.acked(node.settings.store_id) == top_and_digest(node)


def test_a_lost_answer_is_resent_as_a_harmless_duplicate(store, hq):
    node, ids = store
    syncer = enrol(node, hq)
    take_orders(node, ids, 10)
    hq.hook.armed = 1
    out = asyncio.run(syncer.round())
    assert hq.hook.lost == 1 and not out.answered
    top, digest = top_and_digest(node)
    assert hq.acked(node.settings.store_id) == (top, digest)  # HQ committed it
    assert state_of(node).acked_seq == 0  # the store did not hear it
    # the next round: the handshake and the resend agree, nothing doubles
    syncer.shaken = True  # skip the handshake: the upload itself must be a duplicate ack
    assert asyncio.run(syncer.round()).drained
    assert hq.event_count(node.settings.store_id) == top
    assert hq.acked(node.settings.store_id) == (top, digest)
    assert state_of(node).acked_seq == top


def test_a_price_change_published_offline_is_applied_once_and_old_orders_keep_their_version(
    store, hq
):
    node, ids = store
    syncer = enrol(node, hq)
    item = ids.items["rice"]
    hq_catalogue.publish(
        hq.hq, "chain", [{"type": "ItemUpdated", "payload": {"id": item, "price": 2800}}], "test"
    )
    assert asyncio.run(syncer.round()).drained
    (first,) = take_orders(node, ids, 1)
    hq.proxy.set_down(True)
    v2 = hq_catalogue.publish(
        hq.hq, "chain", [{"type": "ItemUpdated", "payload": {"id": item, "price": 3200}}], "t"
    )
    (offline,) = take_orders(node, ids, 1)
    assert not asyncio.run(syncer.round()).answered
    hq.proxy.set_down(False)
    assert asyncio.run(syncer.round()).drained
    assert asyncio.run(syncer.round()).drained  # a second pull applies nothing again
    (after,) = take_orders(node, ids, 1)
    with node.engine.connect() as conn:
        versions = dict(conn.execute(sa.select(orders.c.id, orders.c.catalogue_version)).all())
        totals = dict(conn.execute(sa.select(orders.c.id, orders.c.total)).all())
        applied = [
            e.payload["version"] for e in read_events(conn) if e.type == "CatalogueVersionApplied"
        ]
    assert applied == [v2 - 1, v2]
    assert versions[first] == versions[offline] == v2 - 1
    assert versions[after] == v2
    assert totals[offline] < totals[after]


def test_an_hq_name_change_gives_the_item_its_new_pinyin_at_the_store(store, hq):
    """HQ sends names, not search keys: the store spells the new name itself, as for an edit
    made at the store, so a cashier finds the renamed dish by its new initials."""
    node, ids = store
    syncer = enrol(node, hq)
    item = ids.items["rice"]
    hq_catalogue.publish(
        hq.hq,
        "chain",
        [{"type": "ItemUpdated", "payload": {"id": item, "name_zh": "宫保鸡丁"}}],
        "test",
    )
    created = "hq-item-1"
    with node.engine.connect() as conn:
        category = conn.execute(
            sa.select(items.c.category_id).where(items.c.id == item)
        ).scalar_one()
    hq_catalogue.publish(
        hq.hq,
        "chain",
        [
            {
                "type": "ItemCreated",
                "payload": {
                    "id": created,
                    "category_id": category,
                    "kind": "dish",
                    "name_zh": "鱼香肉丝",
                    "name_en": "Yuxiang pork",
                    "price": 3800,
                    "tax_rate_bp": 600,
                    "specs": [],
                    "modifier_group_ids": [],
                    "combo_slots": [],
                    "pinyin_initials": "stale",
                    "pinyin_full": "stale",
                },
            }
        ],
        "test",
    )
    assert asyncio.run(syncer.round()).drained
    with node.engine.connect() as conn:
        keys = {
            r.id: (r.name_zh, r.pinyin_initials, r.pinyin_full)
            for r in conn.execute(sa.select(items).where(items.c.id.in_([item, created])))
        }
    assert keys == {
        item: ("宫保鸡丁", "gbjd", "gongbaojiding"),
        created: ("鱼香肉丝", "yxrs", "yuxiangrousi"),
    }


def test_restore_from_hq_gives_equal_projections_and_fences_the_zombie(store, hq, tmp_path):
    node, ids = store
    syncer = enrol(node, hq)
    take_orders(node, ids, 30)
    assert asyncio.run(syncer.round()).drained
    with node.engine.connect() as conn:
        credential = service.load_credential(conn)
        original = snapshot(conn, projectors())
    assert credential

    fresh = build_node(fast_settings(f"sqlite:///{tmp_path}/new.db"))
    try:
        done = asyncio.run(
            service.restore_from_hq(
                fresh.engine, projectors(), hq.url, credential, fresh.clock.now_ms()
            )
        )
        assert done.epoch == 2 and done.events == top_and_digest(node)[0]
        with fresh.engine.connect() as conn:
            assert snapshot(conn, projectors()) == original
        assert state_of(fresh).epoch == 2
        # restoring over a database that holds events is refused
        with pytest.raises(service.Problem) as refused:
            asyncio.run(
                service.restore_from_hq(
                    fresh.engine, projectors(), hq.url, credential, fresh.clock.now_ms()
                )
            )
        assert refused.value.code == "sync-database-not-empty"
    finally:
        fresh.close()

    held = hq.event_count(node.settings.store_id)
    take_orders(node, ids, 3)  # the zombie old box comes back and takes orders
    out = asyncio.run(syncer.round())
    assert out.stopped
    assert hq.event_count(node.settings.store_id) == held
    assert state_of(node).status == "fenced"
    assert [a["code"] for a in status_json(node)["alarms"]] == ["sync-fenced"]


def test_a_restore_cut_midway_says_restoring_and_carries_on_when_run_again(
    store, hq, tmp_path, monkeypatch
):
    """The link dies after two pages: the half-restored box says ``restoring`` (its sync does
    not start, it claims nothing), and the same command run again carries on from the last
    page written, to projections equal to the original's."""
    node, ids = store
    syncer = enrol(node, hq)
    take_orders(node, ids, 30)
    assert asyncio.run(syncer.round()).drained
    with node.engine.connect() as conn:
        credential = service.load_credential(conn)
        original = snapshot(conn, projectors())
    assert credential
    monkeypatch.setattr(service, "JOURNAL_PAGE", 20)
    pages: list[int] = []

    class CutAfterTwoPages(HqClient):
        async def journal(self, after: int, limit: int) -> list[dict[str, Any]]:
            pages.append(after)
            if len(pages) > 2:
                raise HqUnavailable("the link went down")
            return await super().journal(after, limit)

    fresh = build_node(fast_settings(f"sqlite:///{tmp_path}/new.db"))
    try:
        with pytest.raises(HqUnavailable):
            asyncio.run(
                service.restore_from_hq(
                    fresh.engine,
                    projectors(),
                    hq.url,
                    credential,
                    fresh.clock.now_ms(),
                    client_factory=lambda url, cred: CutAfterTwoPages(url, cred),
                )
            )
        half = state_of(fresh)
        assert (half.status, half.acked_seq) == ("restoring", 40)
        with fresh.engine.connect() as conn:
            assert service.journal_top(conn) == 40
        out = asyncio.run(service.Syncer(fresh.engine, write_of(fresh), fresh.clock.now_ms).round())
        assert out.stopped and out.reason == "restoring"

        done = asyncio.run(
            service.restore_from_hq(
                fresh.engine, projectors(), hq.url, credential, fresh.clock.now_ms()
            )
        )
        assert done.epoch == 2 and done.events == top_and_digest(node)[0]
        assert top_and_digest(fresh) == top_and_digest(node)
        assert state_of(fresh).status == "ok"
        with fresh.engine.connect() as conn:
            assert snapshot(conn, projectors()) == original
    finally:
        fresh.close()


def test_the_admin_form_enrols_and_sync_now_drains_through_the_running_node(api, hq):
    manager, cashier = api.login("M01"), api.login("C01")
    code = hq_service.create_store(hq.hq, api.node.settings.store_id, "炉火小馆")
    refused = api.post("/api/sync/enrol", {"hq_url": hq.url, "enrol_code": code}, cashier)
    assert refused.status_code == 403
    r = api.post("/api/sync/enrol", {"hq_url": hq.url, "enrol_code": code}, manager)
    assert r.status_code == 200, r.text
    take_orders(api.node, api.ids, 5)
    r = api.post("/api/sync/now", {"wait_s": 20}, cashier)
    assert r.status_code == 200, r.text
    assert r.json()["events_waiting"] == 0 and r.json()["hq_reachable"] is True
    status = api.client.get("/api/sync/status", headers=cashier).json()
    assert status["acked_seq"] == status["journal_seq"] > 0
    assert "credential" not in status
    # no destructive action while events wait: joining another HQ is refused
    hq.proxy.set_down(True)
    take_orders(api.node, api.ids, 1)
    again = api.post(
        "/api/sync/enrol", {"hq_url": "http://other-hq.example", "enrol_code": "abcd-efgh"}, manager
    )
    assert again.status_code == 409 and again.json()["code"] == "sync-events-waiting"
