"""Menu use cases: build the catalogue, change prices and availability, 86 an item.

Reads take a plain connection; writes take the writer's ``Tx`` and go through the journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin
from sqlalchemy.engine import Connection

from hearth.core.db import conn_cache
from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.menu.domain import (
    ComboChoice,
    ComboSlot,
    ItemKind,
    MenuItem,
    ModifierGroup,
    ModifierOption,
    Spec,
    minutes_of,
)
from hearth.menu.errors import MenuError
from hearth.menu.projections import MENU_CACHE
from hearth.menu.tables import categories, images, items, modifier_groups


def pinyin_of(name_zh: str) -> tuple[str, str]:
    """Initials (宫保鸡丁 -> gbjd) and the full spelling, for search on a cashier's keyboard."""
    initials = "".join(lazy_pinyin(name_zh, style=Style.FIRST_LETTER)).lower()
    full = "".join(lazy_pinyin(name_zh)).lower()
    return initials, full


# -- commands -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewCategory:
    name_zh: str
    name_en: str
    sort: int = 0
    station_id: str | None = None


@dataclass(frozen=True)
class NewOption:
    name_zh: str
    name_en: str
    price_delta: int = 0


@dataclass(frozen=True)
class NewModifierGroup:
    name_zh: str
    name_en: str
    min_choices: int
    max_choices: int
    options: tuple[NewOption, ...]


@dataclass(frozen=True)
class NewSpec:
    name_zh: str
    name_en: str
    price: int


@dataclass(frozen=True)
class NewComboSlot:
    name_zh: str
    name_en: str
    choices: tuple[tuple[str, int], ...]  # (item id, upcharge)


@dataclass(frozen=True)
class NewItem:
    category_id: str
    name_zh: str
    name_en: str
    price: int
    specs: tuple[NewSpec, ...] = ()
    modifier_group_ids: tuple[str, ...] = ()
    combo_slots: tuple[NewComboSlot, ...] = ()
    tax_rate_bp: int = 600
    station_id: str | None = None
    available_from: str | None = None
    available_until: str | None = None
    remaining: int | None = None
    sort: int = 0
    image_url: str | None = None
    kind: ItemKind = ItemKind.ITEM
    extra: dict[str, Any] = field(default_factory=dict)


def create_category(tx: Tx, cmd: NewCategory, actor: str | None = None) -> str:
    cid = new_id()
    tx.append(
        f"menu:category:{cid}",
        "CategoryCreated",
        {
            "id": cid,
            "name_zh": cmd.name_zh,
            "name_en": cmd.name_en,
            "sort": cmd.sort,
            "station_id": cmd.station_id,
        },
        actor,
    )
    return cid


def create_modifier_group(tx: Tx, cmd: NewModifierGroup, actor: str | None = None) -> str:
    if not cmd.options:
        raise MenuError.MODIFIER_GROUP_EMPTY.problem(
            "Add at least one option to the group.", field="options"
        )
    if not 0 <= cmd.min_choices <= cmd.max_choices <= len(cmd.options):
        raise MenuError.MODIFIER_GROUP_BOUNDS.problem(
            "Need 0 <= min <= max <= number of options.", field="max_choices"
        )
    if any(o.price_delta < 0 for o in cmd.options):
        raise MenuError.PRICE_NEGATIVE.problem("Option prices cannot be negative.", field="options")
    gid = new_id()
    tx.append(
        f"menu:modgroup:{gid}",
        "ModifierGroupCreated",
        {
            "id": gid,
            "name_zh": cmd.name_zh,
            "name_en": cmd.name_en,
            "min_choices": cmd.min_choices,
            "max_choices": cmd.max_choices,
            "options": [
                {
                    "id": new_id(),
                    "name_zh": o.name_zh,
                    "name_en": o.name_en,
                    "price_delta": o.price_delta,
                }
                for o in cmd.options
            ],
        },
        actor,
    )
    return gid


