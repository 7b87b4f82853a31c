"""This module's part of the demo restaurant and of `hearth demo`'s side services: every demo
dish mapped on both platforms, and the platform emulator receiving our status callbacks."""

from __future__ import annotations

import os
import sys
from typing import Any

from hearth.channels.delivery import emulator, service
from hearth.channels.delivery.domain import ItemMapping, Platform
from hearth.channels.delivery.emulator import CallbackServer, Line, demo_credentials
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.demo import catalogue
from hearth.demo import catalogue as cat
from hearth.menu import service as menu

SKU_PREFIX = {Platform.MEITUAN: "mt", Platform.DOUYIN: "dy"}


def sku_for(platform: Platform, item_key: str, spec_key: str | None = None) -> str:
    """The demo's platform SKU for a dish (and size): ``mt-kung_pao_chicken-large``."""
    return "-".join(x for x in (SKU_PREFIX[platform], item_key, spec_key) if x)


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Map every demo dish (each size its own SKU, the plain SKU meaning the first size) on
    Meituan and Douyin. Required choices (spice level, sweetness...) take the first option,
    as a platform listing without options would."""
    item_ids = ids.get("item", {})
    with node.engine.connect() as conn:
        loaded = menu.load_items(conn, list(item_ids.values()))
    now = node.now_ms()
    plan: list[tuple[Platform, str, ItemMapping, str]] = []
    for demo_item in cat.ITEMS:
        item = loaded.get(item_ids.get(demo_item.key, ""))
        if item is None:
            continue
        required = tuple(
            g.options[0].id for g in item.modifier_groups if g.min_choices >= 1 and g.options
        )
        variants: list[tuple[str | None, str | None]] = [(None, None)]
        if item.specs:
            variants = [(None, item.specs[0].id)] + [
                (ds.key, s.id) for ds, s in zip(demo_item.specs, item.specs, strict=False)
            ]
        for platform in Platform:
            for spec_key, spec_id in variants:
                plan.append(
                    (
                        platform,
                        sku_for(platform, demo_item.key, spec_key),
                        ItemMapping(item.id, spec_id, required),
                        demo_item.name_zh,
                    )
                )

    def mappings(tx: Tx) -> None:
        for platform, sku, mapping, name in plan:
            service.set_mapping(tx, None, platform, sku, mapping, name, now)

    node.writer.run(mappings)


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    """Start the platform emulator's callback receiver and point the node's callbacks at it
    (unless HEARTH_DELIVERY_*_CALLBACK_URL is set), and say how to send a demo order."""
    try:
        server = CallbackServer({p: demo_credentials(p, settings) for p in Platform}).start()
    except OSError as exc:
        return [f"Delivery platform emulator not started: {exc}"]
    for platform in Platform:
        env = f"HEARTH_DELIVERY_{platform.value.upper()}_CALLBACK_URL"
        os.environ.setdefault(env, server.url(platform))
    py = ".venv/bin/python -m hearth.demo.delivery"
    return [
        f"Delivery platforms: status callbacks go to the emulator on port {server.port}.",
        f"  Send a Meituan order:  {py} send --platform meituan --url {base_url}",
        f"  Send a Douyin order:   {py} send --platform douyin --url {base_url}",
        f"  An outage backlog:     {py} send --platform meituan --url {base_url} --late-minutes 30",
        f"  Then accept it on {base_url}/delivery (manager M01 releases held orders).",
    ]


def demo_lines(platform: Platform) -> list[Line]:
    """Two demo dishes as the platform lists them (the demo maps these SKUs)."""
    prices = {it.key: it.price for it in catalogue.ITEMS}
    return [
        Line(sku_for(platform, "kung_pao_chicken"), 1, prices["kung_pao_chicken"], "宫保鸡丁"),
        Line(sku_for(platform, "steamed_rice"), 2, prices["steamed_rice"], "白米饭"),
    ]


if __name__ == "__main__":
    sys.exit(emulator.main(default_lines=demo_lines, prog="python -m hearth.demo.delivery"))
