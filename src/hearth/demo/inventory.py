"""The demo's stock: 炉火小馆's ingredients, a recipe for every dish (sizes scale the dish,
extras add their own), and opening stock received at a price. Eggs are kept short on purpose:
a demo rush of tomato-and-egg soup and fried rice empties them, and the POS shows those dishes
sold out ("no 鸡蛋 left") until a tray of eggs is received on the admin page's Stock tab.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.demo import catalogue as cat
from hearth.inventory import domain as d
from hearth.inventory import service as inv
from hearth.inventory import units as u
from hearth.menu.tables import items, modifier_groups

M, V, C = u.Dimension.MASS, u.Dimension.VOLUME, u.Dimension.COUNT

# key: (中文, English, dimension, stock unit, purchase unit, packs {name: (qty, unit)},
#       reorder point, opening stock in purchase units, fen per purchase unit, supplier)
INGREDIENTS: dict[str, tuple[Any, ...]] = {
    "chicken": ("鸡肉", "Chicken", M, "kg", "kg", {}, "5", 20, 2600, "鲜禽行"),
    "pork": ("猪肉", "Pork", M, "kg", "斤", {}, "5", 40, 1500, "肉联厂"),
    "pork_belly": ("五花肉", "Pork belly", M, "kg", "斤", {}, "3", 20, 1800, "肉联厂"),
    "beef": ("牛肉", "Beef", M, "kg", "kg", {}, "4", 15, 7000, "肉联厂"),
    "brisket": ("牛腩", "Beef brisket", M, "kg", "kg", {}, "2", 8, 6000, "肉联厂"),
    "tripe": ("牛肚", "Beef tripe", M, "kg", "kg", {}, "1", 3, 4000, "肉联厂"),
    "ribs": ("排骨", "Spare ribs", M, "kg", "斤", {}, "2", 10, 2200, "肉联厂"),
    "feet": ("凤爪", "Chicken feet", M, "kg", "kg", {}, "1", 3, 3000, "鲜禽行"),
    "duck_blood": ("鸭血", "Duck blood", M, "kg", "kg", {}, "1", 3, 1200, "鲜禽行"),
    "goose": ("烧鹅", "Roast goose", C, "piece", "piece", {}, "1", 4, 16000, "烧腊档"),
    "sausage": ("腊肠", "Cantonese sausage", M, "kg", "斤", {}, "1", 6, 4500, "烧腊档"),
    "fish": ("鲜鱼", "Fresh fish", M, "kg", "斤", {}, "4", 40, 1600, "水产市场"),
    "shrimp": ("鲜虾", "Shrimp", M, "kg", "斤", {}, "2", 20, 4500, "水产市场"),
    "squid": ("鱿鱼", "Squid", M, "kg", "kg", {}, "1", 4, 5000, "水产市场"),
    "jellyfish": ("海蜇", "Jellyfish", M, "kg", "kg", {}, "0.5", 2, 6000, "水产市场"),
    "tofu": ("豆腐", "Tofu", C, "piece", "piece", {}, "10", 40, 200, "豆制品厂"),
    "egg": ("鸡蛋", "Egg", C, "piece", "tray", {"tray": ("30", "piece")}, "15", 1, 2400, "蛋品行"),
    "rice": ("大米", "Rice", M, "kg", "bag", {"bag": ("25", "kg")}, "10", 2, 15000, "粮油店"),
    "glutinous": ("糯米", "Glutinous rice", M, "kg", "kg", {}, "2", 5, 900, "粮油店"),
    "flour": ("面粉", "Flour", M, "kg", "bag", {"bag": ("25", "kg")}, "5", 1, 9000, "粮油店"),
    "noodles": ("面条", "Noodles", M, "kg", "kg", {}, "3", 10, 800, "面坊"),
    "rice_noodles": ("河粉", "Rice noodles", M, "kg", "kg", {}, "2", 8, 900, "面坊"),
    "glass_noodles": ("粉丝", "Glass noodles", M, "kg", "kg", {}, "1", 3, 1500, "粮油店"),
    "greens": ("时蔬", "Greens", M, "kg", "斤", {}, "3", 30, 400, "菜市场"),
    "lettuce": ("生菜", "Lettuce", M, "kg", "斤", {}, "2", 16, 350, "菜市场"),
    "cucumber": ("黄瓜", "Cucumber", M, "kg", "斤", {}, "2", 16, 300, "菜市场"),
    "cabbage": ("包菜", "Cabbage", M, "kg", "斤", {}, "2", 20, 200, "菜市场"),
    "broccoli": ("西兰花", "Broccoli", M, "kg", "斤", {}, "2", 16, 500, "菜市场"),
    "cauliflower": ("花菜", "Cauliflower", M, "kg", "斤", {}, "2", 16, 400, "菜市场"),
    "eggplant": ("茄子", "Eggplant", M, "kg", "斤", {}, "2", 16, 350, "菜市场"),
    "potato": ("土豆", "Potato", M, "kg", "斤", {}, "2", 20, 200, "菜市场"),
    "tomato": ("番茄", "Tomato", M, "kg", "斤", {}, "2", 20, 400, "菜市场"),
    "beans": ("四季豆", "Green beans", M, "kg", "斤", {}, "1", 10, 500, "菜市场"),
    "wood_ear": ("木耳", "Wood ear", M, "kg", "kg", {}, "0.5", 2, 6000, "干货行"),
    "pickled": ("酸菜", "Pickled mustard greens", M, "kg", "kg", {}, "1", 5, 800, "干货行"),
    "chili": ("干辣椒", "Dried chili", M, "kg", "kg", {}, "0.5", 3, 4000, "干货行"),
    "scallion": ("葱姜蒜", "Scallion, ginger, garlic", M, "kg", "斤", {}, "1", 10, 600, "菜市场"),
    "pineapple": ("菠萝", "Pineapple", C, "piece", "piece", {}, "2", 8, 800, "水果行"),
    "mango": ("芒果", "Mango", C, "piece", "piece", {}, "4", 20, 500, "水果行"),
    "lemon": ("柠檬", "Lemon", C, "piece", "piece", {}, "10", 40, 150, "水果行"),
    "orange": ("橙子", "Orange", C, "piece", "piece", {}, "10", 60, 200, "水果行"),
    "soybeans": ("黄豆", "Soybeans", M, "kg", "kg", {}, "1", 5, 700, "粮油店"),
    "sugar": ("白糖", "Sugar", M, "kg", "kg", {}, "1", 5, 600, "粮油店"),
    "oil": ("食用油", "Cooking oil", V, "L", "drum", {"drum": ("5", "L")}, "5", 6, 6500, "粮油店"),
    "chili_oil": ("红油", "Chili oil", V, "L", "L", {}, "1", 5, 3000, "自制"),
    "sauce": ("酱料", "Sauces", V, "L", "case", {"case": ("12", "L")}, "3", 1, 18000, "粮油店"),
    "milk": ("牛奶", "Milk", V, "L", "case", {"case": ("12", "L")}, "4", 2, 14400, "乳业"),
    "tea": ("茶叶", "Tea leaves", M, "kg", "kg", {}, "0.5", 3, 20000, "茶行"),
    "pearls": ("珍珠", "Tapioca pearls", M, "kg", "kg", {}, "0.5", 3, 1500, "茶饮料"),
    "cola": (
        "可乐",
        "Coca-Cola can",
        C,
        "piece",
        "case",
        {"case": ("24", "piece")},
        "12",
        2,
        5800,
        "饮料行",
    ),
    "herbal": (
        "王老吉",
        "Wong Lo Kat can",
        C,
        "piece",
        "case",
        {"case": ("24", "piece")},
        "12",
        2,
        8400,
        "饮料行",
    ),
    "water": (
        "矿泉水",
        "Mineral water",
        C,
        "piece",
        "case",
        {"case": ("24", "piece")},
        "12",
        2,
        4800,
        "饮料行",
    ),
    "tsingtao": (
        "青岛啤酒",
        "Tsingtao bottle",
        C,
        "piece",
        "case",
        {"case": ("24", "piece")},
        "12",
        3,
        9600,
        "酒水行",
    ),
    "snow": (
        "雪花纯生",
        "Snow draft",
        C,
        "piece",
        "case",
        {"case": ("24", "piece")},
        "12",
        2,
        8400,
        "酒水行",
    ),
    "moutai": ("茅台", "Moutai bottle", C, "piece", "piece", {}, "1", 3, 150000, "酒水行"),
    "wuliangye": ("五粮液", "Wuliangye bottle", C, "piece", "piece", {}, "1", 3, 90000, "酒水行"),
    "huadiao": ("花雕酒", "Huadiao bottle", C, "piece", "piece", {}, "2", 6, 6000, "酒水行"),
    "red_wine": ("干红", "Red wine bottle", C, "piece", "piece", {}, "2", 12, 6000, "酒水行"),
    "xiaobai": ("江小白", "Jiang Xiaobai bottle", C, "piece", "piece", {}, "6", 24, 1500, "酒水行"),
}

# dish: "ingredient qty unit, ..." (one portion, at the dish's first size)
RECIPES: dict[str, str] = {
    "smashed_cucumber": "cucumber 300 g, scallion 20 g, sauce 20 ml",
    "fuqi_feipian": "beef 120 g, tripe 80 g, chili_oil 30 ml",
    "mouthwatering_chicken": "chicken 400 g, chili_oil 40 ml, scallion 20 g",
    "wood_ear_salad": "wood_ear 40 g, scallion 15 g, sauce 15 ml",
    "century_egg_tofu": "tofu 1 piece, egg 1 piece, sauce 15 ml",
    "garlic_pork": "pork_belly 200 g, scallion 30 g, sauce 20 ml",
    "white_cut_chicken": "chicken 600 g, scallion 30 g",
    "roast_goose": "goose 0.25 piece",
    "char_siu": "pork 250 g, sugar 20 g, sauce 20 ml",
    "jellyfish_salad": "jellyfish 150 g, cucumber 50 g, sauce 20 ml",
    "kung_pao_chicken": "chicken 250 g, chili 10 g, oil 30 ml, scallion 20 g",
    "mapo_tofu": "tofu 1 piece, pork 50 g, chili_oil 30 ml",
    "boiled_fish": "fish 600 g, chili 30 g, oil 150 ml, greens 150 g",
    "twice_cooked_pork": "pork_belly 250 g, cabbage 100 g, oil 30 ml",
    "yuxiang_pork": "pork 200 g, wood_ear 10 g, oil 30 ml, sauce 20 ml",
    "dry_fried_green_beans": "beans 300 g, pork 30 g, oil 40 ml",
    "chongqing_chili_chicken": "chicken 400 g, chili 40 g, oil 100 ml",
    "boiled_beef": "beef 250 g, greens 150 g, chili 20 g, oil 120 ml",
    "maoxuewang": "duck_blood 200 g, tripe 80 g, pork 60 g, chili_oil 100 ml",
    "pickled_cabbage_fish": "fish 600 g, pickled 200 g, oil 60 ml",
    "griddle_cauliflower": "cauliflower 400 g, pork_belly 50 g, oil 40 ml",
    "spicy_fragrant_shrimp": "shrimp 400 g, chili 20 g, oil 60 ml",
    "sweet_sour_pork": "pork 250 g, pineapple 0.25 piece, sugar 30 g, oil 80 ml",
    "oyster_sauce_beef": "beef 200 g, sauce 30 ml, oil 30 ml",
    "steamed_sea_bass": "fish 600 g, scallion 30 g, sauce 30 ml",
    "poached_prawns": "shrimp 250 g, sauce 20 ml",
    "salt_pepper_squid": "squid 300 g, oil 80 ml",
    "curry_beef_brisket": "brisket 250 g, potato 100 g, sauce 40 ml",
    "tomato_beef_brisket": "brisket 250 g, tomato 200 g",
    "garlic_broccoli": "broccoli 350 g, scallion 20 g, oil 20 ml",
    "seasonal_greens": "greens 400 g, oil 20 ml",
    "hand_torn_cabbage": "cabbage 400 g, chili 5 g, oil 30 ml",
    "oyster_sauce_lettuce": "lettuce 400 g, sauce 20 ml",
    "di_san_xian": "potato 150 g, eggplant 200 g, greens 50 g, oil 80 ml",
    "yuxiang_eggplant": "eggplant 350 g, pork 30 g, oil 60 ml",
    "hot_sour_soup": "tofu 0.5 piece, wood_ear 10 g, egg 1 piece",
    "west_lake_beef_soup": "beef 80 g, egg 1 piece, tofu 0.5 piece",
    "soup_of_the_day": "pork 80 g, greens 50 g",
    "tomato_egg_soup": "tomato 200 g, egg 2 piece",
    "yangzhou_fried_rice": "rice 150 g, egg 1 piece, shrimp 30 g, sausage 20 g, oil 20 ml",
    "dan_dan_noodles": "noodles 150 g, pork 40 g, chili_oil 20 ml",
    "beef_chow_fun": "rice_noodles 250 g, beef 80 g, oil 30 ml",
    "steamed_rice": "rice 150 g",
    "claypot_rice": "rice 200 g, sausage 60 g, greens 50 g",
    "chongqing_noodles": "noodles 150 g, chili_oil 20 ml, greens 30 g",
    "zhong_dumplings": "flour 100 g, pork 80 g, chili_oil 15 ml",
    "chili_oil_wontons": "flour 80 g, pork 80 g, chili_oil 20 ml",
    "shrimp_wonton_noodles": "noodles 120 g, shrimp 80 g, flour 40 g",
    "soy_sauce_noodles": "noodles 180 g, sauce 20 ml, oil 30 ml",
    "har_gow": "shrimp 80 g, flour 40 g",
    "siu_mai": "pork 60 g, shrimp 30 g, flour 30 g",
    "char_siu_bao": "flour 120 g, pork 60 g, sugar 10 g",
    "black_bean_ribs": "ribs 200 g, sauce 15 ml",
    "chicken_feet": "feet 200 g, sauce 15 ml",
    "custard_buns": "flour 100 g, egg 1 piece, milk 30 ml, sugar 20 g",
    "egg_tarts": "flour 60 g, egg 1 piece, milk 60 ml, sugar 20 g",
    "turnip_cake": "flour 80 g, sausage 20 g, oil 20 ml",
    "xiao_long_bao": "flour 120 g, pork 120 g",
    "mango_pomelo_sago": "mango 1 piece, milk 100 ml, sugar 15 g",
    "double_skin_milk": "milk 250 ml, egg 1 piece, sugar 20 g",
    "brown_sugar_ice_jelly": "sugar 40 g",
    "brown_sugar_ciba": "glutinous 120 g, sugar 30 g, oil 30 ml",
    "shrimp_cheung_fun": "rice_noodles 150 g, shrimp 60 g, sauce 15 ml",
    "century_egg_congee": "rice 80 g, egg 1 piece, pork 40 g",
    "soy_milk": "soybeans 60 g, sugar 10 g",
    "youtiao": "flour 100 g, oil 40 ml",
    "sheng_jian_bao": "flour 100 g, pork 80 g, oil 20 ml",
    "lotus_leaf_rice": "glutinous 150 g, chicken 50 g, sausage 20 g",
    "sour_plum_drink": "sugar 30 g",
    "bubble_milk_tea": "milk 150 ml, tea 5 g, pearls 40 g, sugar 15 g",
    "hk_milk_tea": "milk 100 ml, tea 8 g, sugar 10 g",
    "iced_lemon_tea": "lemon 0.5 piece, tea 5 g, sugar 15 g",
    "fresh_orange_juice": "orange 3 piece",
    "coca_cola": "cola 1 piece",
    "herbal_tea": "herbal 1 piece",
    "puer_tea": "tea 5 g",
    "tieguanyin": "tea 5 g",
    "chrysanthemum_tea": "tea 3 g, sugar 5 g",
    "mineral_water": "water 1 piece",
    "tsingtao": "tsingtao 1 piece",
    "snow_draft": "snow 1 piece",
    "moutai": "moutai 1 piece",
    "wuliangye": "wuliangye 1 piece",
    "huadiao_wine": "huadiao 1 piece",
    "great_wall_red": "red_wine 0.2 piece",
    "jiang_xiaobai": "xiaobai 1 piece",
}

# How much more a size uses than the dish's first size (the recipe above).
SIZE_SCALE: dict[str, str] = {
    "whole": "2",
    "half": "0.5",  # roast goose: half a goose against a regular plate
    "large": "1.5",
    "pot": "4",
    "jug": "4",
    "one_jin": "2",
    "six": "2",
    "ten": "1.67",
    "half_dozen": "6",
    "bottle": "5",
}

OPTION_RECIPES: dict[str, str] = {
    "add_fried_egg": "egg 1 piece, oil 10 ml",
    "add_braised_egg": "egg 1 piece, sauce 10 ml",
    "add_greens": "greens 100 g",
    "add_glass_noodles": "glass_noodles 50 g",
    "add_luncheon_meat": "pork 50 g",
    "add_beef": "beef 80 g",
    "with_steamed_rice": "rice 150 g",
    "with_multigrain_rice": "rice 150 g",
    "with_egg_noodles": "noodles 150 g, egg 0.5 piece",
    "with_rice_noodles": "rice_noodles 150 g",
    "topping_pearls": "pearls 40 g",
    "topping_coconut_jelly": "sugar 10 g",
    "topping_pudding": "egg 0.5 piece, milk 30 ml",
    "topping_taro_balls": "glutinous 30 g",
}


def _parse(text: str, ids: dict[str, str]) -> list[inv.ComponentIn]:
    out = []
    for part in text.split(","):
        key, qty, unit = part.split()
        out.append(inv.ComponentIn(quantity=qty, unit=unit, ingredient_id=ids[key]))
    return out


def _scaled(text: str, factor: str) -> str:
    parts = []
    for part in text.split(","):
        key, qty, unit = part.split()
        parts.append(f"{key} {(Decimal(qty) * Decimal(factor)).quantize(Decimal('0.001'))} {unit}")
    return ", ".join(parts)


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Ingredients, recipes for every dish, size and extra, and the opening stock."""
    ctx = inv.Ctx(None, node.now_ms(), node.settings.timezone)
    ing: dict[str, str] = {}

    def ingredients(tx: Tx) -> None:
        for key, (zh, en, dim, stock, purchase, packs, reorder, *_rest) in INGREDIENTS.items():
            custom = {n: u.custom_unit_factor(n, q, of, dim) for n, (q, of) in packs.items()}
            ing[key] = inv.create_ingredient(
                tx,
                ctx,
                inv.NewIngredient(
                    zh,
                    en,
                    dim,
                    stock,
                    purchase,
                    custom,
                    par_level=u.to_base(Decimal(reorder) * 3, u.unit_of(stock, dim, custom)),
                    reorder_point=u.to_base(reorder, u.unit_of(stock, dim, custom)),
                    supplier=_rest[-1],
                ),
            )

    def opening(tx: Tx) -> None:
        lines = [
            inv.LineIn(ing[key], str(row[7]), row[4], row[7] * row[8])
            for key, row in INGREDIENTS.items()
        ]
        inv.receive_stock(tx, ctx, lines, supplier="opening stock")

    def recipes(tx: Tx) -> None:
        by_key = {it.key: it for it in cat.ITEMS}
        specs = {
            r.id: {s["name_en"]: s["id"] for s in r.specs}
            for r in tx.conn.execute(sa.select(items.c.id, items.c.specs))
        }
        for key, text in RECIPES.items():
            item_id = ids["item"].get(key)
            if item_id is None:
                continue
            inv.set_recipe(tx, ctx, d.TargetKind.ITEM, item_id, _parse(text, ing))
            for s in by_key[key].specs[1:]:
                factor = SIZE_SCALE.get(s.key)
                spec_id = specs.get(item_id, {}).get(s.name_en)
                if factor and spec_id:
                    inv.set_recipe(
                        tx, ctx, d.TargetKind.SPEC, spec_id, _parse(_scaled(text, factor), ing)
                    )
        options = {
            o["name_zh"]: o["id"]
            for g in tx.conn.execute(sa.select(modifier_groups.c.options))
            for o in g.options
        }
        for g in cat.MODIFIER_GROUPS:
            for o in g.options:
                if o.key in OPTION_RECIPES and o.name_zh in options:
                    inv.set_recipe(
                        tx,
                        ctx,
                        d.TargetKind.OPTION,
                        options[o.name_zh],
                        _parse(OPTION_RECIPES[o.key], ing),
                    )

    node.writer.run(ingredients)
    node.writer.run(opening)
    node.writer.run(recipes)


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    """Nothing runs beside the node; say where to count stock from a phone."""
    return [f"Stocktake (phone): {base_url}/stocktake"]
