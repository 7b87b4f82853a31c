"""Menu rules: what a line costs, and what the menu refuses."""

from __future__ import annotations

import pytest

from hearth.core.errors import Problem
from hearth.menu.domain import (
    ComboChoice,
    ComboSlot,
    ItemKind,
    LineRequest,
    MenuItem,
    ModifierGroup,
    ModifierOption,
    Spec,
    is_available_at,
    is_sold_out,
    price_line,
)

SPICE = ModifierGroup(
    "spice",
    "辣度",
    "Spice",
    1,
    1,
    (ModifierOption("mild", "微辣", "Mild", 0), ModifierOption("hot", "特辣", "Hot", 0)),
)
EXTRAS = ModifierGroup(
    "extras",
    "加料",
    "Extras",
    0,
    2,
    (
        ModifierOption("egg", "加蛋", "Egg", 200),
        ModifierOption("meat", "加肉", "Meat", 500),
        ModifierOption("rice", "加饭", "Rice", 300),
    ),
)
CHICKEN = MenuItem(
    "gbjd", "hot", "宫保鸡丁", "Kung Pao Chicken", 3800, modifier_groups=(SPICE, EXTRAS)
)
COLA = MenuItem(
    "cola",
    "drinks",
    "可乐",
    "Cola",
    500,
    specs=(Spec("s", "小", "Small", 500), Spec("l", "大", "Large", 800)),
)
SET = MenuItem(
    "set",
    "sets",
    "套餐",
    "Set",
    4200,
    kind=ItemKind.COMBO,
    combo_slots=(
        ComboSlot("main", "主菜", "Main", (ComboChoice("gbjd", "宫保鸡丁", "KPC", 0),)),
        ComboSlot("drink", "饮品", "Drink", (ComboChoice("cola", "可乐", "Cola", 200),)),
    ),
)
NOON = 12 * 60


def price(item, **kw):
    return price_line(item, LineRequest(item.id, **kw), minute_of_day=NOON, now_ms=0)


def code_of(item, **kw):
    with pytest.raises(Problem) as e:
        price(item, **kw)
    return e.value.code


def test_modifiers_add_their_price_deltas():
    line = price(CHICKEN, modifier_option_ids=("mild", "egg", "meat"))
    assert line.unit_price == 3800 + 200 + 500
    assert [m.option_id for m in line.modifiers] == ["mild", "egg", "meat"]


def test_modifier_choices_outside_min_and_max_are_refused():
    assert code_of(CHICKEN) == "modifier-count"
    assert code_of(CHICKEN, modifier_option_ids=("mild", "hot")) == "modifier-count"
    assert code_of(CHICKEN, modifier_option_ids=("mild", "egg", "meat", "rice")) == "modifier-count"
    assert code_of(CHICKEN, modifier_option_ids=("mild", "caviar")) == "modifier-unknown"
    assert code_of(CHICKEN, modifier_option_ids=("mild", "egg", "egg")) == "modifier-repeated"


def test_specs_set_the_price_and_one_is_required():
    assert price(COLA, spec_id="l").unit_price == 800
    assert code_of(COLA) == "spec-required"
    assert code_of(COLA, spec_id="xl") == "spec-unknown"
    assert code_of(CHICKEN, spec_id="l", modifier_option_ids=("mild",)) == "spec-unknown"


def test_combo_needs_a_choice_for_every_course():
    assert price(SET, combo_choices={"main": "gbjd", "drink": "cola"}).unit_price == 4400
    assert code_of(SET, combo_choices={"main": "gbjd"}) == "combo-choice-required"
    assert code_of(SET, combo_choices={"main": "cola", "drink": "cola"}) == "combo-choice-unknown"
    assert (
        code_of(SET, combo_choices={"main": "gbjd", "drink": "cola", "x": "y"})
        == "combo-slot-unknown"
    )
    assert code_of(COLA, spec_id="s", combo_choices={"main": "gbjd"}) == "combo-choice-unexpected"


def test_availability_windows_including_across_midnight():
    breakfast = MenuItem(
        "b", "c", "早餐", "Breakfast", 100, available_from="07:00", available_until="10:30"
    )
    late = MenuItem("l", "c", "夜宵", "Late", 100, available_from="22:00", available_until="02:00")
    assert is_available_at(breakfast, 8 * 60) and not is_available_at(breakfast, 11 * 60)
    assert is_available_at(late, 23 * 60) and is_available_at(late, 60)
    assert not is_available_at(late, NOON)
    assert price_line(breakfast, LineRequest("b"), minute_of_day=8 * 60, now_ms=0)
    with pytest.raises(Problem):
        price_line(breakfast, LineRequest("b"), minute_of_day=NOON, now_ms=0)


def test_sold_out_until_a_time_and_by_count():
    from dataclasses import replace

    assert is_sold_out(replace(COLA, sold_out=True), 0)
    assert not is_sold_out(replace(COLA, sold_out=True, back_at_ms=1000), 2000)
    assert is_sold_out(replace(COLA, remaining=0), 0)
    assert not is_sold_out(replace(COLA, remaining=1), 0)
    assert (
        code_of(replace(CHICKEN, sold_out=True), modifier_option_ids=("mild",)) == "item-sold-out"
    )
