"""Inventory use cases: ingredients, recipes, and every way stock moves.

Each use case runs in one writer transaction: it loads what it needs, asks the pure rules
(``domain``, ``units``) and appends events; the projectors write the tables. Every stock change
ends in ``react``: the low-stock alert and the dishes sold out (or back) because of an
ingredient, in the same transaction as the move that caused them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.calendar import business_date
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.inventory import domain as d
from hearth.inventory import units as u
from hearth.inventory.errors import InventoryError
from hearth.inventory.projections import INVENTORY_ACTOR
from hearth.inventory.tables import (
    auto_sold_out,
    ingredients,
    moves,
    purchase_orders,
    recipes,
    unrecipe_sales,
)
from hearth.menu import service as menu
from hearth.menu.tables import items as menu_items
from hearth.menu.tables import modifier_groups

STOCK_STREAM = "inventory:stock"
MAX_COST_FEN = 10**11  # a billion yuan on one line is a typo


@dataclass(frozen=True, slots=True)
class Ctx:
    """Who acts, when, and the store's time zone (for the business day)."""

    actor: str | None
    now_ms: int
    timezone: str = "Asia/Shanghai"

    @property
    def day(self) -> str:
        return business_date(self.now_ms, self.timezone)


# -- ingredients ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NewIngredient:
    name_zh: str
    name_en: str
    dimension: u.Dimension
    stock_unit: str
    purchase_unit: str
    units: dict[str, int] = field(default_factory=dict)  # its own packs: name -> base units
    par_level: int = 0
    reorder_point: int = 0
    supplier: str = ""


def _check_units(dimension: u.Dimension, custom: Mapping[str, int], *names: str) -> None:
    for n in names:
        u.unit_of(n, dimension, custom)


def _require_name_free(conn: Connection, name_zh: str) -> None:
    taken = conn.execute(
        sa.select(ingredients.c.id).where(ingredients.c.name_zh == name_zh)
    ).first()
    if taken:
        raise InventoryError.INGREDIENT_NAME_TAKEN.problem(
            f"{name_zh} is already an ingredient.", field="name_zh"
        )


def create_ingredient(tx: Tx, ctx: Ctx, cmd: NewIngredient) -> str:
    """A new ingredient with no stock; its stock and purchase units must convert to it."""
    _check_units(cmd.dimension, cmd.units, cmd.stock_unit, cmd.purchase_unit)
    if cmd.par_level < 0 or cmd.reorder_point < 0:
        raise InventoryError.QUANTITY_INVALID.problem(
            "Par level and reorder point are zero or more.", field="reorder_point"
        )
    _require_name_free(tx.conn, cmd.name_zh)
    ing_id = new_id()
    tx.append(
        f"inventory:ingredient:{ing_id}",
        "IngredientCreated",
        {
            "id": ing_id,
            "name_zh": cmd.name_zh,
            "name_en": cmd.name_en,
            "dimension": cmd.dimension.value,
            "stock_unit": cmd.stock_unit,
            "purchase_unit": cmd.purchase_unit,
            "units": dict(cmd.units),
            "par_level": cmd.par_level,
            "reorder_point": cmd.reorder_point,
            "supplier": cmd.supplier,
            "at_ms": ctx.now_ms,
        },
        ctx.actor,
    )
    return ing_id


def load_ingredient(conn: Connection, ing_id: str, field_name: str | None = None) -> Any:
    """The ingredient row; 404 (or 422 naming ``field_name`` when it is a reference)."""
    row = conn.execute(sa.select(ingredients).where(ingredients.c.id == ing_id)).first()
    if row is None:
        if field_name:
            raise InventoryError.INGREDIENT_UNKNOWN.problem(
                f"There is no ingredient {ing_id!r}.", field=field_name
            )
        raise InventoryError.INGREDIENT_NOT_FOUND.problem(f"There is no ingredient {ing_id!r}.")
    return row


def active_ingredient(conn: Connection, ing_id: str, field_name: str) -> Any:
    row = load_ingredient(conn, ing_id, field_name)
    if not row.active:
        raise InventoryError.INGREDIENT_RETIRED.problem(
            f"{row.name_en} ({row.name_zh}) was deleted; restore it or leave it out.",
            field=field_name,
        )
    return row


