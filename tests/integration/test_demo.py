"""The demo restaurant loads through the real use cases and can take an order at once."""

from __future__ import annotations

import time

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
    assert {r for _c, _n, r, _p in report.staff} == {"owner", "manager", "cashier", "waiter",
                                                      "kitchen"}
    with node.engine.connect() as conn:
        loaded = menu.load_items(conn, [r.id for r in conn.execute(sa.select(items.c.id))])
        found = menu.search(conn, "gbjd")
    assert any(i["name_zh"] == "宫保鸡丁" for i in found)

    # An all-day dish with a required modifier group is orderable as the catalogue says.
    dish = next(i for i in loaded.values()
                if i.modifier_groups and not i.specs and i.available_from is None
                and i.kind.value == "item")
    choice = tuple(g.options[0].id for g in dish.modifier_groups if g.min_choices > 0)
    ctx = Context("demo", int(time.time() * 1000))
    table = report.table_ids[catalogue.AREAS[0].tables[0].code]
    order = node.writer.run(lambda tx: ordering.place_order(
        tx, ctx, channel=Channel.DINE_IN, table_id=table, submit=True,
        lines=[LineInput(dish.id, 2, modifier_option_ids=choice)]))
    assert order.totals().subtotal >= 2 * dish.price

    assert rebuild(node.engine, node.projectors, keep=False).matches
    node.close()
