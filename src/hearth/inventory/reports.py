"""What the inventory pages read: levels, the low-stock list, purchase suggestions, the
theoretical-against-actual usage, sales with no recipe and why a dish is sold out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.inventory import domain as d
from hearth.inventory import units as u
from hearth.inventory.service import unit_for, valuation_of
from hearth.inventory.tables import (
    auto_sold_out,
    ingredients,
    moves,
    purchase_orders,
    recipes,
    stocktakes,
    unrecipe_sales,
)

SALES_KINDS = ("sale", "void_return", "unsale")
USAGE_KINDS = (*SALES_KINDS, "waste", "count")


def ingredient_view(r: Any) -> dict[str, Any]:
    v = valuation_of(r)
    stock = unit_for(r, r.stock_unit)
    purchase = unit_for(r, r.purchase_unit)
    cost = v.unit_cost()  # milli-fen per base unit
    return {
        "id": r.id,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "dimension": r.dimension,
        "stock_unit": r.stock_unit,
        "purchase_unit": r.purchase_unit,
        "units": dict(r.units),
        "unit_names": [x.name for x in u.standard_units(u.Dimension(r.dimension))]
        + sorted(r.units),
        "par_level": r.par_level,
        "reorder_point": r.reorder_point,
        "supplier": r.supplier,
        "active": r.active,
        "on_hand": r.on_hand,
        "on_hand_text": u.show(r.on_hand, stock),
        "par_level_text": u.show(r.par_level, stock),
        "reorder_point_text": u.show(r.reorder_point, stock),
        "value": d.fen_of(r.value_milli),
        # fen per stock unit and per purchase unit, rounded for people only
        "cost_per_stock_unit": d.div_half_up(
            cost.numerator * stock.factor, cost.denominator * d.MILLI
        ),
        "cost_per_purchase_unit": d.div_half_up(
            cost.numerator * purchase.factor, cost.denominator * d.MILLI
        ),
        "low": r.low,
    }


def list_ingredients(conn: Connection, include_retired: bool = False) -> list[dict[str, Any]]:
    q = sa.select(ingredients).order_by(ingredients.c.name_en)
    if not include_retired:
        q = q.where(ingredients.c.active.is_(True))
    return [ingredient_view(r) for r in conn.execute(q)]


def low_stock(conn: Connection) -> list[dict[str, Any]]:
    return [i for i in list_ingredients(conn) if i["low"]]


def list_recipes(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "target_id": r.target_id,
            "item_id": r.item_id,
            "components": r.components,
        }
        for r in conn.execute(sa.select(recipes).order_by(recipes.c.id))
    ]


def sold_out_reasons(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "item_id": r.item_id,
            "ingredient_id": r.ingredient_id,
            "reason_zh": r.reason_zh,
            "reason_en": r.reason_en,
            "at_ms": r.at_ms,
        }
        for r in conn.execute(sa.select(auto_sold_out))
    ]


def no_recipe_sales(conn: Connection, day: str) -> dict[str, Any]:
    """The daily "sales with no recipe" figure (goal: 0), by dish."""
    rows = conn.execute(
        sa.select(unrecipe_sales.c.item_id, sa.func.sum(unrecipe_sales.c.quantity))
        .where(unrecipe_sales.c.business_date == day)
        .group_by(unrecipe_sales.c.item_id)
    ).all()
    by_item = [{"item_id": r[0], "quantity": int(r[1])} for r in rows]
    return {"date": day, "total": sum(x["quantity"] for x in by_item), "items": by_item}


def _days(start: str, end: str) -> list[str]:
    a, b = date.fromisoformat(start), date.fromisoformat(end)
    return [(a + timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]


def suggestions(conn: Connection, today: str, days_ahead: int = 2) -> list[dict[str, Any]]:
    """Purchase suggestion per ingredient: the usage recent sales predict for the next
    ``days_ahead`` days (each weekday averaged over the last four of that weekday) less what
    is on hand, rounded up to purchase units."""
    t = date.fromisoformat(today)
    since = (t - timedelta(days=28)).isoformat()
    usage: dict[tuple[str, int], int] = {}
    for r in conn.execute(
        sa.select(moves.c.ingredient_id, moves.c.business_date, sa.func.sum(moves.c.quantity))
        .where(moves.c.kind.in_(SALES_KINDS))
        .where(moves.c.business_date >= since)
        .where(moves.c.business_date < today)
        .group_by(moves.c.ingredient_id, moves.c.business_date)
    ):
        wd = date.fromisoformat(r[1]).weekday()
        usage[(r[0], wd)] = usage.get((r[0], wd), 0) - int(r[2])
    out = []
    for r in conn.execute(sa.select(ingredients).where(ingredients.c.active.is_(True))):
        expected = 0
        for k in range(days_ahead):
            wd = (t + timedelta(days=k)).weekday()
            expected += d.div_half_up(usage.get((r.id, wd), 0), 4)
        purchase = unit_for(r, r.purchase_unit)
        n = d.suggest_purchase(expected, r.on_hand, purchase.factor)
        stock = unit_for(r, r.stock_unit)
        out.append(
            {
                "ingredient_id": r.id,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "expected_usage": expected,
                "expected_usage_text": u.show(expected, stock),
                "on_hand": r.on_hand,
                "order": n,
                "purchase_unit": r.purchase_unit,
                "supplier": r.supplier,
            }
        )
    return [x for x in out if x["order"] > 0]


def variance(conn: Connection, start: str, end: str) -> list[dict[str, Any]]:
    """Theoretical usage (what the recipes of what was sold predict) against actual usage
    (also what was wasted and what the counts found missing), per ingredient, in quantity
    and money, with the gap as a percentage in basis points."""
    agg: dict[str, dict[str, int]] = {}
    for r in conn.execute(
        sa.select(
            moves.c.ingredient_id,
            moves.c.kind,
            sa.func.sum(moves.c.quantity),
            sa.func.sum(moves.c.value_milli),
        )
        .where(moves.c.kind.in_(USAGE_KINDS))
        .where(moves.c.business_date >= start)
        .where(moves.c.business_date <= end)
        .group_by(moves.c.ingredient_id, moves.c.kind)
    ):
        a = agg.setdefault(r[0], {"tq": 0, "tv": 0, "aq": 0, "av": 0})
        q, v = -int(r[2]), -int(r[3])
        if r[1] in SALES_KINDS:
            a["tq"] += q
            a["tv"] += v
        a["aq"] += q
        a["av"] += v
    names = {
        r.id: r for r in conn.execute(sa.select(ingredients).where(ingredients.c.id.in_(list(agg))))
    }
    out = []
    for ing, a in sorted(agg.items()):
        row = names.get(ing)
        if row is None:
            continue
        stock = unit_for(row, row.stock_unit)
        out.append(
            {
                "ingredient_id": ing,
                "name_zh": row.name_zh,
                "name_en": row.name_en,
                "theoretical": a["tq"],
                "actual": a["aq"],
                "gap": a["aq"] - a["tq"],
                "theoretical_text": u.show(a["tq"], stock),
                "actual_text": u.show(a["aq"], stock),
                "stock_unit": row.stock_unit,
                "theoretical_value": d.fen_of(a["tv"]),
                "actual_value": d.fen_of(a["av"]),
                "gap_value": d.fen_of(a["av"] - a["tv"]),
                "gap_bp": d.gap_bp(a["tq"], a["aq"]),
            }
        )
    return out


def list_purchase_orders(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "supplier": r.supplier,
            "status": r.status,
            "lines": r.lines,
            "created_at_ms": r.created_at_ms,
            "received_at_ms": r.received_at_ms,
        }
        for r in conn.execute(
            sa.select(purchase_orders).order_by(purchase_orders.c.created_at_ms.desc()).limit(50)
        )
    ]


def list_stocktakes(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "lines": r.lines,
            "variance_value": d.fen_of(r.variance_value_milli),
            "counted_at_ms": r.counted_at_ms,
        }
        for r in conn.execute(
            sa.select(stocktakes).order_by(stocktakes.c.counted_at_ms.desc()).limit(20)
        )
    ]


def recent_moves(conn: Connection, ingredient_id: str | None, limit: int) -> list[dict[str, Any]]:
    q = sa.select(moves).order_by(moves.c.at_ms.desc()).limit(limit)
    if ingredient_id:
        q = q.where(moves.c.ingredient_id == ingredient_id)
    return [
        {
            "key": r.key,
            "ingredient_id": r.ingredient_id,
            "kind": r.kind,
            "quantity": r.quantity,
            "value": d.fen_of(r.value_milli),
            "line_id": r.line_id,
            "item_id": r.item_id,
            "reason": r.reason,
            "business_date": r.business_date,
            "at_ms": r.at_ms,
        }
        for r in conn.execute(q)
    ]