def unit_for(row: Any, name: str, field_name: str = "unit") -> u.Unit:
    try:
        return u.unit_of(name, u.Dimension(row.dimension), row.units)
    except Exception as exc:
        from_problem = getattr(exc, "field", None)
        if from_problem is not None:
            exc.field = field_name  # type: ignore[attr-defined]
        raise


def base_of(row: Any, quantity: str, unit: str, field_name: str) -> int:
    """A typed quantity of this ingredient in base units (exact, positive)."""
    base = u.to_base(quantity, unit_for(row, unit, f"{field_name}.unit"), f"{field_name}.quantity")
    return u.check_positive(base, f"{field_name}.quantity")


UPDATABLE = {
    "name_zh",
    "name_en",
    "stock_unit",
    "purchase_unit",
    "units",
    "par_level",
    "reorder_point",
    "supplier",
}


def update_ingredient(tx: Tx, ctx: Ctx, ing_id: str, changes: dict[str, Any]) -> None:
    """Rename, re-unit, re-level or re-supply an ingredient (its dimension never changes)."""
    row = load_ingredient(tx.conn, ing_id)
    changes = {k: v for k, v in changes.items() if k in UPDATABLE}
    dim = u.Dimension(row.dimension)
    custom = changes.get("units", row.units)
    _check_units(
        dim,
        custom,
        changes.get("stock_unit", row.stock_unit),
        changes.get("purchase_unit", row.purchase_unit),
    )
    if "name_zh" in changes and changes["name_zh"] != row.name_zh:
        _require_name_free(tx.conn, changes["name_zh"])
    for k in ("par_level", "reorder_point"):
        if k in changes and changes[k] < 0:
            raise InventoryError.QUANTITY_INVALID.problem(f"{k} is zero or more.", field=k)
    tx.append(
        f"inventory:ingredient:{ing_id}",
        "IngredientUpdated",
        {"id": ing_id, "at_ms": ctx.now_ms, **changes},
        ctx.actor,
    )
    if "reorder_point" in changes:
        react(tx, ctx, {ing_id})


def retire_ingredient(tx: Tx, ctx: Ctx, ing_id: str) -> None:
    """Delete an ingredient from use (its moves stay for the books)."""
    row = load_ingredient(tx.conn, ing_id)
    if not row.active:
        raise InventoryError.INGREDIENT_RETIRED.problem(f"{row.name_en} is already deleted.")
    tx.append(f"inventory:ingredient:{ing_id}", "IngredientRetired", {"id": ing_id}, ctx.actor)


# -- recipes ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ComponentIn:
    quantity: str
    unit: str = ""
    ingredient_id: str | None = None
    item_id: str | None = None  # a dish used in this one, in portions


def load_book(conn: Connection) -> d.RecipeBook:
    its: dict[str, tuple[d.Component, ...]] = {}
    specs: dict[str, tuple[d.Component, ...]] = {}
    opts: dict[str, tuple[d.Component, ...]] = {}
    target = {"item": its, "spec": specs, "option": opts}
    for r in conn.execute(sa.select(recipes.c.kind, recipes.c.target_id, recipes.c.components)):
        target[r.kind][r.target_id] = tuple(
            d.Component(c["quantity"], c.get("ingredient_id"), c.get("item_id"))
            for c in r.components
        )
    return d.RecipeBook(its, specs, opts)


def _target_item(conn: Connection, kind: d.TargetKind, target_id: str) -> str | None:
    """The dish a recipe target belongs to (None for an option); refused when unknown."""
    if kind is d.TargetKind.ITEM:
        if not menu.load_items(conn, [target_id]):
            raise InventoryError.ITEM_UNKNOWN.problem(
                f"There is no dish {target_id!r}.", field="target_id"
            )
        return target_id
    if kind is d.TargetKind.SPEC:
        for r in conn.execute(sa.select(menu_items.c.id, menu_items.c.specs)):
            if any(s["id"] == target_id for s in r.specs):
                return str(r.id)
        raise InventoryError.SPEC_UNKNOWN.problem(
            f"No dish has a size {target_id!r}.", field="target_id"
        )
    for g in conn.execute(sa.select(modifier_groups.c.options)):
        if any(o["id"] == target_id for o in g.options):
            return None
    raise InventoryError.OPTION_UNKNOWN.problem(
        f"There is no modifier option {target_id!r}.", field="target_id"
    )


