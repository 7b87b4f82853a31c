"""Menu projectors: the only code that writes the menu tables, live and in a rebuild."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.db import conn_cache
from hearth.core.journal import Event, ProjectorRegistry
from hearth.menu.tables import categories, images, items, modifier_groups

projectors = ProjectorRegistry()
projectors.owns(categories, modifier_groups, items, images)
MENU_CACHE = "menu_items"


@projectors.on(
    "CategoryCreated",
    "ModifierGroupCreated",
    "ItemCreated",
    "ItemUpdated",
    "ItemSoldOut",
    "ItemBackInStock",
    "ItemRemainingSet",
    "ItemImageUploaded",
    "CategoryUpdated",
    "ModifierGroupUpdated",
)
def _forget_menu(conn: Connection, ev: Event) -> None:
    """Any edit may change an item or a set meal that shows its name: start afresh."""
    conn_cache(conn, MENU_CACHE).clear()


@projectors.on("CategoryCreated")
def _category_created(conn: Connection, ev: Event) -> None:
    conn.execute(categories.insert().values(store_id=ev.store_id, **ev.payload))


@projectors.on("ModifierGroupCreated")
def _group_created(conn: Connection, ev: Event) -> None:
    conn.execute(modifier_groups.insert().values(store_id=ev.store_id, **ev.payload))


@projectors.on("CategoryUpdated")
def _category_updated(conn: Connection, ev: Event) -> None:
    changes = {k: v for k, v in ev.payload.items() if k != "id"}
    conn.execute(categories.update().where(categories.c.id == ev.payload["id"]).values(**changes))


@projectors.on("ModifierGroupUpdated")
def _group_updated(conn: Connection, ev: Event) -> None:
    changes = {k: v for k, v in ev.payload.items() if k != "id"}
    conn.execute(
        modifier_groups.update().where(modifier_groups.c.id == ev.payload["id"]).values(**changes)
    )


@projectors.on("ItemCreated")
def _item_created(conn: Connection, ev: Event) -> None:
    conn.execute(items.insert().values(store_id=ev.store_id, **ev.payload))


@projectors.on("ItemUpdated")
def _item_updated(conn: Connection, ev: Event) -> None:
    changes = {k: v for k, v in ev.payload.items() if k != "id"}
    conn.execute(items.update().where(items.c.id == ev.payload["id"]).values(**changes))


@projectors.on("ItemSoldOut")
def _sold_out(conn: Connection, ev: Event) -> None:
    conn.execute(
        items.update()
        .where(items.c.id == ev.payload["id"])
        .values(sold_out=True, back_at_ms=ev.payload.get("back_at_ms"))
    )


@projectors.on("ItemBackInStock")
def _back(conn: Connection, ev: Event) -> None:
    conn.execute(
        items.update()
        .where(items.c.id == ev.payload["id"])
        .values(sold_out=False, back_at_ms=None, remaining=ev.payload.get("remaining"))
    )


@projectors.on("ItemRemainingSet")
def _remaining(conn: Connection, ev: Event) -> None:
    conn.execute(
        items.update()
        .where(items.c.id == ev.payload["id"])
        .values(remaining=ev.payload["remaining"])
    )


@projectors.on("ItemStockTaken")
def _stock_taken(conn: Connection, ev: Event) -> None:
    cache = conn_cache(conn, MENU_CACHE)
    for item_id, qty in ev.payload["quantities"].items():
        cache.pop(item_id, None)
        conn.execute(
            items.update()
            .where(sa.and_(items.c.id == item_id, items.c.remaining.is_not(None)))
            .values(remaining=items.c.remaining - qty)
        )


@projectors.on("ItemImageUploaded")
def _image(conn: Connection, ev: Event) -> None:
    p = ev.payload
    if (
        "data_b64" in p
        and conn.execute(sa.select(images.c.sha256).where(images.c.sha256 == p["sha256"])).first()
        is None
    ):
        conn.execute(
            images.insert().values(
                sha256=p["sha256"],
                store_id=ev.store_id,
                content_type=p["content_type"],
                size=p["size"],
                width=p.get("width"),
                height=p.get("height"),
                data=base64.b64decode(p["data_b64"]),
            )
        )
    conn.execute(items.update().where(items.c.id == p["id"]).values(image_url=p["image_url"]))
