"""The demo restaurant has stock and a recipe for every dish; a lunch rush empties the eggs,
and every dish that needs an egg is sold out at once, with why, until eggs are received."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.rebuild import rebuild
from hearth.demo import catalogue
from hearth.demo.seed import seed
from hearth.inventory import reports
from hearth.inventory import service as inv
from hearth.inventory.tables import ingredients, recipes
from hearth.menu import service as menu
from hearth.menu.tables import items
from hearth.ordering import service as ordering
from hearth.ordering.domain import Channel
from hearth.ordering.service import Context, LineInput
from hearth.testing.builders import fast_settings
from hearth.testing.waiting import subscribers_caught_up, wait_until


def test_the_demo_rush_sells_out_egg_dishes_and_receiving_brings_them_back(sqlite_url):
    node = build_node(fast_settings(sqlite_url))
    seed(node)
    with node.engine.connect() as conn:
        dishes = {
            r.id: r.name_en
            for r in conn.execute(
                sa.select(items.c.id, items.c.name_en).where(items.c.kind == "item")
            )
        }
        with_recipe = {r[0] for r in conn.execute(sa.select(recipes.c.item_id))}
        egg = conn.execute(sa.select(ingredients).where(ingredients.c.name_zh == "鸡蛋")).one()
        soup = next(i for i, n in dishes.items() if n == "Tomato and Egg Drop Soup")
    assert set(dishes) <= with_recipe, "every demo dish has a recipe"
    assert len(dishes) == len(catalogue.ITEMS)
    assert egg.on_hand == 30_000 and egg.value_milli == 2400 * 1000

    with TestClient(create_app(node=node)):
        ctx = Context("demo", node.now_ms())
        for _ in range(15):  # 15 soups × 2 eggs: the tray is gone
            node.writer.run(
                lambda tx: ordering.place_order(
                    tx,
                    ctx,
                    channel=Channel.TAKEAWAY,
                    table_id=None,
                    submit=True,
                    lines=[LineInput(soup, 1)],
                )
            )
        wait_until(subscribers_caught_up(node))
        with node.engine.connect() as conn:
            sold_out = {r.id for r in conn.execute(sa.select(items.c.id).where(items.c.sold_out))}
            reasons = reports.sold_out_reasons(conn)
            low = [i["name_zh"] for i in reports.low_stock(conn)]
        assert soup in sold_out and "鸡蛋" in low
        assert {r["item_id"] for r in reasons} == sold_out and len(sold_out) >= 5
        assert all(r["reason_zh"] == "鸡蛋已用完" for r in reasons)
        node.writer.run(
            lambda tx: inv.receive_stock(
                tx, inv.Ctx("M01", node.now_ms()), [inv.LineIn(egg.id, "1", "tray", 2400)]
            )
        )
        with node.engine.connect() as conn:
            assert not menu.load_items(conn, [soup])[soup].sold_out
    assert rebuild(node.engine, node.projectors, keep=False).matches
    node.close()