def set_recipe(
    tx: Tx, ctx: Ctx, kind: d.TargetKind, target_id: str, components: list[ComponentIn]
) -> dict[str, Any]:
    """What a dish, a size or an option uses; a dish may use another dish, never itself."""
    item_id = _target_item(tx.conn, kind, target_id)
    comps: list[d.Component] = []
    for i, c in enumerate(components):
        f = f"components[{i}]"
        if (c.ingredient_id is None) == (c.item_id is None):
            raise InventoryError.INGREDIENT_UNKNOWN.problem(
                "Name an ingredient or a dish.", field=f"{f}.ingredient_id"
            )
        if c.ingredient_id is not None:
            row = active_ingredient(tx.conn, c.ingredient_id, f"{f}.ingredient_id")
            comps.append(d.Component(base_of(row, c.quantity, c.unit, f), ingredient_id=row.id))
        else:
            assert c.item_id is not None
            if not menu.load_items(tx.conn, [c.item_id]):
                raise InventoryError.ITEM_UNKNOWN.problem(
                    f"There is no dish {c.item_id!r}.", field=f"{f}.item_id"
                )
            portions = u.to_base(c.quantity, u.STANDARD["piece"], f"{f}.quantity")
            comps.append(d.Component(u.check_positive(portions, f), item_id=c.item_id))
    d.check_recipe(load_book(tx.conn), kind, item_id, comps)
    recipe_id = f"{kind.value}:{target_id}"
    payload = {
        "id": recipe_id,
        "kind": kind.value,
        "target_id": target_id,
        "item_id": item_id,
        "components": [
            {
                k: v
                for k, v in (
                    ("quantity", c.quantity),
                    ("ingredient_id", c.ingredient_id),
                    ("item_id", c.item_id),
                )
                if v is not None
            }
            for c in comps
        ],
        "at_ms": ctx.now_ms,
    }
    tx.append(f"inventory:recipe:{recipe_id}", "RecipeSet", payload, ctx.actor)
    react(tx, ctx, {c.ingredient_id for c in comps if c.ingredient_id})
    return payload


def clear_recipe(tx: Tx, ctx: Ctx, kind: d.TargetKind, target_id: str) -> None:
    recipe_id = f"{kind.value}:{target_id}"
    if tx.conn.execute(sa.select(recipes.c.id).where(recipes.c.id == recipe_id)).first() is None:
        raise InventoryError.RECIPE_NOT_FOUND.problem(f"{recipe_id} has no recipe.")
    tx.append(f"inventory:recipe:{recipe_id}", "RecipeCleared", {"id": recipe_id}, ctx.actor)


# -- stock moves ------------------------------------------------------------------------------
def valuation_of(row: Any) -> d.Valuation:
    return d.Valuation(
        int(row.on_hand), int(row.value_milli), Fraction(row.last_cost_num, row.last_cost_den)
    )


def _valuations(conn: Connection, ids: Iterable[str]) -> dict[str, d.Valuation]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = conn.execute(sa.select(ingredients).where(ingredients.c.id.in_(wanted)))
    return {r.id: valuation_of(r) for r in rows}


def _vjson(v: d.Valuation) -> list[int]:
    return [v.on_hand, v.value, v.last_cost.numerator, v.last_cost.denominator]


@dataclass
class Moves:
    """Moves being gathered for one event, threading each ingredient's valuation through."""

    vals: dict[str, d.Valuation]
    out: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, ing: str, kind: str, qty: int, value: int, **extra: Any) -> None:
        self.out.append(
            {
                "key": key,
                "ingredient_id": ing,
                "kind": kind,
                "quantity": qty,
                "value_milli": value,
                **{k: v for k, v in extra.items() if v is not None},
            }
        )

    def take(self, key: str, ing: str, kind: str, qty: int, **extra: Any) -> None:
        after, value = d.issue(self.vals[ing], qty)
        self.vals[ing] = after
        self.add(key, ing, kind, -qty, -value, **extra)

    def put(self, key: str, ing: str, kind: str, qty: int, value: int, **extra: Any) -> None:
        self.vals[ing] = d.give_back(self.vals[ing], qty, value)
        self.add(key, ing, kind, qty, value, **extra)