def create_item(tx: Tx, cmd: NewItem, actor: str | None = None) -> str:
    _check_new_item(tx.conn, cmd)
    iid = new_id()
    initials, full = pinyin_of(cmd.name_zh)
    specs = [
        {"id": new_id(), "name_zh": s.name_zh, "name_en": s.name_en, "price": s.price}
        for s in cmd.specs
    ]
    price = min(s.price for s in cmd.specs) if cmd.specs else cmd.price
    slots = [
        {
            "id": new_id(),
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "choices": [{"item_id": i, "upcharge": u} for i, u in s.choices],
        }
        for s in cmd.combo_slots
    ]
    kind = ItemKind.COMBO if cmd.combo_slots else cmd.kind
    tx.append(
        f"menu:item:{iid}",
        "ItemCreated",
        {
            "id": iid,
            "category_id": cmd.category_id,
            "kind": kind.value,
            "name_zh": cmd.name_zh,
            "name_en": cmd.name_en,
            "pinyin_initials": initials,
            "pinyin_full": full,
            "price": price,
            "tax_rate_bp": cmd.tax_rate_bp,
            "specs": specs,
            "modifier_group_ids": list(cmd.modifier_group_ids),
            "combo_slots": slots,
            "station_id": cmd.station_id,
            "available_from": cmd.available_from,
            "available_until": cmd.available_until,
            "sold_out": False,
            "remaining": cmd.remaining,
            "back_at_ms": None,
            "active": True,
            "sort": cmd.sort,
            "image_url": cmd.image_url,
        },
        actor,
    )
    return iid


def _check_new_item(conn: Connection, cmd: NewItem) -> None:
    if (
        conn.execute(sa.select(categories.c.id).where(categories.c.id == cmd.category_id)).first()
        is None
    ):
        raise MenuError.CATEGORY_UNKNOWN.problem(
            f"No category {cmd.category_id!r}.", field="category_id"
        )
    if cmd.price < 0 or any(s.price < 0 for s in cmd.specs):
        raise MenuError.PRICE_NEGATIVE.problem("Prices cannot be negative.", field="price")
    for gid in cmd.modifier_group_ids:
        if (
            conn.execute(sa.select(modifier_groups.c.id).where(modifier_groups.c.id == gid)).first()
            is None
        ):
            raise MenuError.MODIFIER_GROUP_UNKNOWN.problem(
                f"No modifier group {gid!r}.", field="modifier_group_ids"
            )
    for slot in cmd.combo_slots:
        if not slot.choices:
            raise MenuError.COMBO_SLOT_EMPTY.problem(
                f"Add choices to {slot.name_en}.", field="combo_slots"
            )
        for item_id, upcharge in slot.choices:
            if upcharge < 0:
                raise MenuError.PRICE_NEGATIVE.problem(
                    "Upcharges cannot be negative.", field="combo_slots"
                )
            if conn.execute(sa.select(items.c.id).where(items.c.id == item_id)).first() is None:
                raise MenuError.ITEM_UNKNOWN.problem(
                    f"No item {item_id!r} for the set.", field="combo_slots"
                )
    for t in (cmd.available_from, cmd.available_until):
        if t is not None:
            try:
                minutes_of(t)
            except ValueError as exc:
                raise MenuError.TIME_INVALID.problem(str(exc), field="available_from") from exc


UPDATABLE = {
    "name_zh",
    "name_en",
    "price",
    "available_from",
    "available_until",
    "active",
    "sort",
    "image_url",
    "tax_rate_bp",
    "station_id",
    "category_id",
}


def update_item(tx: Tx, item_id: str, changes: dict[str, Any], actor: str | None) -> None:
    _require_item(tx.conn, item_id)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise MenuError.FIELD_NOT_UPDATABLE.problem(
            f"{sorted(unknown)[0]} cannot be changed.", field=sorted(unknown)[0]
        )
    if "price" in changes and (not isinstance(changes["price"], int) or changes["price"] < 0):
        raise MenuError.PRICE_NEGATIVE.problem("Prices cannot be negative.", field="price")
    if "category_id" in changes:
        _require_category(tx.conn, changes["category_id"], "category_id")
    payload = dict(changes)
    if "name_zh" in changes:
        payload["pinyin_initials"], payload["pinyin_full"] = pinyin_of(changes["name_zh"])
    tx.append(f"menu:item:{item_id}", "ItemUpdated", {"id": item_id, **payload}, actor)


