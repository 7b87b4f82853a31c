"""Inventory routes under /api/inventory: ingredients, recipes, receiving, waste, counts,
transfers, purchase orders, and the levels, low-stock list, suggestions and variance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from hearth.core.api import CommandDep, NodeDep, Principal, Strict, require
from hearth.core.calendar import business_date
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.inventory import domain as d
from hearth.inventory import reports, service
from hearth.inventory import units as u
from hearth.inventory.errors import InventoryError

router = APIRouter(prefix="/api/inventory", tags=["inventory"])

# Reading is for all staff (the POS shows why a dish is sold out), the books (ingredients,
# recipes, purchase orders, transfers out) are the managers', and stock in, waste and counts are
# the kitchen's and the managers'.
Reader = Annotated[Principal, Depends(require(Permission.INVENTORY_READ))]
Editor = Annotated[Principal, Depends(require(Permission.INVENTORY_EDIT))]
StockHand = Annotated[Principal, Depends(require(Permission.STOCK_MOVE))]

Name = Annotated[str, Field(min_length=1, max_length=80)]
UnitName = Annotated[str, Field(min_length=1, max_length=20)]
Quantity = Annotated[
    str,
    Field(
        min_length=1,
        max_length=24,
        pattern=r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$",
        description="A decimal number as text (no floats): 1.5, 12, 0.25",
    ),
]
Fen = Annotated[int, Field(ge=-(10**12), le=10**12, description="Minor units (fen)")]
Day = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _ctx(node: Any, staff: Principal) -> service.Ctx:
    return service.Ctx(staff.staff_id, node.now_ms(), node.settings.timezone)


def _today(node: Any) -> str:
    return business_date(node.now_ms(), node.settings.timezone)


# -- ingredients ------------------------------------------------------------------------------
class PackIn(Strict):
    name: UnitName
    quantity: Quantity
    of: UnitName


class IngredientIn(Strict):
    name_zh: Name
    name_en: Name
    dimension: u.Dimension
    stock_unit: UnitName
    purchase_unit: UnitName
    packs: list[PackIn] = Field(default_factory=list, max_length=20)
    par_level: Quantity = "0"
    reorder_point: Quantity = "0"
    supplier: Annotated[str, Field(max_length=80)] = ""


def _packs(dimension: u.Dimension, packs: list[PackIn]) -> dict[str, int]:
    return {p.name: u.custom_unit_factor(p.name, p.quantity, p.of, dimension) for p in packs}


def _level(dimension: u.Dimension, custom: dict[str, int], text: str, unit: str, f: str) -> int:
    base = u.to_base(text, u.unit_of(unit, dimension, custom), f)
    if base < 0:
        raise InventoryError.QUANTITY_INVALID.problem("Zero or more.", field=f)
    return base


@router.get("/ingredients", summary="Ingredients with stock on hand, value and cost per unit")
def get_ingredients(node: NodeDep, _: Reader, retired: bool = False) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.list_ingredients(conn, include_retired=retired)


@router.post("/ingredients", status_code=201, summary="Add an ingredient")
async def create_ingredient(body: IngredientIn, cmd: CommandDep, staff: Editor) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        custom = _packs(body.dimension, body.packs)
        u.unit_of(body.stock_unit, body.dimension, custom)
        new = service.NewIngredient(
            name_zh=body.name_zh,
            name_en=body.name_en,
            dimension=body.dimension,
            stock_unit=body.stock_unit,
            purchase_unit=body.purchase_unit,
            units=custom,
            par_level=_level(body.dimension, custom, body.par_level, body.stock_unit, "par_level"),
            reorder_point=_level(
                body.dimension, custom, body.reorder_point, body.stock_unit, "reorder_point"
            ),
            supplier=body.supplier,
        )
        return 201, {"id": service.create_ingredient(tx, ctx, new)}

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class IngredientPatch(Strict):
    name_zh: Name | None = None
    name_en: Name | None = None
    stock_unit: UnitName | None = None
    purchase_unit: UnitName | None = None
    packs: list[PackIn] | None = Field(default=None, max_length=20)
    par_level: Quantity | None = None
    reorder_point: Quantity | None = None
    supplier: Annotated[str, Field(max_length=80)] | None = None


@router.patch("/ingredients/{ingredient_id}", summary="Change an ingredient")
async def update_ingredient(
    ingredient_id: str, body: IngredientPatch, cmd: CommandDep, staff: Editor
) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        row = service.load_ingredient(tx.conn, ingredient_id)
        dim = u.Dimension(row.dimension)
        changes: dict[str, Any] = body.model_dump(
            exclude_unset=True, exclude_none=True, exclude={"packs", "par_level", "reorder_point"}
        )
        custom = dict(row.units) if body.packs is None else _packs(dim, body.packs)
        if body.packs is not None:
            changes["units"] = custom
        stock_unit = changes.get("stock_unit", row.stock_unit)
        for k in ("par_level", "reorder_point"):
            text = getattr(body, k)
            if text is not None:
                changes[k] = _level(dim, custom, text, stock_unit, k)
        service.update_ingredient(tx, ctx, ingredient_id, changes)
        with_row = service.load_ingredient(tx.conn, ingredient_id)
        return 200, reports.ingredient_view(with_row)

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class Empty(Strict):
    pass


@router.post("/ingredients/{ingredient_id}/delete", summary="Delete an ingredient from use")
async def delete_ingredient(ingredient_id: str, body: Empty, cmd: CommandDep, staff: Editor) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.retire_ingredient(tx, ctx, ingredient_id)
        return 200, {"id": ingredient_id, "active": False}

    return await cmd.run(staff, {}, command)


# -- recipes ----------------------------------------------------------------------------------
class ComponentModel(Strict):
    ingredient_id: Annotated[str, Field(max_length=36)] | None = None
    item_id: Annotated[str, Field(max_length=36)] | None = None
    quantity: Quantity
    unit: Annotated[str, Field(max_length=20)] = ""


class RecipeIn(Strict):
    components: list[ComponentModel] = Field(min_length=1, max_length=60)


@router.get("/recipes", summary="Every recipe: dishes, sizes and options")
def get_recipes(node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.list_recipes(conn)


@router.put("/recipes/{kind}/{target_id}", summary="Set what a dish, size or option uses")
async def put_recipe(
    kind: d.TargetKind, target_id: str, body: RecipeIn, cmd: CommandDep, staff: Editor
) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        comps = [service.ComponentIn(**c.model_dump()) for c in body.components]
        return 200, service.set_recipe(tx, ctx, kind, target_id, comps)

    return await cmd.run(staff, body.model_dump(mode="json"), command)


@router.delete("/recipes/{kind}/{target_id}", summary="Remove a recipe")
async def delete_recipe(kind: d.TargetKind, target_id: str, cmd: CommandDep, staff: Editor) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.clear_recipe(tx, ctx, kind, target_id)
        return 200, {"id": f"{kind.value}:{target_id}", "removed": True}

    return await cmd.run(staff, {}, command)


# -- stock in and out -------------------------------------------------------------------------
class LineModel(Strict):
    ingredient_id: Annotated[str, Field(min_length=1, max_length=36)]
    quantity: Quantity
    unit: UnitName
    cost: Fen = 0


def _lines(lines: list[LineModel]) -> list[service.LineIn]:
    return [service.LineIn(**ln.model_dump()) for ln in lines]


class ReceiveIn(Strict):
    purchase_order_id: Annotated[str, Field(max_length=36)] | None = None
    supplier: Annotated[str, Field(max_length=80)] = ""
    lines: list[LineModel] = Field(min_length=1, max_length=200)


@router.post("/receipts", status_code=201, summary="Receive stock (against an order or not)")
async def receive(body: ReceiveIn, cmd: CommandDep, staff: StockHand) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        out = service.receive_stock(
            tx, ctx, _lines(body.lines), body.purchase_order_id, body.supplier
        )
        return 201, out

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class WasteIn(Strict):
    ingredient_id: Annotated[str, Field(min_length=1, max_length=36)]
    quantity: Quantity
    unit: UnitName
    reason: Annotated[str, Field(min_length=1, max_length=200)]


@router.post("/waste", status_code=201, summary="Record waste with its reason")
async def waste(body: WasteIn, cmd: CommandDep, staff: StockHand) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        line = service.LineIn(body.ingredient_id, body.quantity, body.unit)
        return 201, service.record_waste(tx, ctx, line, body.reason)

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class CountModel(Strict):
    ingredient_id: Annotated[str, Field(min_length=1, max_length=36)]
    quantity: Quantity
    unit: UnitName


class StocktakeIn(Strict):
    lines: list[CountModel] = Field(min_length=1, max_length=500)


@router.get("/stocktakes", summary="Recent count sheets with their variance")
def get_stocktakes(node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.list_stocktakes(conn)


@router.post("/stocktakes", status_code=201, summary="A count sheet: variance and its value")
async def stocktake(body: StocktakeIn, cmd: CommandDep, staff: StockHand) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        lines = [service.LineIn(c.ingredient_id, c.quantity, c.unit) for c in body.lines]
        return 201, service.record_stocktake(tx, ctx, lines)

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class TransferOutIn(Strict):
    to_store: Annotated[str, Field(min_length=1, max_length=64)]
    lines: list[LineModel] = Field(min_length=1, max_length=200)


@router.post("/transfers/out", status_code=201, summary="Send stock to another store")
async def transfer_out(body: TransferOutIn, cmd: CommandDep, staff: Editor) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 201, service.transfer_out(tx, ctx, body.to_store, _lines(body.lines))

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class TransferInIn(Strict):
    from_store: Annotated[str, Field(min_length=1, max_length=64)]
    transfer_id: Annotated[str, Field(min_length=1, max_length=36)]
    lines: list[LineModel] = Field(min_length=1, max_length=200)


@router.post("/transfers/in", status_code=201, summary="Book in stock another store sent")
async def transfer_in(body: TransferInIn, cmd: CommandDep, staff: StockHand) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        out = service.transfer_in(tx, ctx, body.from_store, body.transfer_id, _lines(body.lines))
        return 201, out

    return await cmd.run(staff, body.model_dump(mode="json"), command)


class PurchaseOrderIn(Strict):
    supplier: Annotated[str, Field(min_length=1, max_length=80)]
    lines: list[LineModel] = Field(min_length=1, max_length=200)


@router.get("/purchase-orders", summary="Recent purchase orders")
def get_purchase_orders(node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.list_purchase_orders(conn)


@router.post("/purchase-orders", status_code=201, summary="Order from a supplier")
async def create_purchase_order(body: PurchaseOrderIn, cmd: CommandDep, staff: Editor) -> Any:
    ctx = _ctx(cmd.node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 201, service.create_purchase_order(tx, ctx, body.supplier, _lines(body.lines))

    return await cmd.run(staff, body.model_dump(mode="json"), command)


# -- what the pages read ----------------------------------------------------------------------
@router.get("/low-stock", summary="Ingredients below their reorder point")
def get_low_stock(node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.low_stock(conn)


@router.get("/suggestions", summary="What to order: expected usage less on hand")
def get_suggestions(
    node: NodeDep, _: Reader, days: Annotated[int, Query(ge=1, le=14)] = 2
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.suggestions(conn, _today(node), days)


@router.get("/variance", summary="Theoretical against actual usage, in quantity and money")
def get_variance(
    node: NodeDep, _: Reader, start: Day | None = None, end: Day | None = None
) -> list[dict[str, Any]]:
    today = _today(node)
    with node.engine.connect() as conn:
        return reports.variance(conn, start or today, end or today)


@router.get("/no-recipe", summary="Today's sales of dishes with no recipe (goal: 0)")
def get_no_recipe(node: NodeDep, _: Reader, date: Day | None = None) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return reports.no_recipe_sales(conn, date or _today(node))


@router.get("/sold-out", summary="Dishes sold out because an ingredient ran out, and why")
def get_sold_out(node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.sold_out_reasons(conn)


@router.get("/moves", summary="Recent stock moves")
def get_moves(
    node: NodeDep,
    _: Reader,
    ingredient_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return reports.recent_moves(conn, ingredient_id, limit)