def _existing(conn: Connection, keys: Iterable[str]) -> set[str]:
    ks = list(keys)
    if not ks:
        return set()
    return {r[0] for r in conn.execute(sa.select(moves.c.key).where(moves.c.key.in_(ks)))}


def commit_moves(
    tx: Tx, ctx: Ctx, m: Moves, react_now: bool = True, **extra: Any
) -> list[dict[str, Any]]:
    """Append one StockMoved with the moves not already recorded (keyed: a replayed source
    moves nothing twice) and each touched ingredient's valuation after them."""
    seen = _existing(tx.conn, (x["key"] for x in m.out))
    fresh = [x for x in m.out if x["key"] not in seen]
    unrecipe = extra.pop("unrecipe", [])
    if not fresh and not unrecipe:
        return []
    touched = {x["ingredient_id"] for x in fresh}
    tx.append(
        STOCK_STREAM,
        "StockMoved",
        {
            "moves": fresh,
            "valuations": {i: _vjson(m.vals[i]) for i in sorted(touched)},
            "business_date": ctx.day,
            "at_ms": ctx.now_ms,
            "unrecipe": unrecipe,
            **extra,
        },
        ctx.actor,
    )
    if react_now:
        react(tx, ctx, touched)
    return fresh


@dataclass(frozen=True, slots=True)
class LineIn:
    ingredient_id: str
    quantity: str
    unit: str
    cost: int = 0  # fen for the whole line (receiving)


def _rows(tx: Tx, lines: list[LineIn]) -> list[Any]:
    if not lines:
        raise InventoryError.LINES_EMPTY.problem("Add at least one line.", field="lines")
    return [
        active_ingredient(tx.conn, ln.ingredient_id, f"lines[{i}].ingredient_id")
        for i, ln in enumerate(lines)
    ]


def receive_stock(
    tx: Tx,
    ctx: Ctx,
    lines: list[LineIn],
    purchase_order_id: str | None = None,
    supplier: str = "",
) -> dict[str, Any]:
    """Goods in (against a purchase order or not), each line at its cost: the average moves."""
    if purchase_order_id is not None:
        po = tx.conn.execute(
            sa.select(purchase_orders).where(purchase_orders.c.id == purchase_order_id)
        ).first()
        if po is None:
            raise InventoryError.PURCHASE_ORDER_NOT_FOUND.problem(
                f"There is no purchase order {purchase_order_id!r}.", field="purchase_order_id"
            )
        if po.status != "open":
            raise InventoryError.PURCHASE_ORDER_CLOSED.problem(
                "This purchase order was already received.", field="purchase_order_id"
            )
    rows = _rows(tx, lines)
    receipt = new_id()
    m = Moves(_valuations(tx.conn, (r.id for r in rows)))
    for i, (ln, row) in enumerate(zip(lines, rows, strict=True)):
        if not 0 <= ln.cost <= MAX_COST_FEN:
            raise InventoryError.COST_INVALID.problem(
                "A cost is zero or more, in fen.", field=f"lines[{i}].cost"
            )
        qty = base_of(row, ln.quantity, ln.unit, f"lines[{i}]")
        m.vals[row.id] = d.receive(m.vals[row.id], qty, ln.cost)
        m.add(
            f"receive:{receipt}:{i}",
            row.id,
            "receive",
            qty,
            ln.cost * d.MILLI,
            ref=purchase_order_id or receipt,
            reason=supplier,
        )
    commit_moves(tx, ctx, m, purchase_order_id=purchase_order_id)
    return {"id": receipt, "moves": len(m.out)}


def record_waste(tx: Tx, ctx: Ctx, line: LineIn, reason: str) -> dict[str, Any]:
    """Thrown away, with why (spoiled, dropped, over-prepped): stock and value leave."""
    if not reason.strip():
        raise InventoryError.REASON_REQUIRED.problem("Say why it was wasted.", field="reason")
    (row,) = _rows(tx, [line])
    qty = base_of(row, line.quantity, line.unit, "lines[0]")
    m = Moves(_valuations(tx.conn, [row.id]))
    waste_id = new_id()
    m.take(f"waste:{waste_id}", row.id, "waste", qty, ref=waste_id, reason=reason)
    commit_moves(tx, ctx, m)
    return {"id": waste_id, "value": d.fen_of(-m.out[0]["value_milli"])}


