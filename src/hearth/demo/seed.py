"""Load the demo restaurant into a store node through the real use cases (so it is journaled)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from hearth.demo import catalogue as cat
from hearth.kitchen import service as kitchen
from hearth.menu import service as menu
from hearth.menu.tables import items
from hearth.node import Node
from hearth.ordering import service as ordering
from hearth.ordering.service import Context
from hearth.staff import service as staff


@dataclass
class SeedReport:
    items: int = 0
    combos: int = 0
    tables: int = 0
    stations: int = 0
    staff: list[tuple[str, str, str, str]] = field(default_factory=list)  # code, name, role, pin
    terminal_key: str = ""
    table_ids: dict[str, str] = field(default_factory=dict)


def is_seeded(node: Node) -> bool:
    with node.engine.connect() as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(items)).scalar())


def seed(node: Node, progress: Callable[[str], None] | None = None) -> SeedReport:
    say = progress or (lambda _m: None)
    w = node.writer.run
    ctx = Context(None, int(time.time() * 1000), node.settings.timezone)
    report = SeedReport()

    say("stations")
    station_ids = {s.key: w(lambda tx, s=s: kitchen.create_station(tx, s.key, s.name_zh,
                                                                   s.name_en))
                   for s in cat.STATIONS}
    report.stations = len(station_ids)

    say("categories")
    category_ids = {c.key: w(lambda tx, c=c, i=i: menu.create_category(tx, menu.NewCategory(
        c.name_zh, c.name_en, i, station_ids.get(c.station_key))))
        for i, c in enumerate(cat.CATEGORIES)}
    station_of_category = {c.key: station_ids.get(c.station_key) for c in cat.CATEGORIES}

    say("modifiers")
    group_ids = {g.key: w(lambda tx, g=g: menu.create_modifier_group(tx, menu.NewModifierGroup(
        g.name_zh, g.name_en, g.min_choices, g.max_choices,
        tuple(menu.NewOption(o.name_zh, o.name_en, o.price_delta) for o in g.options))))
        for g in cat.MODIFIER_GROUPS}

    say("items")
    item_ids: dict[str, str] = {}
    for i, it in enumerate(cat.ITEMS):
        station = station_ids.get(it.station_key) if it.station_key else \
            station_of_category.get(it.category_key)
        new = menu.NewItem(
            category_ids[it.category_key], it.name_zh, it.name_en, it.price,
            specs=tuple(menu.NewSpec(s.name_zh, s.name_en, s.price) for s in it.specs),
            modifier_group_ids=tuple(group_ids[g] for g in it.modifier_group_keys),
            tax_rate_bp=it.tax_rate_bp, station_id=station,
            available_from=it.available_from, available_until=it.available_until, sort=i)
        item_ids[it.key] = w(lambda tx, new=new: menu.create_item(tx, new))
    report.items = len(item_ids)

    say("set meals")
    for i, combo in enumerate(cat.COMBOS):
        new = menu.NewItem(
            category_ids[combo.category_key], combo.name_zh, combo.name_en, combo.price,
            combo_slots=tuple(menu.NewComboSlot(s.name_zh, s.name_en, tuple(
                (item_ids[k], up) for k, up in s.choices)) for s in combo.slots),
            sort=1000 + i)
        w(lambda tx, new=new: menu.create_item(tx, new))
        report.combos += 1

    say("floor")
    for i, area in enumerate(cat.AREAS):
        area_id = w(lambda tx, a=area, i=i: ordering.create_area(tx, ctx, a.name_zh, a.name_en,
                                                                 i))
        for t in area.tables:
            report.table_ids[t.code] = w(lambda tx, t=t, a=area_id: ordering.create_table(
                tx, ctx, a, t.code, t.seats))
    report.tables = len(report.table_ids)

    say("staff")
    for person in cat.STAFF:
        password = cat.OWNER_PASSWORD if person.role in ("owner", "manager") else None
        new_staff = staff.prepare_staff(node.hasher, code=person.code, name=person.name,
                                        role=person.role, pin=person.pin, password=password)
        w(lambda tx, n=new_staff: staff.create_staff(tx, n))
        report.staff.append((person.code, person.name, person.role, person.pin))
    return report


def register_demo_terminal(node: Node) -> str:
    now = int(time.time() * 1000)
    result = node.writer.run(lambda tx: staff.register_terminal(tx, "Demo till", now, None))
    return result["key"]
