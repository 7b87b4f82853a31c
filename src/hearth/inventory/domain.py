"""Inventory rules with no database and no clock: stock value, recipes, auto sold-out.

Stock value is kept as an integer in milli-fen (1/1000 of a minor unit) beside the quantity
on hand. A receipt adds its cost; an issue takes the proportional share of the value,
``value × issued / on_hand``, so the moving average is never stored rounded and never drifts:
whatever was received is exactly what was issued plus what is left, and an ingredient used up
to zero is worth exactly zero.

A recipe is a list of components (an ingredient or another dish, with a quantity in base units)
for a dish, a size of a dish (it replaces the dish's amount of the ingredients it names: a large
bowl uses 250 g of noodles instead of 150 g) or a modifier option (added on top: "extra egg" is
one more egg). A set meal uses its own recipe (packaging, say) and each chosen dish's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from hearth.inventory.errors import InventoryError

MILLI = 1000  # milli-fen per fen
MAX_DEPTH = 8  # dishes made of dishes, at most this deep


def div_half_up(num: int, den: int) -> int:
    """num / den rounded half away from zero (den > 0)."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


# -- value ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Valuation:
    """What one ingredient holds and is worth: base units and milli-fen; ``last_cost`` (milli-fen
    per base unit, exact) values what is issued while nothing is on hand."""

    on_hand: int = 0
    value: int = 0
    last_cost: Fraction = Fraction(0)

    def unit_cost(self) -> Fraction:
        """Moving-average milli-fen per base unit."""
        if self.on_hand > 0:
            return Fraction(self.value, self.on_hand)
        return self.last_cost


def receive(v: Valuation, quantity: int, cost_fen: int) -> Valuation:
    """Stock in at a total cost (fen): the average moves towards the price paid."""
    if quantity <= 0 or cost_fen < 0:
        raise ValueError("receive needs a positive quantity and a cost >= 0")
    on_hand = v.on_hand + quantity
    last = Fraction(cost_fen * MILLI, quantity)
    return Valuation(on_hand, v.value + cost_fen * MILLI, last)


def issue(v: Valuation, quantity: int) -> tuple[Valuation, int]:
    """Stock out (sale, waste, transfer): the new valuation and the milli-fen that left.

    Stock may go below zero (the kitchen cooked it; the count will say why): the part not
    on hand leaves at the last known cost."""
    if quantity < 0:
        raise ValueError("issue needs a quantity >= 0")
    if quantity == 0:
        return v, 0
    if v.on_hand > 0 and quantity <= v.on_hand:
        out = div_half_up(v.value * quantity, v.on_hand)
    else:
        covered = max(0, v.on_hand)
        short = quantity - covered
        out = (v.value if covered else 0) + round(short * v.unit_cost())
    last = v.unit_cost()
    return Valuation(v.on_hand - quantity, v.value - out, last), out


def give_back(v: Valuation, quantity: int, value: int) -> Valuation:
    """Return exactly what an issue took (a void before cooking)."""
    return Valuation(v.on_hand + quantity, v.value + value, v.unit_cost())


def count(v: Valuation, counted: int) -> tuple[Valuation, int, int]:
    """A stocktake says ``counted``: the new valuation, the variance and its value (what the
    stock is worth now less what it was worth: so value stays the sum of every move)."""
    if counted < 0:
        raise ValueError("a count is >= 0")
    variance = counted - v.on_hand
    if variance < 0 and v.on_hand > 0:
        after, out = issue(v, -variance)
        return after, variance, -out
    value = round(counted * v.unit_cost())
    return Valuation(counted, value, v.unit_cost()), variance, value - v.value


def fen_of(milli: int) -> int:
    return div_half_up(milli, MILLI)


# -- recipes ----------------------------------------------------------------------------------
class TargetKind(StrEnum):
    ITEM = "item"  # a dish (or a set meal's own extras)
    SPEC = "spec"  # one size of a dish: replaces the dish's amount of what it names
    OPTION = "option"  # a modifier option: added on top


@dataclass(frozen=True, slots=True)
class Component:
    """``quantity`` base units of an ingredient, or ``quantity``/1000 portions of a dish."""

    quantity: int
    ingredient_id: str | None = None
    item_id: str | None = None

    def __post_init__(self) -> None:
        if (self.ingredient_id is None) == (self.item_id is None):
            raise ValueError("a component is an ingredient or a dish")