def mark_sold_out(tx: Tx, item_id: str, back_at_ms: int | None, actor: str | None) -> None:
    """86 an item: every channel stops selling it from this commit on."""
    _require_item(tx.conn, item_id)
    tx.append(
        f"menu:item:{item_id}", "ItemSoldOut", {"id": item_id, "back_at_ms": back_at_ms}, actor
    )


def mark_back_in_stock(tx: Tx, item_id: str, remaining: int | None, actor: str | None) -> None:
    _require_item(tx.conn, item_id)
    tx.append(
        f"menu:item:{item_id}", "ItemBackInStock", {"id": item_id, "remaining": remaining}, actor
    )


def set_remaining(tx: Tx, item_id: str, remaining: int | None, actor: str | None) -> None:
    _require_item(tx.conn, item_id)
    if remaining is not None and remaining < 0:
        raise MenuError.QUANTITY_NEGATIVE.problem(
            "Remaining quantity cannot be negative.", field="remaining"
        )
    tx.append(
        f"menu:item:{item_id}", "ItemRemainingSet", {"id": item_id, "remaining": remaining}, actor
    )


def take_stock(tx: Tx, quantities: dict[str, int], reason_stream: str, actor: str | None) -> None:
    """Count down limited items as their lines go to the kitchen; refuse to go below zero."""
    limited = {
        i: it for i, it in load_items(tx.conn, quantities).items() if it.remaining is not None
    }
    if not limited:
        return
    for item_id, row in limited.items():
        if (row.remaining or 0) < quantities[item_id]:
            raise MenuError.ITEM_NOT_ENOUGH_LEFT.problem(
                f"Only {row.remaining} {row.name_en} ({row.name_zh}) left.", field="lines"
            )
    tx.append(
        reason_stream, "ItemStockTaken", {"quantities": {i: quantities[i] for i in limited}}, actor
    )


def _require_category(conn: Connection, category_id: Any, field_name: str) -> None:
    if (
        not isinstance(category_id, str)
        or conn.execute(sa.select(categories.c.id).where(categories.c.id == category_id)).first()
        is None
    ):
        raise MenuError.CATEGORY_UNKNOWN.problem(f"No category {category_id!r}.", field=field_name)


def update_category(tx: Tx, category_id: str, changes: dict[str, Any], actor: str | None) -> None:
    """Rename or re-sort a category; its items and routing rules keep pointing at it."""
    if (
        tx.conn.execute(sa.select(categories.c.id).where(categories.c.id == category_id)).first()
        is None
    ):
        raise not_found(MenuError.CATEGORY_NOT_FOUND, category_id)
    unknown = set(changes) - {"name_zh", "name_en", "sort"}
    if unknown:
        raise MenuError.FIELD_NOT_UPDATABLE.problem(
            f"{sorted(unknown)[0]} cannot be changed.", field=sorted(unknown)[0]
        )
    if changes:
        tx.append(
            f"menu:category:{category_id}", "CategoryUpdated", {"id": category_id, **changes}, actor
        )


@dataclass(frozen=True)
class EditedOption:
    id: str | None  # None: a new option
    name_zh: str
    name_en: str
    price_delta: int = 0


@dataclass(frozen=True)
class EditedModifierGroup:
    name_zh: str
    name_en: str
    min_choices: int
    max_choices: int
    options: tuple[EditedOption, ...]


