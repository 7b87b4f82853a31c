"""Menu rules: what a line costs and whether it can be sold, with no database and no clock.

A line's price is always computed here from the catalogue; a price sent by a client is never
read. Choices outside a modifier group's min/max, a spec that does not belong to the item, a combo
slot left empty: each is refused with the field at fault.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from hearth.menu.errors import MenuError


class ItemKind(StrEnum):
    ITEM = "item"
    COMBO = "combo"


@dataclass(frozen=True, slots=True)
class Spec:
    id: str
    name_zh: str
    name_en: str
    price: int


@dataclass(frozen=True, slots=True)
class ModifierOption:
    id: str
    name_zh: str
    name_en: str
    price_delta: int


@dataclass(frozen=True, slots=True)
class ModifierGroup:
    id: str
    name_zh: str
    name_en: str
    min_choices: int
    max_choices: int
    options: tuple[ModifierOption, ...]

    def option(self, option_id: str) -> ModifierOption | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class ComboChoice:
    item_id: str
    name_zh: str
    name_en: str
    upcharge: int


@dataclass(frozen=True, slots=True)
class ComboSlot:
    id: str
    name_zh: str
    name_en: str
    choices: tuple[ComboChoice, ...]


@dataclass(frozen=True, slots=True)
class MenuItem:
    id: str
    category_id: str
    name_zh: str
    name_en: str
    price: int
    kind: ItemKind = ItemKind.ITEM
    specs: tuple[Spec, ...] = ()
    modifier_groups: tuple[ModifierGroup, ...] = ()
    combo_slots: tuple[ComboSlot, ...] = ()
    tax_rate_bp: int = 600
    station_id: str | None = None
    available_from: str | None = None  # "HH:MM", store local time
    available_until: str | None = None
    sold_out: bool = False
    remaining: int | None = None  # counts down as the kitchen is sent orders; None = no limit
    back_at_ms: int | None = None  # when a sold-out item comes back by itself
    active: bool = True


@dataclass(frozen=True, slots=True)
class ChosenModifier:
    group_id: str
    option_id: str
    name_zh: str
    name_en: str
    price_delta: int


@dataclass(frozen=True, slots=True)
class ChosenComboItem:
    slot_id: str
    item_id: str
    name_zh: str
    name_en: str
    upcharge: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line as the server priced it: what the kitchen makes and what the diner pays."""

    item_id: str
    kind: ItemKind
    name_zh: str
    name_en: str
    spec_id: str | None
    spec_name_zh: str | None
    spec_name_en: str | None
    modifiers: tuple[ChosenModifier, ...]
    combo_items: tuple[ChosenComboItem, ...]
    unit_price: int
    tax_rate_bp: int
    station_id: str | None


@dataclass(frozen=True, slots=True)
class LineRequest:
    item_id: str
    quantity: int = 1
    spec_id: str | None = None
    modifier_option_ids: tuple[str, ...] = ()
    combo_choices: dict[str, str] = field(default_factory=dict)  # slot id -> item id


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {hhmm!r}")
    return h * 60 + m


def is_available_at(item: MenuItem, minute_of_day: int) -> bool:
    """Time-of-day availability; a window may cross midnight (late-night menu 22:00-02:00)."""
    if item.available_from is None or item.available_until is None:
        return True
    start, end = minutes_of(item.available_from), minutes_of(item.available_until)
    if start <= end:
        return start <= minute_of_day < end
    return minute_of_day >= start or minute_of_day < end


def is_sold_out(item: MenuItem, now_ms: int) -> bool:
    if item.sold_out:
        return item.back_at_ms is None or now_ms < item.back_at_ms
    return item.remaining is not None and item.remaining <= 0