@dataclass(frozen=True, slots=True)
class RecipeBook:
    """Every recipe of the store: dishes, sizes (by spec id) and options (by option id)."""

    items: Mapping[str, tuple[Component, ...]] = field(default_factory=dict)
    specs: Mapping[str, tuple[Component, ...]] = field(default_factory=dict)
    options: Mapping[str, tuple[Component, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SoldLine:
    """What a line sold, as the recipes need it."""

    item_id: str
    quantity: int
    spec_id: str | None = None
    option_ids: tuple[str, ...] = ()
    combo_item_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Usage:
    ingredients: dict[str, int]
    # Dishes sold that have no recipe (the line's dish or a set meal's chosen dish).
    unrecipe: tuple[str, ...] = ()


def find_cycle(book: RecipeBook, item_id: str, components: Iterable[Component]) -> list[str] | None:
    """The path by which ``item_id`` would use itself with these components, or None."""
    graph = {k: [c.item_id for c in v if c.item_id] for k, v in book.items.items()}
    graph[item_id] = [c.item_id for c in components if c.item_id]

    def walk(node: str, path: list[str]) -> list[str] | None:
        for nxt in graph.get(node, []):
            if nxt == item_id:
                return [*path, nxt]
            if nxt in path or len(path) > MAX_DEPTH * 4:
                continue
            found = walk(nxt, [*path, nxt])
            if found:
                return found
        return None

    return walk(item_id, [item_id])


def check_recipe(
    book: RecipeBook, kind: TargetKind, item_id: str | None, components: list[Component]
) -> None:
    """Refuse a recipe naming an ingredient twice, or (for a dish) one that uses itself."""
    seen: set[str] = set()
    for i, c in enumerate(components):
        key = c.ingredient_id or f"item:{c.item_id}"
        if key in seen:
            raise InventoryError.RECIPE_DUPLICATE.problem(
                "Each ingredient or dish once per recipe; add the amounts together.",
                field=f"components[{i}]",
            )
        seen.add(key)
        if c.quantity <= 0:
            raise InventoryError.QUANTITY_INVALID.problem(
                "A recipe uses more than zero of each component.", field=f"components[{i}]"
            )
    if item_id is not None:
        if any(c.item_id == item_id for c in components) and kind is not TargetKind.ITEM:
            raise InventoryError.RECIPE_CYCLE.problem(
                "A size or option of a dish cannot use the dish itself.", field="components"
            )
        if kind is TargetKind.ITEM:
            cycle = find_cycle(book, item_id, components)
            if cycle:
                raise InventoryError.RECIPE_CYCLE.problem(
                    "This recipe would use itself: " + " → ".join(cycle) + ".",
                    field="components",
                )


def _add(into: dict[str, int], ingredient: str, qty: int) -> None:
    into[ingredient] = into.get(ingredient, 0) + qty


def portion(book: RecipeBook, item_id: str, spec_id: str | None = None, depth: int = 0) -> Usage:
    """One portion of a dish (at a size): base units per ingredient, and dishes unrecipe'd."""
    if depth > MAX_DEPTH:
        return Usage({}, (item_id,))
    base = book.items.get(item_id)
    size = book.specs.get(spec_id) if spec_id else None
    if base is None and size is None:
        return Usage({}, (item_id,))
    comps: dict[str, Component] = {}
    for c in base or ():
        comps[c.ingredient_id or f"item:{c.item_id}"] = c
    for c in size or ():
        comps[c.ingredient_id or f"item:{c.item_id}"] = c  # a size replaces what it names
    out: dict[str, int] = {}
    missing: list[str] = []
    for c in comps.values():
        if c.ingredient_id:
            _add(out, c.ingredient_id, c.quantity)
        elif c.item_id:
            sub = portion(book, c.item_id, None, depth + 1)
            for ing, q in sub.ingredients.items():
                _add(out, ing, div_half_up(q * c.quantity, 1000))
            missing.extend(sub.unrecipe)
    return Usage(out, tuple(missing))


def explode(book: RecipeBook, line: SoldLine) -> Usage:
    """What a sold line uses: its dish at its size (or a set meal's own recipe and each chosen
    dish), plus every option's recipe, times the quantity."""
    out: dict[str, int] = {}
    missing: list[str] = []
    if line.combo_item_ids:
        own = book.items.get(line.item_id, ())
        for c in own:
            if c.ingredient_id:
                _add(out, c.ingredient_id, c.quantity)
        for dish in line.combo_item_ids:
            u = portion(book, dish)
            for ing, q in u.ingredients.items():
                _add(out, ing, q)
            missing.extend(u.unrecipe)
    else:
        u = portion(book, line.item_id, line.spec_id)
        out.update(u.ingredients)
        missing.extend(u.unrecipe)
    for opt in line.option_ids:
        for c in book.options.get(opt, ()):
            if c.ingredient_id:
                _add(out, c.ingredient_id, c.quantity)
            elif c.item_id:
                for ing, q in portion(book, c.item_id).ingredients.items():
                    _add(out, ing, div_half_up(q * c.quantity, 1000))
    return Usage({k: v * line.quantity for k, v in out.items() if v}, tuple(dict.fromkeys(missing)))


# -- auto sold-out ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Shortage:
    item_id: str
    ingredient_id: str


def short_of(
    book: RecipeBook, item_id: str, spec_ids: Iterable[str], on_hand: Mapping[str, int]
) -> str | None:
    """The ingredient that cannot cover one more portion of the dish at any size, or None
    when some size can still be made (or the dish has no recipe: never guessed sold out)."""
    sizes: list[str | None] = [*spec_ids] or [None]
    first_short: str | None = None
    for spec in sizes:
        u = portion(book, item_id, spec)
        if not u.ingredients:
            return None
        lacking = [ing for ing, need in sorted(u.ingredients.items()) if on_hand.get(ing, 0) < need]
        if not lacking:
            return None
        first_short = first_short or lacking[0]
    return first_short


def suggest_purchase(expected_usage: int, on_hand: int, purchase_factor: int) -> int:
    """Purchase units to order: expected usage less what is on hand, rounded up (>= 0)."""
    need = expected_usage - max(0, on_hand)
    if need <= 0:
        return 0
    return -(-need // purchase_factor)


def gap_bp(theoretical: int, actual: int) -> int | None:
    """(actual − theoretical) / theoretical in basis points; None when nothing was expected."""
    if theoretical == 0:
        return None
    return div_half_up((actual - theoretical) * 10_000, theoretical)
