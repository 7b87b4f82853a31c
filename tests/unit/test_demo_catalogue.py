"""The demo restaurant's catalogue is self-consistent, so `hearth demo` can load it blindly."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pytest

from hearth.core.permissions import Role
from hearth.demo import catalogue as cat
from hearth.staff import domain as staff_domain

KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

ITEM_KEYS = {i.key for i in cat.ITEMS}
ITEMS_BY_KEY = {i.key: i for i in cat.ITEMS}
GROUPS_BY_KEY = {g.key: g for g in cat.MODIFIER_GROUPS}
STATION_KEYS = {s.key for s in cat.STATIONS}
CATEGORY_KEYS = {c.key for c in cat.CATEGORIES}
ALL_TABLES = [t for a in cat.AREAS for t in a.tables]


def dupes(keys: Iterable[str]) -> list[str]:
    return sorted(k for k, n in Counter(keys).items() if n > 1)


def minutes(hhmm: str) -> int:
    m = HHMM.match(hhmm)
    assert m, f"{hhmm!r} is not HH:MM"
    return int(m.group(1)) * 60 + int(m.group(2))


# --------------------------------------------------------------------------- store


def test_store_identity():
    assert cat.STORE_NAME_ZH == "炉火小馆"
    assert cat.STORE_NAME_EN == "Hearth Bistro"
    assert cat.CURRENCY == "CNY"
    assert cat.OWNER_PASSWORD == "hearth-demo"
    assert len(cat.OWNER_PASSWORD) >= 8  # the staff rules refuse shorter passwords


# --------------------------------------------------------------------------- counts


def test_counts():
    assert len(cat.STATIONS) == 4
    assert 8 <= len(cat.CATEGORIES) <= 10
    assert len(cat.ITEMS) >= 64
    assert sum(1 for i in cat.ITEMS if i.specs) >= 12
    assert sum(1 for i in cat.ITEMS if i.modifier_group_keys) >= 20
    assert len(cat.COMBOS) >= 3
    assert len(cat.AREAS) == 3
    assert len(ALL_TABLES) >= 24
    assert any(i.available_from for i in cat.ITEMS)


def test_the_four_stations():
    assert {s.key for s in cat.STATIONS} == {"hot", "cold", "bar", "pastry"}


def test_the_three_areas():
    assert [a.name_zh for a in cat.AREAS] == ["大厅", "包间", "露台"]
    assert [a.name_en for a in cat.AREAS] == ["Main Hall", "Private Rooms", "Terrace"]
    assert all(a.tables for a in cat.AREAS)


def test_the_signature_dishes_are_on_the_menu():
    names = {i.name_zh for i in cat.ITEMS}
    for dish in (
        "宫保鸡丁",
        "麻婆豆腐",
        "水煮鱼",
        "回锅肉",
        "鱼香肉丝",
        "干煸四季豆",
        "夫妻肺片",
        "口水鸡",
        "拍黄瓜",
        "扬州炒饭",
        "担担面",
        "酸梅汤",
        "珍珠奶茶",
        "青岛啤酒",
    ):
        assert dish in names, dish
    assert any("虾饺" in n for n in names)
    assert any("烧卖" in n for n in names)
    assert any("叉烧包" in n for n in names)
    assert any("茅台" in n for n in names)


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "kind, keys",
    [
        ("station", [s.key for s in cat.STATIONS]),
        ("category", [c.key for c in cat.CATEGORIES]),
        ("modifier group", [g.key for g in cat.MODIFIER_GROUPS]),
        # an order line names its options without their group, so option keys are globally unique
        ("modifier option", [o.key for g in cat.MODIFIER_GROUPS for o in g.options]),
        # combos become menu items, so they share the item namespace
        ("item or combo", [i.key for i in cat.ITEMS] + [c.key for c in cat.COMBOS]),
        ("area", [a.key for a in cat.AREAS]),
    ],
)
def test_keys_are_unique_snake_case(kind, keys):
    assert not dupes(keys), f"duplicate {kind} keys"
    bad = [k for k in keys if not KEY.match(k)]
    assert not bad, f"{kind} keys not lowercase snake_case: {bad}"


def test_keys_within_an_item_or_combo_are_unique():
    for item in cat.ITEMS:
        assert not dupes(s.key for s in item.specs), item.key
        assert all(KEY.match(s.key) for s in item.specs), item.key
        assert not dupes(item.modifier_group_keys), item.key
    for combo in cat.COMBOS:
        assert not dupes(s.key for s in combo.slots), combo.key
        assert all(KEY.match(s.key) for s in combo.slots), combo.key
        for slot in combo.slots:
            assert not dupes(k for k, _ in slot.choices), (combo.key, slot.key)


def test_table_codes_are_unique_and_well_formed():
    codes = [t.code for t in ALL_TABLES]
    assert not dupes(codes)
    assert all(re.fullmatch(r"[A-Z]\d{1,2}", c) for c in codes), codes
    assert all(2 <= t.seats <= 12 for t in ALL_TABLES)


# --------------------------------------------------------------------------- references


def test_categories_point_at_stations():
    for c in cat.CATEGORIES:
        assert c.station_key in STATION_KEYS, c.key


def test_items_point_at_categories_stations_and_groups():
    for item in cat.ITEMS:
        assert item.category_key in CATEGORY_KEYS, item.key
        assert item.station_key is None or item.station_key in STATION_KEYS, item.key
        for g in item.modifier_group_keys:
            assert g in GROUPS_BY_KEY, (item.key, g)


def test_every_category_and_station_is_used():
    used_categories = {i.category_key for i in cat.ITEMS} | {c.category_key for c in cat.COMBOS}
    assert used_categories == CATEGORY_KEYS
    by_category = {c.key: c.station_key for c in cat.CATEGORIES}
    stations = {i.station_key or by_category[i.category_key] for i in cat.ITEMS}
    assert stations == STATION_KEYS


def test_combo_choices_point_at_real_items():
    for combo in cat.COMBOS:
        assert combo.category_key in CATEGORY_KEYS, combo.key
        assert 2 <= len(combo.slots) <= 4, combo.key
        for slot in combo.slots:
            assert slot.choices, (combo.key, slot.key)
            assert any(up == 0 for _, up in slot.choices), (combo.key, slot.key)
            for key, upcharge in slot.choices:
                assert key in ITEM_KEYS, (combo.key, slot.key, key)
                assert isinstance(upcharge, int) and upcharge >= 0, (combo.key, key)


def test_combo_choices_have_no_specs_or_serving_window():
    """A course is chosen by item alone (no size) and a set meal is served all day."""
    for combo in cat.COMBOS:
        for slot in combo.slots:
            for key, _ in slot.choices:
                item = ITEMS_BY_KEY[key]
                assert not item.specs, (combo.key, slot.key, key)
                assert item.available_from is None, (combo.key, slot.key, key)


def test_a_combo_is_cheaper_than_its_cheapest_courses_a_la_carte():
    for combo in cat.COMBOS:
        cheapest = sum(min(ITEMS_BY_KEY[k].price for k, _ in s.choices) for s in combo.slots)
        assert combo.price < cheapest, combo.key


def test_required_modifier_groups_exist():
    g = GROUPS_BY_KEY
    assert (g["spice_level"].min_choices, g["spice_level"].max_choices) == (1, 1)
    assert [o.name_zh for o in g["spice_level"].options] == ["不辣", "微辣", "中辣", "特辣"]
    assert (g["avoid"].min_choices, g["avoid"].max_choices) == (0, 3)
    avoid = {o.name_zh for o in g["avoid"].options}
    assert {"不要葱", "不要香菜", "不要蒜", "少油", "少盐"} <= avoid
    assert (g["extras"].min_choices, g["extras"].max_choices) == (0, 3)
    assert all(o.price_delta > 0 for o in g["extras"].options)
    for key in ("sweetness", "ice", "staple"):
        assert (g[key].min_choices, g[key].max_choices) == (1, 1), key
    used = {k for i in cat.ITEMS for k in i.modifier_group_keys}
    assert used == set(GROUPS_BY_KEY)


# --------------------------------------------------------------------------- money


def is_money(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def test_prices_are_positive_whole_fen():
    for item in cat.ITEMS:
        assert is_money(item.price) and item.price > 0, item.key
        for spec in item.specs:
            assert is_money(spec.price) and spec.price > 0, (item.key, spec.key)
        assert is_money(item.tax_rate_bp) and 0 <= item.tax_rate_bp <= 10_000, item.key
    for combo in cat.COMBOS:
        assert is_money(combo.price) and combo.price > 0, combo.key


def test_modifier_groups_are_satisfiable_and_deltas_not_negative():
    for g in cat.MODIFIER_GROUPS:
        assert 0 <= g.min_choices <= g.max_choices <= len(g.options), g.key
        assert g.max_choices >= 1, g.key
        for o in g.options:
            assert is_money(o.price_delta) and o.price_delta >= 0, (g.key, o.key)


def test_an_item_with_specs_is_priced_at_its_cheapest_spec():
    for item in cat.ITEMS:
        if item.specs:
            assert len(item.specs) >= 2, item.key
            assert item.price == min(s.price for s in item.specs), item.key


def test_a_few_realistic_prices():
    assert ITEMS_BY_KEY["kung_pao_chicken"].price == 3800
    assert 1000 <= ITEMS_BY_KEY["mapo_tofu"].price <= 6000
    assert ITEMS_BY_KEY["steamed_rice"].price < ITEMS_BY_KEY["yangzhou_fried_rice"].price


# --------------------------------------------------------------------------- time windows


def test_availability_windows_parse_and_are_in_order():
    windowed = [i for i in cat.ITEMS if i.available_from or i.available_until]
    assert windowed
    for item in windowed:
        assert item.available_from and item.available_until, item.key
        assert minutes(item.available_from) < minutes(item.available_until), item.key


def test_breakfast_dim_sum_is_served_in_the_morning():
    breakfast = [i for i in cat.ITEMS if i.available_from == "07:00"]
    assert len(breakfast) >= 3
    assert all(i.available_until == "10:30" for i in breakfast)
    assert all(i.category_key == "dim_sum" for i in breakfast)


# --------------------------------------------------------------------------- staff


def test_staff_roles_cover_everyone_needed():
    roles = Counter(s.role for s in cat.STAFF)
    assert set(roles) == {"owner", "manager", "cashier", "waiter", "kitchen"}
    assert roles == {"owner": 1, "manager": 2, "cashier": 2, "waiter": 3, "kitchen": 2}


def test_staff_codes_match_roles_and_are_unique():
    prefix = {"owner": "O", "manager": "M", "cashier": "C", "waiter": "W", "kitchen": "K"}
    assert not dupes(s.code for s in cat.STAFF)
    for s in cat.STAFF:
        assert re.fullmatch(rf"{prefix[s.role]}\d\d", s.code), s.code
        assert s.name.strip(), s.code


def test_pins_are_distinct_digits():
    pins = [s.pin for s in cat.STAFF]
    assert not dupes(pins)
    for pin in pins:
        assert pin.isdigit() and 4 <= len(pin) <= 6, pin
        assert len(set(pin)) > 1, pin  # the staff rules refuse one repeated digit


def test_pins_follow_the_staff_rules_for_their_role():
    """Managers' and owners' PINs approve voids and refunds: 6 digits, as the rules ask."""
    for s in cat.STAFF:
        staff_domain.check_pin(s.pin, Role(s.role))
        if s.role in ("owner", "manager"):
            assert len(s.pin) >= 6, s.code


# --------------------------------------------------------------------------- shape


def test_records_are_frozen():
    item = cat.ITEMS[0]
    with pytest.raises(AttributeError):
        item.price = 1  # type: ignore[misc]
    assert isinstance(cat.ITEMS, tuple) and isinstance(cat.STAFF, tuple)


def test_every_record_has_both_names():
    named: list[tuple[str, str]] = []
    named += [(s.name_zh, s.name_en) for s in cat.STATIONS]
    named += [(c.name_zh, c.name_en) for c in cat.CATEGORIES]
    named += [(g.name_zh, g.name_en) for g in cat.MODIFIER_GROUPS]
    named += [(o.name_zh, o.name_en) for g in cat.MODIFIER_GROUPS for o in g.options]
    named += [(i.name_zh, i.name_en) for i in cat.ITEMS]
    named += [(s.name_zh, s.name_en) for i in cat.ITEMS for s in i.specs]
    named += [(c.name_zh, c.name_en) for c in cat.COMBOS]
    named += [(s.name_zh, s.name_en) for c in cat.COMBOS for s in c.slots]
    named += [(a.name_zh, a.name_en) for a in cat.AREAS]
    for zh, en in named:
        assert zh.strip() and en.strip(), (zh, en)
        assert en.isascii(), en
