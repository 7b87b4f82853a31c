"""The demo restaurant loads through the real use cases and can take an order at once."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa

from hearth.bootstrap import build_node
from hearth.core.rebuild import rebuild
from hearth.demo import catalogue
from hearth.demo.seed import seed
from hearth.menu import service as menu
from hearth.menu.tables import items
from hearth.ordering import service as ordering
from hearth.ordering.domain import Channel
from hearth.ordering.service import Context, LineInput
from hearth.testing.builders import fast_settings


def test_demo_restaurant_is_complete_and_rebuildable(sqlite_url):
    node = build_node(fast_settings(sqlite_url))
    report = seed(node)
    assert report.items >= 60 and report.combos >= 3
    assert report.tables >= 20 and report.stations == 4
    assert {r for _c, _n, r, _p in report.staff} == {
        "owner",
        "manager",
        "cashier",
        "waiter",
        "kitchen",
    }
    with node.engine.connect() as conn:
        loaded = menu.load_items(conn, [r.id for r in conn.execute(sa.select(items.c.id))])
        found = menu.search(conn, "gbjd")
    assert any(i["name_zh"] == "宫保鸡丁" for i in found)

    # An all-day dish with a required modifier group is orderable as the catalogue says.
    dish = next(
        i
        for i in loaded.values()
        if i.modifier_groups and not i.specs and i.available_from is None and i.kind.value == "item"
    )
    choice = tuple(g.options[0].id for g in dish.modifier_groups if g.min_choices > 0)
    ctx = Context("demo", int(time.time() * 1000))
    table = report.table_ids[catalogue.AREAS[0].tables[0].code]
    order = node.writer.run(
        lambda tx: ordering.place_order(
            tx,
            ctx,
            channel=Channel.DINE_IN,
            table_id=table,
            submit=True,
            lines=[LineInput(dish.id, 2, modifier_option_ids=choice)],
        )
    )
    assert order.totals().subtotal >= 2 * dish.price

    assert rebuild(node.engine, node.projectors, keep=False).matches
    node.close()


def test_demo_store_enrols_once_with_the_demo_hq_and_its_events_reach_hq(tmp_path, sqlite_url):
    from fastapi.testclient import TestClient

    from hearth.bootstrap import create_app
    from hearth.demo import hq as demo_hq
    from hearth.sync import service as sync
    from hearth.testing.builders import a_small_restaurant
    from hearth.testing.waiting import wait_until

    hq = demo_hq.DemoHQ(
        f"sqlite:///{tmp_path}/hq.db",
        port=0,
        log=tmp_path / "hq.log",
        env={"HEARTH_HQ_ARGON2_TIME_COST": "1", "HEARTH_HQ_ARGON2_MEMORY_KIB": "1024"},
    )
    hq.add_owner()
    hq.start()
    try:
        node = build_node(fast_settings(sqlite_url))
        a_small_restaurant(node)
        enrolled, state = demo_hq.join(node, hq.url)
        assert enrolled and state.hq_url == hq.url and state.store_id == "store-001"
        # A restarted demo keeps its enrolment (a second code is not even asked for).
        again, same = demo_hq.join(node, hq.url)
        assert not again and same.enrolled_at_ms == state.enrolled_at_ms
        # The store's menu becomes the chain catalogue, applied at the store as version 1.
        version = demo_hq.publish_menu(node, hq.url)
        with node.engine.connect() as conn:
            top = sync.journal_top(conn)
            assert sync.load_state(conn).catalogue_version == version  # type: ignore[union-attr]
        assert top > 0
        chain = httpx.get(
            f"{hq.url}/api/hq/catalogue", headers=demo_hq._owner_headers(hq.url), timeout=10
        ).json()
        with node.engine.connect() as conn:
            held = conn.execute(sa.select(sa.func.count()).select_from(items)).scalar()
        assert chain["version"] == version and len(chain["items"]) == held

        def fleet() -> list[dict[str, object]]:
            headers = demo_hq._owner_headers(hq.url)
            got = httpx.get(f"{hq.url}/api/hq/stores", headers=headers, timeout=10)
            return list(got.json()["stores"])

        with TestClient(create_app(node=node)):  # the node's sync loop runs while it serves
            held = wait_until(
                lambda: next((s for s in fleet() if s["acked_seq"] >= top), None),
                timeout=30,
                interval=0.2,
                what="HQ to hold the demo store's journal",
            )
        assert held["store_id"] == "store-001" and held["enrolled"]
        node.close()
    finally:
        hq.stop()
