"""Units of measure: every quantity is an integer in its ingredient's base unit.

Mass is counted in milligrams, volume in millilitres and pieces in thousandths of a piece, so
half an egg or 1.5 斤 of pork are exact integers and nothing is ever a float. A unit is a name
and how many base units it holds: the standard ones below (g, kg, 斤 = 500 g, 两 = 50 g, L, ml,
piece) and each ingredient's own (a case of 12 × 1 L is 12,000 ml of that ingredient). Units of
another dimension never convert: 1 L of flour is refused, not guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from hearth.inventory.errors import InventoryError

# 1,000 tonnes, 1,000,000 litres or a million pieces: beyond this a quantity is a typo.
MAX_BASE = 10**12
MAX_DECIMALS = 6


class Dimension(StrEnum):
    MASS = "mass"  # base: milligram
    VOLUME = "volume"  # base: millilitre
    COUNT = "count"  # base: a thousandth of a piece


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    dimension: Dimension
    factor: int  # base units in one of this unit


BASE_NAME = {Dimension.MASS: "mg", Dimension.VOLUME: "ml", Dimension.COUNT: "piece/1000"}

STANDARD: dict[str, Unit] = {
    u.name: u
    for u in (
        Unit("mg", Dimension.MASS, 1),
        Unit("g", Dimension.MASS, 1_000),
        Unit("kg", Dimension.MASS, 1_000_000),
        Unit("斤", Dimension.MASS, 500_000),
        Unit("两", Dimension.MASS, 50_000),
        Unit("ml", Dimension.VOLUME, 1),
        Unit("L", Dimension.VOLUME, 1_000),
        Unit("piece", Dimension.COUNT, 1_000),
    )
}
ALIASES = {
    "jin": "斤",
    "liang": "两",
    "l": "L",
    "pc": "piece",
    "pcs": "piece",
    "个": "piece",
    "克": "g",
    "千克": "kg",
    "公斤": "kg",
    "毫升": "ml",
    "升": "L",
}


def standard_units(dimension: Dimension) -> list[Unit]:
    return [u for u in STANDARD.values() if u.dimension is dimension]


def unit_of(name: str, dimension: Dimension, custom: Mapping[str, int] | None = None) -> Unit:
    """The unit called ``name`` for an ingredient of ``dimension`` with its own units
    ``custom`` (name -> base units); refused when unknown or of another dimension."""
    custom = custom or {}
    if name in custom:
        return Unit(name, dimension, int(custom[name]))
    std = STANDARD.get(ALIASES.get(name, name))
    if std is None:
        known = ", ".join([u.name for u in standard_units(dimension)] + sorted(custom))
        raise InventoryError.UNIT_UNKNOWN.problem(
            f"{name!r} is not a unit here; use one of: {known}.", field="unit"
        )
    if std.dimension is not dimension:
        raise InventoryError.UNIT_MISMATCH.problem(
            f"{std.name} measures {std.dimension.value}, but this ingredient is counted by "
            f"{dimension.value}: {std.name} does not convert to "
            + ", ".join(u.name for u in standard_units(dimension))
            + ".",
            field="unit",
        )
    return std


def parse_quantity(text: str | int, field: str = "quantity") -> Decimal:
    """A decimal quantity as typed ("1.5", "12", 3); floats never reach here."""
    if isinstance(text, bool):
        raise InventoryError.QUANTITY_INVALID.problem("A quantity is a number.", field=field)
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InventoryError.QUANTITY_INVALID.problem(
            f"{text!r} is not a number.", field=field
        ) from None
    if not value.is_finite():
        raise InventoryError.QUANTITY_INVALID.problem(f"{text!r} is not a number.", field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise InventoryError.QUANTITY_INVALID.problem(
            f"At most {MAX_DECIMALS} decimals ({text!r}).", field=field
        )
    return value


def to_base(quantity: Decimal | int | str, unit: Unit, field: str = "quantity") -> int:
    """``quantity`` of ``unit`` in base units, exactly; a fraction of a base unit (0.0001 g)
    or an absurd amount is refused, never rounded."""
    q = quantity if isinstance(quantity, Decimal) else parse_quantity(quantity, field)
    exact = Fraction(q) * unit.factor
    if exact.denominator != 1:
        raise InventoryError.QUANTITY_INVALID.problem(
            f"{q} {unit.name} is finer than this ingredient is counted "
            f"(1 {BASE_NAME[unit.dimension]}).",
            field=field,
        )
    base = int(exact)
    if abs(base) > MAX_BASE:
        raise InventoryError.QUANTITY_INVALID.problem(
            f"{q} {unit.name} is more than any store holds.", field=field
        )
    return base


def from_base(base: int, unit: Unit) -> Fraction:
    """Base units as an exact number of ``unit`` (display rounds it, nothing else does)."""
    return Fraction(base, unit.factor)


def show(base: int, unit: Unit, decimals: int = 3) -> str:
    """For people: base units in ``unit`` to ``decimals`` places, trailing zeros dropped."""
    f = from_base(base, unit)
    scaled = round(f * 10**decimals)
    text = f"{Decimal(scaled).scaleb(-decimals):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def check_positive(base: int, field: str = "quantity") -> int:
    if base <= 0:
        raise InventoryError.QUANTITY_INVALID.problem(
            "A quantity must be more than zero.", field=field
        )
    return base


def custom_unit_factor(
    name: str, quantity: Decimal | int | str, of: str, dimension: Dimension
) -> int:
    """An ingredient's own unit, as "a case is 12 × 1 L" (name, 12, "L"): its base units."""
    if not name or name in STANDARD or name in ALIASES:
        raise InventoryError.UNIT_INVALID.problem(
            f"{name!r} is a standard unit or empty; name the pack (case, bag, tray).",
            field="units",
        )
    factor = to_base(quantity, unit_of(of, dimension), field="units")
    if factor <= 0:
        raise InventoryError.UNIT_INVALID.problem(f"A {name} must hold something.", field="units")
    return factor