def record_stocktake(tx: Tx, ctx: Ctx, lines: list[LineIn]) -> dict[str, Any]:
    """A count sheet: each counted ingredient is set to its count; the variance and its value
    are recorded (a count of a deleted ingredient is refused, nothing written)."""
    rows = _rows(tx, lines)
    if len({r.id for r in rows}) != len(rows):
        raise InventoryError.RECIPE_DUPLICATE.problem(
            "Count each ingredient once per sheet.", field="lines"
        )
    sheet = new_id()
    m = Moves(_valuations(tx.conn, (r.id for r in rows)))
    out_lines = []
    total = 0
    for i, (ln, row) in enumerate(zip(lines, rows, strict=True)):
        counted = u.to_base(
            ln.quantity, unit_for(row, ln.unit, f"lines[{i}].unit"), f"lines[{i}].quantity"
        )
        if counted < 0:
            raise InventoryError.QUANTITY_INVALID.problem(
                "A count is zero or more.", field=f"lines[{i}].quantity"
            )
        before = m.vals[row.id]
        after, variance, value = d.count(before, counted)
        m.vals[row.id] = after
        if variance or value:
            m.add(f"count:{sheet}:{row.id}", row.id, "count", variance, value, ref=sheet)
        total += value
        out_lines.append(
            {
                "ingredient_id": row.id,
                "name_zh": row.name_zh,
                "name_en": row.name_en,
                "expected": before.on_hand,
                "counted": counted,
                "variance": variance,
                "variance_value": d.fen_of(value),
            }
        )
    tx.append(
        STOCK_STREAM,
        "StocktakeRecorded",
        {"id": sheet, "lines": out_lines, "variance_value_milli": total, "at_ms": ctx.now_ms},
        ctx.actor,
    )
    commit_moves(tx, ctx, m)
    return {"id": sheet, "lines": out_lines, "variance_value": d.fen_of(total)}


def transfer_out(tx: Tx, ctx: Ctx, to_store: str, lines: list[LineIn]) -> dict[str, Any]:
    """Stock sent to another store: it leaves at its value here; the other store books it in
    with ``transfer_in`` (through HQ is a follow-up)."""
    if not to_store.strip() or to_store == tx.store_id:
        raise InventoryError.STORE_INVALID.problem("Name another store.", field="to_store")
    rows = _rows(tx, lines)
    transfer = new_id()
    m = Moves(_valuations(tx.conn, (r.id for r in rows)))
    for i, (ln, row) in enumerate(zip(lines, rows, strict=True)):
        qty = base_of(row, ln.quantity, ln.unit, f"lines[{i}]")
        m.take(
            f"transfer:{transfer}:{i}",
            row.id,
            "transfer_out",
            qty,
            ref=transfer,
            reason=f"to {to_store}",
        )
    commit_moves(tx, ctx, m)
    return {
        "id": transfer,
        "lines": [
            {
                "ingredient_id": x["ingredient_id"],
                "quantity": -x["quantity"],
                "value": d.fen_of(-x["value_milli"]),
            }
            for x in m.out
        ],
    }


def transfer_in(
    tx: Tx, ctx: Ctx, from_store: str, transfer_id: str, lines: list[LineIn]
) -> dict[str, Any]:
    """Stock sent here by another store, at the value it left there (``cost``, fen): keyed by
    the transfer, so booking the same transfer twice moves nothing."""
    if not from_store.strip() or from_store == tx.store_id:
        raise InventoryError.STORE_INVALID.problem("Name another store.", field="from_store")
    rows = _rows(tx, lines)
    m = Moves(_valuations(tx.conn, (r.id for r in rows)))
    for i, (ln, row) in enumerate(zip(lines, rows, strict=True)):
        qty = base_of(row, ln.quantity, ln.unit, f"lines[{i}]")
        if not 0 <= ln.cost <= MAX_COST_FEN:
            raise InventoryError.COST_INVALID.problem(
                "A cost is zero or more, in fen.", field=f"lines[{i}].cost"
            )
        m.vals[row.id] = d.receive(m.vals[row.id], qty, ln.cost)
        m.add(
            f"transfer-in:{from_store}:{transfer_id}:{i}",
            row.id,
            "transfer_in",
            qty,
            ln.cost * d.MILLI,
            ref=transfer_id,
            reason=f"from {from_store}",
        )
    fresh = commit_moves(tx, ctx, m)
    return {"id": transfer_id, "moves": len(fresh)}


