"""The journal, the writer and the projections, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa

from hearth.bootstrap import build_node
from hearth.core.errors import Problem
from hearth.core.journal import read_events
from hearth.core.rebuild import rebuild
from hearth.core.tables import journal
from hearth.core.writer import Idempotency, idempotent
from hearth.menu.tables import modifier_groups
from hearth.ordering import service as ordering
from hearth.ordering.domain import Channel, DiscountKind
from hearth.ordering.service import Context, LineInput
from hearth.ordering.tables import orders
from hearth.testing.builders import a_small_restaurant, fast_settings


@pytest.fixture
def store(db_url):
    node = build_node(fast_settings(db_url))
    ids = a_small_restaurant(node)
    yield node, ids
    node.close()


def ctx():
    return Context("tester", int(time.time() * 1000))


def a_takeaway(ids, submit=False):
    def command(tx):
        return ordering.place_order(
            tx,
            ctx(),
            channel=Channel.TAKEAWAY,
            table_id=None,
            lines=[LineInput(ids.items["rice"], 2)],
            submit=submit,
        )

    return command


def test_sqlite_is_durable_and_in_wal_mode(sqlite_url):
    node = build_node(fast_settings(sqlite_url))
    with node.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    node.close()


def test_seq_has_no_gap_when_commands_in_a_batch_fail(store):
    node, ids = store

    def refused(tx):
        ordering.place_order(
            tx,
            ctx(),
            channel=Channel.TAKEAWAY,
            table_id=None,
            lines=[LineInput(ids.items["rice"], 1)],
        )
        raise Problem(409, "refused", "refused on purpose")

    results = node.writer.run_batch([a_takeaway(ids), refused, a_takeaway(ids), refused])
    assert isinstance(results[1], Problem) and isinstance(results[3], Problem)
    with node.engine.connect() as conn:
        seqs = [r.seq for r in conn.execute(sa.select(journal.c.seq).order_by(journal.c.seq))]
        assert seqs == list(range(1, len(seqs) + 1))
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 2


def test_many_concurrent_requests_share_few_commits(store):
    node, ids = store

    async def rush():
        await node.writer.start()
        try:
            return await asyncio.gather(*(node.writer.submit(a_takeaway(ids)) for _ in range(300)))
        finally:
            await node.writer.stop()

    batches_before = node.writer.batches
    placed = asyncio.run(rush())
    assert len({o.id for o in placed}) == 300
    assert node.writer.batches - batches_before < 300 / 3, "group commit should batch"
    with node.engine.connect() as conn:
        numbers = sorted(r.number for r in conn.execute(sa.select(orders.c.number)))
    assert numbers == list(range(1, 301)), "order numbers are unique and without gaps"


def test_the_same_idempotency_key_sent_concurrently_makes_one_order(store):
    node, ids = store

    def command(tx):
        return 201, {"id": a_takeaway(ids)(tx).id}

    async def race():
        await node.writer.start()
        try:
            idem = Idempotency.of("same-key", "POST", "/api/orders", {"x": 1})
            return await asyncio.gather(
                *(node.writer.submit(idempotent(command, idem)) for _ in range(25))
            )
        finally:
            await node.writer.stop()

    answers = asyncio.run(race())
    assert len({a.body["id"] for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    with node.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1


def test_rebuild_reproduces_every_projection(store):
    node, ids = store
    w = node.writer.run
    table = ids.tables["A01"]
    o = w(
        lambda tx: ordering.place_order(
            tx,
            ctx(),
            channel=Channel.DINE_IN,
            table_id=table,
            submit=True,
            lines=[
                LineInput(ids.items["gbjd"], 1, modifier_option_ids=(ids.options["Mild"],), seat=1),
                LineInput(ids.items["cola"], 2, spec_id=ids.specs["small"], seat=2),
                LineInput(ids.items["duck"], 1, seat=2),
            ],
        )
    )
    w(lambda tx: ordering.add_lines(tx, ctx(), o.id, [LineInput(ids.items["rice"], 3, seat=1)]))
    w(
        lambda tx: ordering.apply_discount(
            tx,
            ctx(),
            o.id,
            line_id=None,
            kind=DiscountKind.PERCENT,
            value=500,
            reason="vip",
            approved_by=None,
            limit_bp=1000,
        )
    )
    w(lambda tx: ordering.split_by_seat(tx, ctx(), o.id))
    w(lambda tx: ordering.void_line(tx, ctx(), o.id, o.lines[0].id, "burnt", "manager"))
    other = w(a_takeaway(ids, submit=True))
    w(lambda tx: ordering.advance(tx, ctx(), other.id, ordering.OrderStatus.READY))

    with node.engine.connect() as conn:
        before = [tuple(r) for r in conn.execute(sa.select(orders).order_by(orders.c.id))]
        events = len(list(read_events(conn)))
    report = rebuild(node.engine, node.projectors)
    assert report.matches, report.mismatched
    assert report.events == events
    with node.engine.connect() as conn:
        after = [tuple(r) for r in conn.execute(sa.select(orders).order_by(orders.c.id))]
    assert before == after


def test_rebuild_notices_a_projection_changed_behind_the_journals_back(store):
    node, ids = store
    node.writer.run(a_takeaway(ids))
    with node.engine.begin() as conn:
        conn.execute(orders.update().values(total=1))
    report = rebuild(node.engine, node.projectors, keep=True)
    assert "orders" in report.mismatched
    with node.engine.connect() as conn:
        assert conn.execute(sa.select(orders.c.total)).scalar() == 600


def test_rebuild_reports_a_changed_row_of_a_table_holding_json(store):
    """Modifier groups keep their options as a JSON list: a rebuild that finds one changed
    says so (it used to fail counting rows that hold lists)."""
    node, _ids = store
    with node.engine.begin() as conn:
        conn.execute(modifier_groups.update().values(options=[{"id": "x", "name_zh": "改"}]))
    report = rebuild(node.engine, node.projectors, keep=False)
    assert "menu_modifier_groups" in report.mismatched
