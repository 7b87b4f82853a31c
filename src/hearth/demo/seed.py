"""Load the demo restaurant into a store node through the real use cases (so it is journaled)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.demo import catalogue as cat
from hearth.demo import delivery as delivery_demo
from hearth.demo import inventory as inventory_demo
from hearth.demo import kiosk as kiosk_demo
from hearth.demo import kitchen as kitchen_demo
from hearth.demo import members as members_demo
from hearth.demo import payments as payments_demo
from hearth.demo import printing as printing_demo
from hearth.kitchen import service as kitchen
from hearth.menu import service as menu
from hearth.menu.tables import items
from hearth.ordering import service as ordering
from hearth.ordering.service import Context
from hearth.staff import service as staff

# Modules that add their part of the demo (routing rules, printers, payment providers, platform
# item mappings) after the core sections; each also starts its side services for `hearth demo`.
MODULE_DEMOS = (
    kitchen_demo,
    printing_demo,
    payments_demo,
    delivery_demo,
    kiosk_demo,
    inventory_demo,
    members_demo,
)


@dataclass
class SeedReport:
    items: int = 0
    combos: int = 0
    tables: int = 0
    stations: int = 0
    staff: list[tuple[str, str, str, str]] = field(default_factory=list)  # code, name, role, pin
    table_ids: dict[str, str] = field(default_factory=dict)


def is_seeded(node: Node) -> bool:
    with node.engine.connect() as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(items)).scalar())


def seed(node: Node, progress: Callable[[str], None] | None = None) -> SeedReport:
    """Each section is one transaction, so a failed seed leaves whole sections or nothing."""
    say = progress or (lambda _m: None)
    ctx = Context(None, node.now_ms(), node.settings.timezone)
    report = SeedReport()
    ids: dict[str, dict[str, str]] = {"station": {}, "category": {}, "group": {}, "item": {}}

    def stations(tx: Tx) -> None:
        for s in cat.STATIONS:
            ids["station"][s.key] = kitchen.create_station(tx, s.key, s.name_zh, s.name_en)

    def categories(tx: Tx) -> None:
        for i, c in enumerate(cat.CATEGORIES):
            ids["category"][c.key] = menu.create_category(
                tx, menu.NewCategory(c.name_zh, c.name_en, i, ids["station"].get(c.station_key))
            )

    def modifiers(tx: Tx) -> None:
        for g in cat.MODIFIER_GROUPS:
            ids["group"][g.key] = menu.create_modifier_group(
                tx,
                menu.NewModifierGroup(
                    g.name_zh,
                    g.name_en,
                    g.min_choices,
                    g.max_choices,
                    tuple(menu.NewOption(o.name_zh, o.name_en, o.price_delta) for o in g.options),
                ),
            )

    def dishes(tx: Tx) -> None:
        station_of = {c.key: ids["station"].get(c.station_key) for c in cat.CATEGORIES}
        for i, it in enumerate(cat.ITEMS):
            station = (
                ids["station"].get(it.station_key)
                if it.station_key
                else station_of.get(it.category_key)
            )
            ids["item"][it.key] = menu.create_item(
                tx,
                menu.NewItem(
                    ids["category"][it.category_key],
                    it.name_zh,
                    it.name_en,
                    it.price,
                    specs=tuple(menu.NewSpec(s.name_zh, s.name_en, s.price) for s in it.specs),
                    modifier_group_ids=tuple(ids["group"][g] for g in it.modifier_group_keys),
                    tax_rate_bp=it.tax_rate_bp,
                    station_id=station,
                    available_from=it.available_from,
                    available_until=it.available_until,
                    sort=i,
                ),
            )

    def combos(tx: Tx) -> None:
        for i, combo in enumerate(cat.COMBOS):
            menu.create_item(
                tx,
                menu.NewItem(
                    ids["category"][combo.category_key],
                    combo.name_zh,
                    combo.name_en,
                    combo.price,
                    combo_slots=tuple(
                        menu.NewComboSlot(
                            s.name_zh, s.name_en, tuple((ids["item"][k], up) for k, up in s.choices)
                        )
                        for s in combo.slots
                    ),
                    sort=1000 + i,
                ),
            )

    def floor(tx: Tx) -> None:
        for i, area in enumerate(cat.AREAS):
            area_id = ordering.create_area(tx, ctx, area.name_zh, area.name_en, i)
            for t in area.tables:
                report.table_ids[t.code] = ordering.create_table(tx, ctx, area_id, t.code, t.seats)

    hired = [
        staff.prepare_staff(
            node.hasher,
            code=p.code,
            name=p.name,
            role=p.role,
            pin=p.pin,
            password=cat.OWNER_PASSWORD if p.role in ("owner", "manager") else None,
        )
        for p in cat.STAFF
    ]

    def people(tx: Tx) -> None:
        for new in hired:
            staff.create_staff(tx, new)

    for name, section in (
        ("stations", stations),
        ("categories", categories),
        ("modifiers", modifiers),
        ("dishes", dishes),
        ("set meals", combos),
        ("floor", floor),
        ("staff", people),
    ):
        say(name)
        node.writer.run(section)
    ids["table"] = dict(report.table_ids)
    for module in MODULE_DEMOS:
        say(module.__name__.split(".")[-2])
        module.seed_demo(node, ids)
    report.stations = len(ids["station"])
    report.items = len(ids["item"])
    report.combos = len(cat.COMBOS)
    report.tables = len(report.table_ids)
    report.staff = [(p.code, p.name, p.role, p.pin) for p in cat.STAFF]
    return report


def register_demo_terminal(node: Node) -> str:
    now = node.now_ms()
    result = node.writer.run(lambda tx: staff.register_terminal(tx, "Demo till", now, None))
    return result["key"]