def price_line(
    item: MenuItem,
    req: LineRequest,
    *,
    minute_of_day: int,
    now_ms: int,
    field_prefix: str = "lines[0]",
) -> PricedLine:
    """Price one requested line against the catalogue, refusing anything the menu does not allow."""
    f = field_prefix
    if not item.active:
        raise MenuError.ITEM_UNAVAILABLE.problem(
            f"{item.name_en} ({item.name_zh}) is not on the menu.", field=f"{f}.item_id"
        )
    if is_sold_out(item, now_ms):
        raise MenuError.ITEM_SOLD_OUT.problem(
            f"{item.name_en} ({item.name_zh}) is sold out.", field=f"{f}.item_id"
        )
    if not is_available_at(item, minute_of_day):
        raise MenuError.ITEM_NOT_AVAILABLE_NOW.problem(
            f"{item.name_en} is served {item.available_from}-{item.available_until}.",
            field=f"{f}.item_id",
        )

    unit = item.price
    spec: Spec | None = None
    if item.specs:
        if req.spec_id is None:
            raise MenuError.SPEC_REQUIRED.problem(
                f"{item.name_en} needs one of: " + ", ".join(s.name_en for s in item.specs),
                field=f"{f}.spec_id",
            )
        spec = next((s for s in item.specs if s.id == req.spec_id), None)
        if spec is None:
            raise MenuError.SPEC_UNKNOWN.problem(
                f"{req.spec_id!r} is not a variant of {item.name_en}.", field=f"{f}.spec_id"
            )
        unit = spec.price
    elif req.spec_id is not None:
        raise MenuError.SPEC_UNKNOWN.problem(
            f"{item.name_en} has no variants.", field=f"{f}.spec_id"
        )

    modifiers = _choose_modifiers(item, req.modifier_option_ids, f)
    unit += sum(m.price_delta for m in modifiers)
    combo_items = _choose_combo(item, req.combo_choices, f)
    unit += sum(c.upcharge for c in combo_items)

    return PricedLine(
        item_id=item.id,
        kind=item.kind,
        name_zh=item.name_zh,
        name_en=item.name_en,
        spec_id=spec.id if spec else None,
        spec_name_zh=spec.name_zh if spec else None,
        spec_name_en=spec.name_en if spec else None,
        modifiers=modifiers,
        combo_items=combo_items,
        unit_price=unit,
        tax_rate_bp=item.tax_rate_bp,
        station_id=item.station_id,
    )


def _choose_modifiers(
    item: MenuItem, option_ids: tuple[str, ...], f: str
) -> tuple[ChosenModifier, ...]:
    dupes = [o for o, n in Counter(option_ids).items() if n > 1]
    if dupes:
        raise MenuError.MODIFIER_REPEATED.problem(
            f"Option {dupes[0]!r} was chosen more than once.", field=f"{f}.modifier_option_ids"
        )
    chosen: list[ChosenModifier] = []
    remaining = set(option_ids)
    for group in item.modifier_groups:
        picked = [group.option(o) for o in option_ids if group.option(o) is not None]
        remaining -= {o.id for o in picked if o is not None}
        if not group.min_choices <= len(picked) <= group.max_choices:
            raise MenuError.MODIFIER_COUNT.problem(
                f"{group.name_en} ({group.name_zh}) needs between {group.min_choices} and "
                f"{group.max_choices} choices; got {len(picked)}.",
                field=f"{f}.modifier_option_ids",
            )
        chosen.extend(
            ChosenModifier(group.id, o.id, o.name_zh, o.name_en, o.price_delta)
            for o in picked
            if o is not None
        )
    if remaining:
        raise MenuError.MODIFIER_UNKNOWN.problem(
            f"{sorted(remaining)[0]!r} is not an option for {item.name_en}.",
            field=f"{f}.modifier_option_ids",
        )
    return tuple(chosen)


def _choose_combo(item: MenuItem, choices: dict[str, str], f: str) -> tuple[ChosenComboItem, ...]:
    if item.kind is not ItemKind.COMBO:
        if choices:
            raise MenuError.COMBO_CHOICE_UNEXPECTED.problem(
                f"{item.name_en} is not a set meal.", field=f"{f}.combo_choices"
            )
        return ()
    unknown = set(choices) - {s.id for s in item.combo_slots}
    if unknown:
        raise MenuError.COMBO_SLOT_UNKNOWN.problem(
            f"{sorted(unknown)[0]!r} is not part of {item.name_en}.", field=f"{f}.combo_choices"
        )
    picked: list[ChosenComboItem] = []
    for slot in item.combo_slots:
        wanted = choices.get(slot.id)
        if wanted is None:
            raise MenuError.COMBO_CHOICE_REQUIRED.problem(
                f"Choose the {slot.name_en} ({slot.name_zh}) of {item.name_en}.",
                field=f"{f}.combo_choices.{slot.id}",
            )
        choice = next((c for c in slot.choices if c.item_id == wanted), None)
        if choice is None:
            raise MenuError.COMBO_CHOICE_UNKNOWN.problem(
                f"{wanted!r} is not offered as {slot.name_en}.",
                field=f"{f}.combo_choices.{slot.id}",
            )
        picked.append(
            ChosenComboItem(
                slot.id, choice.item_id, choice.name_zh, choice.name_en, choice.upcharge
            )
        )
    return tuple(picked)
