"""A small, complete restaurant built through the real use cases, for tests and benchmarks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hearth.core.config import Settings
from hearth.core.node import Node
from hearth.kitchen import service as kitchen
from hearth.menu import service as menu
from hearth.menu.tables import modifier_groups
from hearth.ordering import service as ordering
from hearth.ordering.service import Context
from hearth.staff import service as staff


def fast_settings(db_url: str, **kw: object) -> Settings:
    """Settings for tests: argon2 made cheap so hundreds of sign-ins stay fast, and no backup
    taken by the schedule in a test's first hour unless the test asks for it (a backup in
    the middle of a test that counts them would be a race with the clock)."""
    kw.setdefault("backup_first_after_s", 3600.0)
    return Settings(db_url=db_url, argon2_time_cost=1, argon2_memory_kib=1024, **kw)  # type: ignore[arg-type]


@dataclass
class DemoIds:
    items: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    specs: dict[str, str] = field(default_factory=dict)
    slots: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    pins: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    terminal_key: str = ""


STAFF = (
    ("O01", "王老板", "owner", "135790", "owner-pass-1"),
    ("M01", "李经理", "manager", "246813", "manager-pass"),
    ("C01", "张收银", "cashier", "1123", None),
    ("W01", "陈服务", "waiter", "2234", None),
    ("K01", "刘师傅", "kitchen", "3345", None),
)


def a_small_restaurant(node: Node) -> DemoIds:
    ids = DemoIds()
    w = node.writer.run
    ctx = Context(None, int(time.time() * 1000), node.settings.timezone)

    ids.categories["hot"] = w(
        lambda tx: menu.create_category(tx, menu.NewCategory("热菜", "Hot dishes", 1))
    )
    ids.categories["drinks"] = w(
        lambda tx: menu.create_category(tx, menu.NewCategory("饮品", "Drinks", 2))
    )
    ids.categories["sets"] = w(
        lambda tx: menu.create_category(tx, menu.NewCategory("套餐", "Set meals", 3))
    )

    ids.groups["spice"] = w(
        lambda tx: menu.create_modifier_group(
            tx,
            menu.NewModifierGroup(
                "辣度",
                "Spice",
                1,
                1,
                (
                    menu.NewOption("不辣", "Not spicy"),
                    menu.NewOption("微辣", "Mild"),
                    menu.NewOption("特辣", "Extra hot"),
                ),
            ),
        )
    )
    ids.groups["extras"] = w(
        lambda tx: menu.create_modifier_group(
            tx,
            menu.NewModifierGroup(
                "加料",
                "Extras",
                0,
                2,
                (
                    menu.NewOption("加蛋", "Add egg", 200),
                    menu.NewOption("加肉", "Extra meat", 500),
                    menu.NewOption("加饭", "Extra rice", 300),
                ),
            ),
        )
    )
    with node.engine.connect() as conn:
        import sqlalchemy as sa

        for row in conn.execute(sa.select(modifier_groups)):
            for o in row.options:
                ids.options[o["name_en"]] = o["id"]

    def item(key: str, cat: str, zh: str, en: str, price: int, **kw: object) -> None:
        ids.items[key] = w(
            lambda tx: menu.create_item(
                tx,
                menu.NewItem(ids.categories[cat], zh, en, price, **kw),  # type: ignore[arg-type]
            )
        )

    item(
        "gbjd",
        "hot",
        "宫保鸡丁",
        "Kung Pao Chicken",
        3800,
        modifier_group_ids=(ids.groups["spice"], ids.groups["extras"]),
    )
    item("mpdf", "hot", "麻婆豆腐", "Mapo Tofu", 2800, modifier_group_ids=(ids.groups["spice"],))
    item("rice", "hot", "米饭", "Steamed Rice", 300)
    item("duck", "hot", "北京烤鸭", "Peking Duck", 12800, remaining=2)
    item(
        "cola",
        "drinks",
        "可乐",
        "Cola",
        500,
        specs=(menu.NewSpec("小杯", "Small", 500), menu.NewSpec("大杯", "Large", 800)),
    )
    item("plum", "drinks", "酸梅汤", "Sour Plum Drink", 600)
    item(
        "lunch",
        "sets",
        "午市套餐",
        "Lunch Set",
        4200,
        combo_slots=(
            menu.NewComboSlot("主菜", "Main", ((ids.items["gbjd"], 0), (ids.items["mpdf"], 0))),
            menu.NewComboSlot("饮品", "Drink", ((ids.items["plum"], 0), (ids.items["cola"], 200))),
        ),
    )
    with node.engine.connect() as conn:
        loaded = menu.load_items(conn, [ids.items["cola"], ids.items["lunch"]])
    ids.specs["small"], ids.specs["large"] = (s.id for s in loaded[ids.items["cola"]].specs)
    ids.slots["main"], ids.slots["drink"] = (s.id for s in loaded[ids.items["lunch"]].combo_slots)

    area = w(lambda tx: ordering.create_area(tx, ctx, "大厅", "Main hall"))
    codes = [f"A{i:02d}" for i in range(1, 7)]
    ids.tables.update(w(lambda tx: {c: ordering.create_table(tx, ctx, area, c, 4) for c in codes}))

    hired = [
        staff.prepare_staff(
            node.hasher, code=code, name=name, role=role, pin=pin, password=password
        )
        for code, name, role, pin, password in STAFF
    ]
    ids.staff.update(w(lambda tx: {n.code: staff.create_staff(tx, n) for n in hired}))
    for code, _name, _role, pin, password in STAFF:
        ids.pins[code] = pin
        if password:
            ids.passwords[code] = password
    ids.terminal_key = w(lambda tx: staff.register_terminal(tx, "Front till", ctx.now_ms, None))[
        "key"
    ]
    return ids


def a_kitchen(node: Node, ids: DemoIds) -> dict[str, str]:
    """Stations for the small restaurant: hot dishes to 'hot', drinks to 'bar', and a pass.

    Returns station key -> id; appended for the kitchen tests, the KDS page and its bench.
    """

    w = node.writer.run
    stations = {
        "hot": w(lambda tx: kitchen.create_station(tx, "hot", "热菜", "Hot Kitchen")),
        "bar": w(lambda tx: kitchen.create_station(tx, "bar", "吧台", "Bar")),
        "expo": w(lambda tx: kitchen.create_station(tx, "expo", "出菜口", "Expo", is_expo=True)),
    }
    w(
        lambda tx: kitchen.set_rule(
            tx,
            rule_id=None,
            category_id=ids.categories["hot"],
            item_id=None,
            station_ids=[stations["hot"]],
        )
    )
    w(
        lambda tx: kitchen.set_rule(
            tx,
            rule_id=None,
            category_id=ids.categories["drinks"],
            item_id=None,
            station_ids=[stations["bar"]],
        )
    )
    return stations