def update_modifier_group(
    tx: Tx, group_id: str, cmd: EditedModifierGroup, actor: str | None
) -> None:
    """Replace a modifier group's names, limits and options.

    An option sent with its ``id`` keeps it (orders already placed name it); one without gets a
    new id; one left out is no longer offered. The limits are checked as on creation.
    """
    row = tx.conn.execute(
        sa.select(modifier_groups.c.options).where(modifier_groups.c.id == group_id)
    ).first()
    if row is None:
        raise not_found(MenuError.MODIFIER_GROUP_NOT_FOUND, group_id)
    if not cmd.options:
        raise MenuError.MODIFIER_GROUP_EMPTY.problem(
            "Add at least one option to the group.", field="options"
        )
    if not 0 <= cmd.min_choices <= cmd.max_choices <= len(cmd.options):
        raise MenuError.MODIFIER_GROUP_BOUNDS.problem(
            "Need 0 <= min <= max <= number of options.", field="max_choices"
        )
    own = {o["id"] for o in row.options}
    options = []
    for i, o in enumerate(cmd.options):
        if o.id is not None and o.id not in own:
            raise MenuError.MODIFIER_OPTION_UNKNOWN.problem(
                f"{o.id!r} is not an option of this group; leave the id out to add a new one.",
                field=f"options[{i}].id",
            )
        if o.price_delta < 0:
            raise MenuError.PRICE_NEGATIVE.problem(
                "Option prices cannot be negative.", field=f"options[{i}].price_delta"
            )
        options.append(
            {
                "id": o.id or new_id(),
                "name_zh": o.name_zh,
                "name_en": o.name_en,
                "price_delta": o.price_delta,
            }
        )
    if len({o["id"] for o in options}) != len(options):
        raise MenuError.MODIFIER_OPTION_REPEATED.problem(
            "Each option may appear once.", field="options"
        )
    tx.append(
        f"menu:modgroup:{group_id}",
        "ModifierGroupUpdated",
        {
            "id": group_id,
            "name_zh": cmd.name_zh,
            "name_en": cmd.name_en,
            "min_choices": cmd.min_choices,
            "max_choices": cmd.max_choices,
            "options": options,
        },
        actor,
    )


def _require_item(conn: Connection, item_id: str) -> None:
    if conn.execute(sa.select(items.c.id).where(items.c.id == item_id)).first() is None:
        raise not_found(MenuError.ITEM_NOT_FOUND, item_id)


# -- reads --------------------------------------------------------------------------------------
def _groups_by_id(conn: Connection, ids: Iterable[str]) -> dict[str, ModifierGroup]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = conn.execute(sa.select(modifier_groups).where(modifier_groups.c.id.in_(wanted)))
    return {
        r.id: ModifierGroup(
            r.id,
            r.name_zh,
            r.name_en,
            r.min_choices,
            r.max_choices,
            tuple(
                ModifierOption(o["id"], o["name_zh"], o["name_en"], o["price_delta"])
                for o in r.options
            ),
        )
        for r in rows
    }


def load_items(conn: Connection, ids: Iterable[str]) -> dict[str, MenuItem]:
    """The menu items with these ids, as domain objects ready to price lines.

    On the writer's connection they are kept in memory; the menu projectors drop them as soon
    as an event changes them, so a price change or an 86 applies to the very next order.
    """
    cache = conn_cache(conn, MENU_CACHE)
    wanted = set(ids)
    result = {i: cache[i] for i in wanted if i in cache}
    missing = wanted - set(result)
    if missing:
        fresh = _load_items(conn, missing)
        cache.update(fresh)
        result.update(fresh)
    return result


def _load_items(conn: Connection, ids: set[str]) -> dict[str, MenuItem]:
    rows = list(conn.execute(sa.select(items).where(items.c.id.in_(ids))))
    groups = _groups_by_id(conn, (g for r in rows for g in r.modifier_group_ids))
    combo_item_ids = {c["item_id"] for r in rows for s in r.combo_slots for c in s["choices"]}
    names = (
        {
            r.id: (r.name_zh, r.name_en)
            for r in conn.execute(
                sa.select(items.c.id, items.c.name_zh, items.c.name_en).where(
                    items.c.id.in_(combo_item_ids)
                )
            )
        }
        if combo_item_ids
        else {}
    )
    result: dict[str, MenuItem] = {}
    for r in rows:
        result[r.id] = MenuItem(
            id=r.id,
            category_id=r.category_id,
            name_zh=r.name_zh,
            name_en=r.name_en,
            price=r.price,
            kind=ItemKind(r.kind),
            specs=tuple(Spec(s["id"], s["name_zh"], s["name_en"], s["price"]) for s in r.specs),
            modifier_groups=tuple(groups[g] for g in r.modifier_group_ids if g in groups),
            combo_slots=tuple(
                ComboSlot(
                    s["id"],
                    s["name_zh"],
                    s["name_en"],
                    tuple(
                        ComboChoice(
                            c["item_id"], *names.get(c["item_id"], ("?", "?")), c["upcharge"]
                        )
                        for c in s["choices"]
                    ),
                )
                for s in r.combo_slots
            ),
            tax_rate_bp=r.tax_rate_bp,
            station_id=r.station_id,
            available_from=r.available_from,
            available_until=r.available_until,
            sold_out=r.sold_out,
            remaining=r.remaining,
            back_at_ms=r.back_at_ms,
            active=r.active,
        )
    return result