def create_purchase_order(tx: Tx, ctx: Ctx, supplier: str, lines: list[LineIn]) -> dict[str, Any]:
    """A simple purchase order: what is ordered from a supplier, received later against it."""
    rows = _rows(tx, lines)
    out = []
    for i, (ln, row) in enumerate(zip(lines, rows, strict=True)):
        base_of(row, ln.quantity, ln.unit, f"lines[{i}]")
        if not 0 <= ln.cost <= MAX_COST_FEN:
            raise InventoryError.COST_INVALID.problem(
                "A cost is zero or more, in fen.", field=f"lines[{i}].cost"
            )
        out.append(
            {"ingredient_id": row.id, "quantity": ln.quantity, "unit": ln.unit, "cost": ln.cost}
        )
    po_id = new_id()
    tx.append(
        f"inventory:po:{po_id}",
        "PurchaseOrderCreated",
        {"id": po_id, "supplier": supplier, "lines": out, "at_ms": ctx.now_ms},
        ctx.actor,
    )
    return {"id": po_id, "supplier": supplier, "lines": out, "status": "open"}


# -- reactions: low stock and auto sold-out ------------------------------------------------------
def react(tx: Tx, ctx: Ctx, touched: set[str]) -> None:
    """After stock moved: journal LowStock / StockRecovered when an ingredient crosses its
    reorder point, and 86 (or bring back) the dishes that use what moved."""
    if not touched:
        return
    rows = list(tx.conn.execute(sa.select(ingredients).where(ingredients.c.id.in_(touched))))
    for r in rows:
        low = r.active and r.reorder_point > 0 and r.on_hand < r.reorder_point
        if low != r.low:
            tx.append(
                STOCK_STREAM,
                "LowStock" if low else "StockRecovered",
                {
                    "ingredient_id": r.id,
                    "name_zh": r.name_zh,
                    "name_en": r.name_en,
                    "on_hand": r.on_hand,
                    "reorder_point": r.reorder_point,
                },
                INVENTORY_ACTOR,
            )
    sell_out_or_restore(tx, ctx, touched)


def _uses(book: d.RecipeBook, item_id: str, specs: list[str], touched: set[str]) -> bool:
    sizes: list[str | None] = [*specs] or [None]
    return any(touched & set(d.portion(book, item_id, s).ingredients) for s in sizes)


def sell_out_or_restore(tx: Tx, ctx: Ctx, touched: set[str] | None = None) -> None:
    """86 each dish an ingredient can no longer cover one portion of (at any size), with the
    reason; bring back each dish inventory 86'd that can be made again. A dish a person 86'd
    is left alone: only ``inventory_auto_sold_out`` rows come back by themselves."""
    book = load_book(tx.conn)
    dish_ids = set(book.items) | {
        r.item_id
        for r in tx.conn.execute(sa.select(recipes.c.item_id).where(recipes.c.kind == "spec"))
    }
    if not dish_ids:
        return
    auto = {r.item_id: r for r in tx.conn.execute(sa.select(auto_sold_out))}
    rows = list(
        tx.conn.execute(
            sa.select(
                menu_items.c.id,
                menu_items.c.specs,
                menu_items.c.sold_out,
                menu_items.c.remaining,
                menu_items.c.kind,
                menu_items.c.active,
            ).where(menu_items.c.id.in_(dish_ids))
        )
    )
    on_hand: dict[str, int] | None = None
    names: dict[str, tuple[str, str]] = {}
    for r in rows:
        if r.kind != "item" or not r.active:
            continue
        specs = [s["id"] for s in r.specs]
        if touched is not None and not _uses(book, r.id, specs, touched):
            continue
        if on_hand is None:
            on_hand = {}
            for i in tx.conn.execute(
                sa.select(
                    ingredients.c.id,
                    ingredients.c.on_hand,
                    ingredients.c.name_zh,
                    ingredients.c.name_en,
                )
            ):
                on_hand[i.id] = int(i.on_hand)
                names[i.id] = (i.name_zh, i.name_en)
        short = d.short_of(book, r.id, specs, on_hand)
        if short is not None and not r.sold_out:
            zh, en = names.get(short, ("?", "?"))
            menu.mark_sold_out(tx, r.id, None, INVENTORY_ACTOR)
            tx.append(
                STOCK_STREAM,
                "DishSoldOutByStock",
                {
                    "item_id": r.id,
                    "ingredient_id": short,
                    "reason_zh": f"{zh}已用完",
                    "reason_en": f"no {zh} ({en}) left",
                    "at_ms": ctx.now_ms,
                },
                INVENTORY_ACTOR,
            )
        elif short is None and r.sold_out and r.id in auto:
            menu.mark_back_in_stock(tx, r.id, r.remaining, INVENTORY_ACTOR)


