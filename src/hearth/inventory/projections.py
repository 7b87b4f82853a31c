"""Inventory projectors: the only code that writes the inventory tables, live and in a rebuild.

A stock event carries the valuation each ingredient has after it (computed by the service
from the pure rules), so the projection is a plain write and a rebuild lands on the same
figures to the milli-fen."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.inventory.tables import (
    auto_sold_out,
    ingredients,
    moves,
    purchase_orders,
    recipes,
    stocktakes,
    unrecipe_sales,
)

projectors = ProjectorRegistry()
projectors.owns(
    ingredients, recipes, moves, purchase_orders, stocktakes, auto_sold_out, unrecipe_sales
)

# The actor inventory's own 86s carry, so a dish a person 86'd is told apart.
INVENTORY_ACTOR = "system:inventory"


@projectors.on("IngredientCreated")
def _created(conn: Connection, ev: Event) -> None:
    p = dict(ev.payload)
    at = p.pop("at_ms")
    conn.execute(
        ingredients.insert().values(
            store_id=ev.store_id,
            active=True,
            on_hand=0,
            value_milli=0,
            last_cost_num=0,
            last_cost_den=1,
            low=False,
            updated_at_ms=at,
            **p,
        )
    )


@projectors.on("IngredientUpdated")
def _updated(conn: Connection, ev: Event) -> None:
    changes = {k: v for k, v in ev.payload.items() if k not in ("id", "at_ms")}
    conn.execute(
        ingredients.update()
        .where(ingredients.c.id == ev.payload["id"])
        .values(updated_at_ms=ev.payload["at_ms"], **changes)
    )


@projectors.on("IngredientRetired")
def _retired(conn: Connection, ev: Event) -> None:
    conn.execute(
        ingredients.update().where(ingredients.c.id == ev.payload["id"]).values(active=False)
    )


@projectors.on("RecipeSet")
def _recipe_set(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(recipes.delete().where(recipes.c.id == p["id"]))
    conn.execute(
        recipes.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            kind=p["kind"],
            target_id=p["target_id"],
            item_id=p.get("item_id"),
            components=p["components"],
            updated_at_ms=p["at_ms"],
        )
    )


@projectors.on("RecipeCleared")
def _recipe_cleared(conn: Connection, ev: Event) -> None:
    conn.execute(recipes.delete().where(recipes.c.id == ev.payload["id"]))


@projectors.on("StockMoved")
def _stock_moved(conn: Connection, ev: Event) -> None:
    p = ev.payload
    rows = [
        {
            "key": m["key"],
            "store_id": ev.store_id,
            "ingredient_id": m["ingredient_id"],
            "kind": m["kind"],
            "quantity": m["quantity"],
            "value_milli": m["value_milli"],
            "source_event_id": m.get("source_event_id"),
            "line_id": m.get("line_id"),
            "item_id": m.get("item_id"),
            "ref": m.get("ref"),
            "reason": m.get("reason", ""),
            "business_date": p["business_date"],
            "at_ms": p["at_ms"],
        }
        for m in p["moves"]
    ]
    if rows:
        conn.execute(moves.insert(), rows)
    for ing_id, (on_hand, value, num, den) in p["valuations"].items():
        conn.execute(
            ingredients.update()
            .where(ingredients.c.id == ing_id)
            .values(
                on_hand=on_hand,
                value_milli=value,
                last_cost_num=num,
                last_cost_den=den,
                updated_at_ms=p["at_ms"],
            )
        )
    unrecipe = [
        {
            "key": u["key"],
            "store_id": ev.store_id,
            "business_date": p["business_date"],
            "item_id": u["item_id"],
            "quantity": u["quantity"],
        }
        for u in p.get("unrecipe", ())
    ]
    if unrecipe:
        conn.execute(unrecipe_sales.insert(), unrecipe)
    if p.get("purchase_order_id"):
        conn.execute(
            purchase_orders.update()
            .where(purchase_orders.c.id == p["purchase_order_id"])
            .values(status="received", received_at_ms=p["at_ms"])
        )


@projectors.on("PurchaseOrderCreated")
def _po(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        purchase_orders.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            supplier=p["supplier"],
            status="open",
            lines=p["lines"],
            created_at_ms=p["at_ms"],
        )
    )


@projectors.on("StocktakeRecorded")
def _stocktake(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        stocktakes.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            lines=p["lines"],
            variance_value_milli=p["variance_value_milli"],
            counted_at_ms=p["at_ms"],
            actor=ev.actor,
        )
    )


@projectors.on("LowStock", "StockRecovered")
def _low(conn: Connection, ev: Event) -> None:
    conn.execute(
        ingredients.update()
        .where(ingredients.c.id == ev.payload["ingredient_id"])
        .values(low=ev.type == "LowStock")
    )


@projectors.on("DishSoldOutByStock")
def _auto_86(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(auto_sold_out.delete().where(auto_sold_out.c.item_id == p["item_id"]))
    conn.execute(
        auto_sold_out.insert().values(
            item_id=p["item_id"],
            store_id=ev.store_id,
            ingredient_id=p["ingredient_id"],
            reason_zh=p["reason_zh"],
            reason_en=p["reason_en"],
            at_ms=p["at_ms"],
        )
    )


@projectors.on("ItemBackInStock")
def _back(conn: Connection, ev: Event) -> None:
    """Back on sale (by inventory or by hand): inventory no longer holds it sold out."""
    conn.execute(auto_sold_out.delete().where(auto_sold_out.c.item_id == ev.payload["id"]))


@projectors.on("ItemSoldOut")
def _by_hand(conn: Connection, ev: Event) -> None:
    """A person 86'd it: it stays sold out until a person brings it back."""
    if ev.actor != INVENTORY_ACTOR:
        conn.execute(auto_sold_out.delete().where(auto_sold_out.c.item_id == ev.payload["id"]))