def catalogue(conn: Connection) -> dict[str, Any]:
    """The whole menu as the POS, QR and kiosk pages show it."""
    cats = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(categories).order_by(categories.c.sort, categories.c.name_en)
        )
    ]
    groups = [dict(r._mapping) for r in conn.execute(sa.select(modifier_groups))]
    its = [
        dict(r._mapping)
        for r in conn.execute(sa.select(items).order_by(items.c.sort, items.c.name_en))
    ]
    return {"categories": cats, "modifier_groups": groups, "items": its}


def search(conn: Connection, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Find items by Chinese name, English name, pinyin initials (gbjd) or full pinyin."""
    q = query.strip().lower()
    if not q:
        return []
    like = f"%{q}%"
    rows = conn.execute(
        sa.select(
            items.c.id,
            items.c.name_zh,
            items.c.name_en,
            items.c.price,
            items.c.pinyin_initials,
            items.c.sold_out,
        )
        .where(items.c.active.is_(True))
        .where(
            sa.or_(
                items.c.pinyin_initials.startswith(q, autoescape=True),
                items.c.pinyin_full.startswith(q, autoescape=True),
                items.c.name_zh.contains(query.strip(), autoescape=True),
                sa.func.lower(items.c.name_en).like(like),
            )
        )
        .order_by(sa.func.length(items.c.pinyin_initials), items.c.name_en)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


# -- pictures and option edits (admin page) -------------------------------------------------------
IMAGE_URL_PREFIX = "/api/menu/images/"


def set_item_image(tx: Tx, item_id: str, data: bytes, picture: Any, actor: str | None) -> str:
    """Attach a checked picture (``images.Picture``) to an item; returns its URL.

    The bytes travel in the event (base64) the first time a picture is seen, so the journal alone
    rebuilds the pictures; the same picture uploaded again refers to the stored copy.
    """
    import base64

    _require_item(tx.conn, item_id)
    known = (
        tx.conn.execute(sa.select(images.c.sha256).where(images.c.sha256 == picture.sha256)).first()
        is not None
    )
    url = IMAGE_URL_PREFIX + picture.filename
    payload: dict[str, Any] = {
        "id": item_id,
        "sha256": picture.sha256,
        "content_type": picture.content_type,
        "size": picture.size,
        "width": picture.width,
        "height": picture.height,
        "image_url": url,
    }
    if not known:
        payload["data_b64"] = base64.b64encode(data).decode("ascii")
    tx.append(f"menu:item:{item_id}", "ItemImageUploaded", payload, actor)
    return url


def image_bytes(conn: Connection, sha256: str) -> tuple[str, bytes] | None:

    row = conn.execute(
        sa.select(images.c.content_type, images.c.data).where(images.c.sha256 == sha256)
    ).first()
    return (row.content_type, bytes(row.data)) if row else None


def edit_item_options(
    tx: Tx,
    item_id: str,
    specs: list[dict[str, Any]] | None,
    modifier_group_ids: list[str] | None,
    actor: str | None,
    combo_slots: list[dict[str, Any]] | None = None,
) -> None:
    """Replace an item's variants, modifier groups and/or set-meal courses.

    A variant or course sent with its ``id`` keeps it (open orders refer to it); one without gets
    a new id. With variants, the item's base price becomes the cheapest variant's, as on
    creation. An item with courses is a set meal; one whose courses are all removed is not.
    """
    _require_item(tx.conn, item_id)
    row = tx.conn.execute(
        sa.select(items.c.specs, items.c.kind, items.c.combo_slots).where(items.c.id == item_id)
    ).one()
    payload: dict[str, Any] = {"id": item_id}
    if specs is not None:
        own = {s["id"] for s in row.specs}
        new_specs = []
        for i, s in enumerate(specs):
            sid = s.get("id")
            if sid is not None and sid not in own:
                raise MenuError.SPEC_UNKNOWN.problem(
                    f"{sid!r} is not a variant of this item; leave the id out to add a new one.",
                    field=f"specs[{i}].id",
                )
            if s["price"] < 0:
                raise MenuError.PRICE_NEGATIVE.problem(
                    "Prices cannot be negative.", field=f"specs[{i}].price"
                )
            new_specs.append(
                {
                    "id": sid or new_id(),
                    "name_zh": s["name_zh"],
                    "name_en": s["name_en"],
                    "price": s["price"],
                }
            )
        if len({s["id"] for s in new_specs}) != len(new_specs):
            raise MenuError.SPEC_REPEATED.problem("Each variant may appear once.", field="specs")
        payload["specs"] = new_specs
        if new_specs:
            payload["price"] = min(s["price"] for s in new_specs)
    if modifier_group_ids is not None:
        if len(set(modifier_group_ids)) != len(modifier_group_ids):
            raise MenuError.MODIFIER_GROUP_REPEATED.problem(
                "Each modifier group may appear once.", field="modifier_group_ids"
            )
        for gid in modifier_group_ids:
            if (
                tx.conn.execute(
                    sa.select(modifier_groups.c.id).where(modifier_groups.c.id == gid)
                ).first()
                is None
            ):
                raise MenuError.MODIFIER_GROUP_UNKNOWN.problem(
                    f"No modifier group {gid!r}.", field="modifier_group_ids"
                )
        payload["modifier_group_ids"] = list(modifier_group_ids)
    if combo_slots is not None:
        payload["combo_slots"] = _edited_slots(tx.conn, item_id, row.combo_slots, combo_slots)
        payload["kind"] = (ItemKind.COMBO if combo_slots else ItemKind.ITEM).value
    if len(payload) > 1:
        tx.append(f"menu:item:{item_id}", "ItemUpdated", payload, actor)


def _edited_slots(
    conn: Connection, item_id: str, current: list[dict[str, Any]], slots: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Check a set meal's new courses: each has choices, each choice is another item on file."""
    own = {s["id"] for s in current}
    wanted = {c["item_id"] for s in slots for c in s["choices"]}
    known = (
        {r.id for r in conn.execute(sa.select(items.c.id).where(items.c.id.in_(wanted)))}
        if wanted
        else set()
    )
    result = []
    for i, s in enumerate(slots):
        sid = s.get("id")
        if sid is not None and sid not in own:
            raise MenuError.COMBO_SLOT_UNKNOWN.problem(
                f"{sid!r} is not a course of this set; leave the id out to add a new one.",
                field=f"combo_slots[{i}].id",
            )
        if not s["choices"]:
            raise MenuError.COMBO_SLOT_EMPTY.problem(
                f"Add choices to {s['name_en']}.", field=f"combo_slots[{i}].choices"
            )
        for j, c in enumerate(s["choices"]):
            at = f"combo_slots[{i}].choices[{j}]"
            if c["item_id"] == item_id:
                raise MenuError.COMBO_CHOICE_SELF.problem(
                    "Choose another item for this course.", field=f"{at}.item_id"
                )
            if c["item_id"] not in known:
                raise MenuError.ITEM_UNKNOWN.problem(
                    f"No item {c['item_id']!r} for the set.", field=f"{at}.item_id"
                )
            if c["upcharge"] < 0:
                raise MenuError.PRICE_NEGATIVE.problem(
                    "Upcharges cannot be negative.", field=f"{at}.upcharge"
                )
        if len({c["item_id"] for c in s["choices"]}) != len(s["choices"]):
            raise MenuError.COMBO_CHOICE_REPEATED.problem(
                "Each item may appear once in a course.", field=f"combo_slots[{i}].choices"
            )
        result.append(
            {
                "id": sid or new_id(),
                "name_zh": s["name_zh"],
                "name_en": s["name_en"],
                "choices": [
                    {"item_id": c["item_id"], "upcharge": c["upcharge"]} for c in s["choices"]
                ],
            }
        )
    if len({s["id"] for s in result}) != len(result):
        raise MenuError.COMBO_SLOT_REPEATED.problem(
            "Each course may appear once.", field="combo_slots"
        )
    return result
