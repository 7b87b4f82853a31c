"""HQ owns members' balances: a member joins and tops up at store A, the events reach HQ in the
ordinary upload, HQ projects them once (a resend changes nothing), and store B learns the
member, HQ's balance and its offline allowance from the members feed; B's spend travels back
the same way. HQ on SQLite and PostgreSQL, stores on SQLite, HQ in process (ASGI)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hearth.bootstrap import build_node
from hearth.core.node import Node
from hearth.core.writer import Command, Tx
from hearth.hq import members as hq_members
from hearth.hq import service as hq_service
from hearth.hq.app import build_hq, create_hq_app
from hearth.hq.config import HQSettings
from hearth.hq.context import HQ
from hearth.members import feed, service
from hearth.members.service import Who
from hearth.sync import service as sync
from hearth.sync.client import HqClient
from hearth.testing.builders import a_small_restaurant, fast_settings


@pytest.fixture
def hq(db_url: str) -> Iterator[tuple[HQ, httpx.ASGITransport]]:
    if db_url.startswith("sqlite"):
        db_url = db_url.replace("store.db", "hq.db")
    settings = HQSettings(db_url=db_url, argon2_time_cost=1, argon2_memory_kib=1024)
    built = build_hq(settings)
    yield built, httpx.ASGITransport(app=create_hq_app(settings, built))
    built.engine.dispose()


def a_store(tmp_path: Any, name: str) -> Node:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/{name}.db", store_id=name))
    a_small_restaurant(node)
    return node


def write_of(node: Node) -> Any:
    async def write(command: Command[Any]) -> Any:
        return await asyncio.to_thread(node.writer.run, command)

    return write


def enrol(node: Node, hq: HQ, transport: httpx.ASGITransport) -> sync.Syncer:
    code = hq_service.create_store(hq, node.settings.store_id, node.settings.store_id)

    def factory(url: str, cred: str | None) -> HqClient:
        return HqClient(url, cred, transport=transport)

    asyncio.run(
        sync.enrol(
            node.engine,
            write_of(node),
            node.settings.store_id,
            "http://hq",
            code,
            node.clock.now_ms(),
            client_factory=factory,
        )
    )
    return sync.Syncer(node.engine, write_of(node), node.clock.now_ms, client_factory=factory)


def who(node: Node) -> Who:
    return Who(None, node.clock.now_ms(), node.settings.timezone)


def figures(node: Node, member_id: str) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.get_member(conn, member_id, "2026-01-01")


def test_balances_travel_through_hq_once_and_each_store_gets_its_allowance(
    hq: tuple[HQ, httpx.ASGITransport], tmp_path: Any
) -> None:
    central, transport = hq
    a, b = a_store(tmp_path, "store-a"), a_store(tmp_path, "store-b")
    try:
        sync_a, sync_b = enrol(a, central, transport), enrol(b, central, transport)
        a.writer.run(
            lambda tx: service.set_rule(tx, "top_up", "t500", {"pay": 50000, "bonus": 5000}, who(a))
        )
        member = a.writer.run(lambda tx: service.join(tx, who(a), phone="13812341234", name="王"))
        a.writer.run(lambda tx: service.top_up(tx, who(a), member, 50000, "k1"))
        assert asyncio.run(sync_a.round()).drained
        held = hq_members.member_figures(central, member)
        assert held is not None
        assert (held["paid"], held["bonus"], held["allowance"]) == (50000, 5000, 20000)

        # A resend of the same events (HQ's cursor rewound by a restore, say) posts nothing.
        with central.engine.begin() as conn:
            conn.execute(sa.delete(hq_members.hq_member_cursors))
        held = hq_members.member_figures(central, member)
        assert held is not None and (held["paid"], held["bonus"]) == (50000, 5000)

        hq_members.set_allowance(central, member, 30000)
        assert asyncio.run(feed.pull(b, transport, write_of(b))) == 1
        at_b = figures(b, member)
        assert at_b["phone"] == "138****1234" and at_b["stored_value"] == 55000
        assert (at_b["paid"], at_b["bonus"], at_b["allowance"]) == (50000, 5000, 30000)

        def charge(tx: Tx) -> None:  # what payments' stored-value tender appends
            tx.append(
                f"account:{member}",
                "StoredValueChanged",
                {"account_id": member, "delta": -3800, "reason": "charge", "payment_id": "p1"},
            )

        b.writer.run(charge)
        at_b = figures(b, member)
        assert (at_b["paid"], at_b["stored_value"]) == (50000 - 3800, 55000 - 3800)
        assert asyncio.run(sync_b.round()).drained
        held = hq_members.member_figures(central, member)
        assert held is not None and (held["paid"], held["bonus"]) == (46200, 5000)

        assert asyncio.run(feed.pull(a, transport, write_of(a))) == 1
        at_a = figures(a, member)
        assert (at_a["paid"], at_a["bonus"], at_a["stored_value"]) == (46200, 5000, 51200)
        assert asyncio.run(feed.pull(a, transport, write_of(a))) == 0  # nothing new
    finally:
        a.close()
        b.close()