# -- sales (the journal subscriber) ------------------------------------------------------------
def deduct_sale(
    tx: Tx, ctx: Ctx, event_id: str, lines: list[tuple[str, d.SoldLine]], book: d.RecipeBook
) -> set[str]:
    """Lines sent to the kitchen use their recipes' ingredients; keyed (event, line,
    ingredient). Returns the ingredients touched (``react`` runs once per batch). A store with
    no recipe at all does not use inventory: nothing is written for its sales."""
    if not (book.items or book.specs or book.options):
        return set()
    usages = [(line_id, sl, d.explode(book, sl)) for line_id, sl in lines]
    m = Moves(_valuations(tx.conn, {i for _, _, us in usages for i in us.ingredients}))
    unrecipe = []
    for line_id, sl, us in usages:
        for ing, qty in sorted(us.ingredients.items()):
            if ing in m.vals:
                m.take(
                    f"{event_id}:{line_id}:{ing}",
                    ing,
                    "sale",
                    qty,
                    source_event_id=event_id,
                    line_id=line_id,
                    item_id=sl.item_id,
                )
        for dish in us.unrecipe:
            unrecipe.append(
                {"key": f"{event_id}:{line_id}:{dish}", "item_id": dish, "quantity": sl.quantity}
            )
    if unrecipe:
        done = {
            r[0]
            for r in tx.conn.execute(
                sa.select(unrecipe_sales.c.key).where(
                    unrecipe_sales.c.key.in_([x["key"] for x in unrecipe])
                )
            )
        }
        unrecipe = [x for x in unrecipe if x["key"] not in done]
    fresh = commit_moves(tx, ctx, m, react_now=False, unrecipe=unrecipe)
    return {x["ingredient_id"] for x in fresh}


def reverse_lines(
    tx: Tx, ctx: Ctx, event_id: str, line_ids: Iterable[str], cooked: set[str]
) -> set[str]:
    """A voided line gives back exactly what it took, if the kitchen had not started it; if it
    had, what it took is booked as waste instead (stock stays out, sales usage goes down)."""
    ids = list(line_ids)
    if not ids:
        return set()
    net: dict[tuple[str, str], list[int]] = {}
    for r in tx.conn.execute(
        sa.select(
            moves.c.line_id,
            moves.c.ingredient_id,
            moves.c.quantity,
            moves.c.value_milli,
            moves.c.item_id,
        )
        .where(moves.c.line_id.in_(ids))
        .where(moves.c.kind.in_(("sale", "void_return", "unsale")))
    ):
        acc = net.setdefault((r.line_id, r.ingredient_id), [0, 0])
        acc[0] += int(r.quantity)
        acc[1] += int(r.value_milli)
    m = Moves(_valuations(tx.conn, {ing for _, ing in net}))
    for (line_id, ing), (qty, value) in sorted(net.items()):
        if qty >= 0:
            continue  # nothing left to give back
        key = f"{event_id}:{line_id}:{ing}"
        if line_id in cooked:
            m.add(key, ing, "unsale", -qty, -value, source_event_id=event_id, line_id=line_id)
            m.add(
                key + ":waste",
                ing,
                "waste",
                qty,
                value,
                source_event_id=event_id,
                line_id=line_id,
                reason="voided after cooking",
            )
        else:
            m.put(
                key,
                ing,
                "void_return",
                -qty,
                -value,
                source_event_id=event_id,
                line_id=line_id,
                reason="voided before cooking",
            )
    fresh = commit_moves(tx, ctx, m, react_now=False)
    return {x["ingredient_id"] for x in fresh}


def quantity_text(row: Any, base: int, unit: str | None = None) -> str:
    return u.show(base, unit_for(row, unit or row.stock_unit))


def decimal_text(value: Decimal) -> str:
    return f"{value:f}"
