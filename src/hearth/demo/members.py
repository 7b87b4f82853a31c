"""This module's part of the demo restaurant: points rules, tiers, top-up bonuses, coupon
templates, and members with points, stored value and coupons (through the members use cases,
so all of it is journaled). The three stored-value members of the payments demo are members
too (their accounts became members' accounts); they get points and coupons here."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.members import domain as d
from hearth.members import service
from hearth.members.service import Who
from hearth.members.tables import members

RULES = (
    ("points", "yuan", {"kind": "per_yuan", "points": 1}),
    ("points", "visit", {"kind": "per_visit", "points": 5}),
    ("points", "tuesday", {"kind": "double_day", "weekdays": [1], "multiplier_pct": 200}),
    ("points", "birthday", {"kind": "birthday", "points": 100}),
    ("tier", "silver", {"name_zh": "银卡", "name_en": "Silver", "threshold": 0}),
    (
        "tier",
        "gold",
        {"name_zh": "金卡", "name_en": "Gold", "threshold": 1000, "multiplier_pct": 150},
    ),
    (
        "tier",
        "diamond",
        {
            "name_zh": "钻石卡",
            "name_en": "Diamond",
            "threshold": 5000,
            "multiplier_pct": 200,
            "discount_bp": 500,
        },
    ),
    ("top_up", "t50000", {"pay": 50_000, "bonus": 5_000}),
    ("top_up", "t100000", {"pay": 100_000, "bonus": 15_000}),
    ("setting", "redeem", {"points_per_yuan": 100}),
)
# (name, phone, tier, points, top-up in fen)
MEMBERS = (
    ("赵阿姨", "13900000011", "gold", 1_860, 50_000),
    ("Tom Lee", "13900000012", "silver", 240, 0),
    ("孙先生", "13900000013", "diamond", 6_420, 100_000),
)


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    who = Who(None, node.clock.now_ms(), node.settings.timezone)
    rice = ids.get("item", {}).get("steamed_rice")

    def rules(tx: Tx) -> None:
        for kind, rule_id, body in RULES:
            service.set_rule(tx, kind, rule_id, service.checked_rule(kind, rule_id, body), who)

    def templates(tx: Tx) -> dict[str, str]:
        made = {
            "100-20": service.set_template(
                tx,
                who,
                {
                    "kind": "money_off",
                    "name_zh": "满100减20",
                    "name_en": "¥20 off ¥100",
                    "value": 2_000,
                    "threshold": 10_000,
                    "valid_days": 60,
                },
            ),
            "90": service.set_template(
                tx,
                who,
                {
                    "kind": "percent_off",
                    "name_zh": "9折券",
                    "name_en": "10% off",
                    "value": 10,
                    "valid_days": 30,
                },
            ),
        }
        if rice:
            made["rice"] = service.set_template(
                tx,
                who,
                {
                    "kind": "free_item",
                    "name_zh": "赠米饭",
                    "name_en": "Free rice",
                    "value": 0,
                    "item_id": rice,
                    "valid_days": 30,
                },
            )
        return made

    def people(tx: Tx, made: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, phone, tier, points, top in MEMBERS:
            member_id = service.join(tx, who, phone=phone, name=name, tier=tier, consent_version=1)
            out[phone] = member_id
            service.post(
                tx,
                who,
                [
                    d.Entry(
                        member_id, d.Account.POINTS, points, "demo:opening", "", "opening", "adjust"
                    )
                ],
                service.stream(member_id),
            )
            if top:
                service.top_up(tx, who, member_id, top, f"demo:{phone}")
        everyone = [
            r.id
            for r in tx.conn.execute(sa.select(members.c.id).where(members.c.status == "active"))
        ]
        for member_id in everyone:
            service.issue_coupon(tx, who, made["100-20"], member_id, "welcome")
        if "rice" in made and everyone:
            service.issue_coupon(tx, who, made["rice"], everyone[0], "demo")
        return out

    node.writer.run(rules)
    made = node.writer.run(templates)
    ids["member"] = node.writer.run(lambda tx: people(tx, made))


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    lines = ["Members (POS: Pay -> find the member by phone, earn or redeem points):"]
    lines += [
        f"  {name}  phone {phone}  {tier}  {points} points"
        for name, phone, tier, points, _ in MEMBERS
    ]
    lines.append(f"Members admin: {base_url}/admin (Members tab)")
    return lines
