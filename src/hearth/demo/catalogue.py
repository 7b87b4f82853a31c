"""The demo restaurant 「炉火小馆 Hearth Bistro」, a Sichuan/Cantonese place, as plain data.

Used by ``hearth demo``. Nothing here touches the database or the rest of hearth; the seeder
turns these records into real menu, floor and staff rows.

Conventions:
  * every amount is an int in fen (1 yuan = 100 fen);
  * keys are lowercase ascii snake_case, unique within their kind; modifier option keys are
    unique across all groups, because an order line names its chosen options without groups;
  * an item with specs is priced at its cheapest spec;
  * set-meal (combo) choices point at items without specs, since a course has no spec of its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoStation:
    key: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class DemoCategory:
    key: str
    name_zh: str
    name_en: str
    station_key: str


@dataclass(frozen=True, slots=True)
class DemoSpec:
    key: str
    name_zh: str
    name_en: str
    price: int  # fen


@dataclass(frozen=True, slots=True)
class DemoModifierOption:
    key: str
    name_zh: str
    name_en: str
    price_delta: int  # fen, >= 0


@dataclass(frozen=True, slots=True)
class DemoModifierGroup:
    key: str
    name_zh: str
    name_en: str
    min_choices: int
    max_choices: int
    options: tuple[DemoModifierOption, ...]


@dataclass(frozen=True, slots=True)
class DemoItem:
    key: str
    category_key: str
    name_zh: str
    name_en: str
    price: int  # fen; the price when the item has no specs, else the cheapest spec's price
    specs: tuple[DemoSpec, ...] = ()
    modifier_group_keys: tuple[str, ...] = ()
    station_key: str | None = None  # overrides the category's station when set
    available_from: str | None = None  # "HH:MM" store local time
    available_until: str | None = None
    tax_rate_bp: int = 600  # 6% catering VAT


@dataclass(frozen=True, slots=True)
class DemoComboSlot:
    key: str
    name_zh: str
    name_en: str
    choices: tuple[tuple[str, int], ...]  # (item key, upcharge in fen)


@dataclass(frozen=True, slots=True)
class DemoCombo:
    key: str
    category_key: str
    name_zh: str
    name_en: str
    price: int
    slots: tuple[DemoComboSlot, ...]


@dataclass(frozen=True, slots=True)
class DemoTable:
    code: str
    seats: int


@dataclass(frozen=True, slots=True)
class DemoArea:
    key: str
    name_zh: str
    name_en: str
    tables: tuple[DemoTable, ...]


@dataclass(frozen=True, slots=True)
class DemoStaff:
    code: str
    name: str
    role: str  # owner | manager | cashier | waiter | kitchen
    pin: str  # 4-12 digits; 6 or more for managers and owners (they approve voids, refunds)


STORE_NAME_ZH = "炉火小馆"
STORE_NAME_EN = "Hearth Bistro"
CURRENCY = "CNY"
OWNER_PASSWORD = "hearth-demo"

# Morning tea: breakfast dim sum is only served in this window.
_BREAKFAST_FROM = "07:00"
_BREAKFAST_UNTIL = "10:30"

# --------------------------------------------------------------------------- stations

STATIONS: tuple[DemoStation, ...] = (
    DemoStation("hot", "热菜", "Hot Kitchen"),
    DemoStation("cold", "凉菜", "Cold Kitchen"),
    DemoStation("bar", "吧台/饮品", "Bar & Drinks"),
    DemoStation("pastry", "点心", "Dim Sum & Pastry"),
)

# --------------------------------------------------------------------------- categories

CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory("cold_dishes", "凉菜", "Cold Dishes", "cold"),
    DemoCategory("sichuan", "川味热菜", "Sichuan Specialties", "hot"),
    DemoCategory("cantonese", "粤式小炒", "Cantonese Classics", "hot"),
    DemoCategory("vegetables", "时令蔬菜", "Vegetables", "hot"),
    DemoCategory("soups", "汤羹", "Soups", "hot"),
    DemoCategory("staples", "主食面饭", "Rice & Noodles", "hot"),
    DemoCategory("dim_sum", "点心甜品", "Dim Sum & Desserts", "pastry"),
    DemoCategory("drinks", "饮品", "Drinks", "bar"),
    DemoCategory("alcohol", "酒水", "Beer, Wine & Spirits", "bar"),
    DemoCategory("set_meals", "套餐", "Set Meals", "hot"),
)

# --------------------------------------------------------------------------- modifiers

MODIFIER_GROUPS: tuple[DemoModifierGroup, ...] = (
    DemoModifierGroup(
        "spice_level",
        "辣度",
        "Spice level",
        1,
        1,
        (
            DemoModifierOption("spice_none", "不辣", "Not spicy", 0),
            DemoModifierOption("spice_mild", "微辣", "Mild", 0),
            DemoModifierOption("spice_medium", "中辣", "Medium", 0),
            DemoModifierOption("spice_extra_hot", "特辣", "Extra hot", 0),
        ),
    ),
    DemoModifierGroup(
        "avoid",
        "忌口",
        "Dietary requests",
        0,
        3,
        (
            DemoModifierOption("no_scallion", "不要葱", "No scallion", 0),
            DemoModifierOption("no_coriander", "不要香菜", "No coriander", 0),
            DemoModifierOption("no_garlic", "不要蒜", "No garlic", 0),
            DemoModifierOption("less_oil", "少油", "Less oil", 0),
            DemoModifierOption("less_salt", "少盐", "Less salt", 0),
        ),
    ),
    DemoModifierGroup(
        "extras",
        "加料",
        "Extras",
        0,
        3,
        (
            DemoModifierOption("add_fried_egg", "加煎蛋", "Add a fried egg", 300),
            DemoModifierOption("add_braised_egg", "加卤蛋", "Add a braised egg", 300),
            DemoModifierOption("add_greens", "加青菜", "Add greens", 300),
            DemoModifierOption("add_glass_noodles", "加粉丝", "Add glass noodles", 400),
            DemoModifierOption("add_luncheon_meat", "加午餐肉", "Add luncheon meat", 600),
            DemoModifierOption("add_beef", "加肥牛", "Add sliced beef", 1200),
        ),
    ),
    DemoModifierGroup(
        "staple",
        "主食",
        "Served with",
        1,
        1,
        (
            DemoModifierOption("with_steamed_rice", "白米饭", "Steamed rice", 0),
            DemoModifierOption("with_multigrain_rice", "杂粮饭", "Multigrain rice", 200),
            DemoModifierOption("with_egg_noodles", "鸡蛋面", "Egg noodles", 0),
            DemoModifierOption("with_rice_noodles", "河粉", "Flat rice noodles", 0),
        ),
    ),
    DemoModifierGroup(
        "sweetness",
        "甜度",
        "Sweetness",
        1,
        1,
        (
            DemoModifierOption("sugar_regular", "正常糖", "Regular sugar", 0),
            DemoModifierOption("sugar_less", "少糖", "Less sugar", 0),
            DemoModifierOption("sugar_half", "半糖", "Half sugar", 0),
            DemoModifierOption("sugar_light", "微糖", "Light sugar", 0),
            DemoModifierOption("sugar_none", "无糖", "No sugar", 0),
        ),
    ),
    DemoModifierGroup(
        "ice",
        "冰量",
        "Ice",
        1,
        1,
        (
            DemoModifierOption("ice_regular", "正常冰", "Regular ice", 0),
            DemoModifierOption("ice_less", "少冰", "Less ice", 0),
            DemoModifierOption("ice_none", "去冰", "No ice", 0),
            DemoModifierOption("ice_room_temp", "常温", "Room temperature", 0),
        ),
    ),
    DemoModifierGroup(
        "tea_toppings",
        "小料",
        "Toppings",
        0,
        3,
        (
            DemoModifierOption("topping_pearls", "珍珠", "Tapioca pearls", 200),
            DemoModifierOption("topping_coconut_jelly", "椰果", "Coconut jelly", 200),
            DemoModifierOption("topping_pudding", "布丁", "Egg pudding", 300),
            DemoModifierOption("topping_taro_balls", "芋圆", "Taro balls", 300),
        ),
    ),
)

# --------------------------------------------------------------------------- items

_SPICY = ("spice_level",)
_SPICY_AVOID = ("spice_level", "avoid")
_SPICY_AVOID_EXTRAS = ("spice_level", "avoid", "extras")
_AVOID = ("avoid",)
_MILK_TEA = ("sweetness", "ice", "tea_toppings")

ITEMS: tuple[DemoItem, ...] = (
    # 凉菜 Cold dishes
    DemoItem(
        "smashed_cucumber",
        "cold_dishes",
        "拍黄瓜",
        "Smashed Cucumber Salad",
        1800,
        modifier_group_keys=_SPICY_AVOID,
    ),
    DemoItem(
        "fuqi_feipian",
        "cold_dishes",
        "夫妻肺片",
        "Fuqi Feipian (Beef & Tripe in Chili Oil)",
        4200,
        modifier_group_keys=_SPICY,
    ),
    DemoItem(
        "mouthwatering_chicken",
        "cold_dishes",
        "口水鸡",
        "Mouthwatering Chicken",
        3800,
        specs=(DemoSpec("half", "半只", "Half", 3800), DemoSpec("whole", "整只", "Whole", 6800)),
        modifier_group_keys=_SPICY,
    ),
    DemoItem(
        "wood_ear_salad",
        "cold_dishes",
        "凉拌木耳",
        "Wood Ear Mushroom Salad",
        1800,
        modifier_group_keys=_AVOID,
    ),
    DemoItem("century_egg_tofu", "cold_dishes", "皮蛋豆腐", "Century Egg with Silken Tofu", 1600),
    DemoItem(
        "garlic_pork",
        "cold_dishes",
        "蒜泥白肉",
        "Sliced Pork Belly in Garlic Sauce",
        3200,
        modifier_group_keys=_AVOID,
    ),
    DemoItem(
        "white_cut_chicken",
        "cold_dishes",
        "白切鸡",
        "Cantonese Poached Chicken",
        4800,
        specs=(DemoSpec("half", "半只", "Half", 4800), DemoSpec("whole", "整只", "Whole", 8800)),
    ),
    DemoItem(
        "roast_goose",
        "cold_dishes",
        "脆皮烧鹅",
        "Cantonese Roast Goose",
        6800,
        specs=(
            DemoSpec("regular", "例牌", "Regular plate", 6800),
            DemoSpec("half", "半只", "Half goose", 12800),
        ),
    ),
    DemoItem("char_siu", "cold_dishes", "蜜汁叉烧", "Honey-glazed BBQ Pork (Char Siu)", 4800),
    DemoItem("jellyfish_salad", "cold_dishes", "老醋海蜇", "Jellyfish in Aged Vinegar", 3600),
    # 川味热菜 Sichuan specialties
    DemoItem(
        "kung_pao_chicken",
        "sichuan",
        "宫保鸡丁",
        "Kung Pao Chicken",
        3800,
        modifier_group_keys=_SPICY_AVOID,
    ),
    DemoItem(
        "mapo_tofu", "sichuan", "麻婆豆腐", "Mapo Tofu", 2800, modifier_group_keys=_SPICY_AVOID
    ),
    DemoItem(
        "boiled_fish",
        "sichuan",
        "水煮鱼",
        "Sichuan Boiled Fish in Chili Oil",
        6800,
        specs=(DemoSpec("small", "小份", "Small", 6800), DemoSpec("large", "大份", "Large", 9800)),
        modifier_group_keys=_SPICY_AVOID_EXTRAS,
    ),
    DemoItem(
        "twice_cooked_pork",
        "sichuan",
        "回锅肉",
        "Twice-cooked Pork",
        4200,
        modifier_group_keys=_SPICY_AVOID,
    ),
    DemoItem(
        "yuxiang_pork",
        "sichuan",
        "鱼香肉丝",
        "Yu Xiang Shredded Pork",
        3600,
        modifier_group_keys=_SPICY_AVOID,
    ),
    DemoItem(
        "dry_fried_green_beans",
        "sichuan",
        "干煸四季豆",
        "Dry-fried Green Beans",
        2800,
        modifier_group_keys=_SPICY_AVOID,
    ),
    DemoItem(
        "chongqing_chili_chicken",
        "sichuan",
        "辣子鸡",
        "Chongqing Chili Chicken",
        5800,
        modifier_group_keys=_SPICY,
    ),
    DemoItem(
        "boiled_beef",
        "sichuan",
        "水煮牛肉",
        "Sichuan Boiled Beef",
        5800,
        modifier_group_keys=_SPICY_AVOID_EXTRAS,
    ),
    DemoItem(
        "maoxuewang",
        "sichuan",
        "毛血旺",
        "Mao Xue Wang (Spicy Duck Blood Stew)",
        6800,
        modifier_group_keys=("spice_level", "extras"),
    ),
    DemoItem(
        "pickled_cabbage_fish",
        "sichuan",
        "酸菜鱼",
        "Fish with Pickled Mustard Greens",
        6800,
        specs=(DemoSpec("small", "小份", "Small", 6800), DemoSpec("large", "大份", "Large", 9800)),
        modifier_group_keys=_SPICY_AVOID_EXTRAS,
    ),
    DemoItem(
        "griddle_cauliflower",
        "sichuan",
        "干锅花菜",
        "Griddle-cooked Cauliflower",
        3200,
        modifier_group_keys=_SPICY,
    ),
    DemoItem(
        "spicy_fragrant_shrimp",
        "sichuan",
        "香辣虾",
        "Spicy Fragrant Shrimp",
        7800,
        modifier_group_keys=_SPICY,
    ),
    # 粤式小炒 Cantonese classics
    DemoItem(
        "sweet_sour_pork", "cantonese", "菠萝咕噜肉", "Sweet and Sour Pork with Pineapple", 4200
    ),
    DemoItem(
        "oyster_sauce_beef",
        "cantonese",
        "蚝油牛肉",
        "Stir-fried Beef in Oyster Sauce",
        4800,
        modifier_group_keys=_AVOID,
    ),
    DemoItem(
        "steamed_sea_bass",
        "cantonese",
        "清蒸鲈鱼",
        "Steamed Sea Bass with Ginger & Scallion",
        8800,
        modifier_group_keys=_AVOID,
    ),
    DemoItem(
        "poached_prawns",
        "cantonese",
        "白灼虾",
        "Poached Prawns with Soy Dip",
        6800,
        specs=(
            DemoSpec("half_jin", "半斤", "250 g", 6800),
            DemoSpec("one_jin", "一斤", "500 g", 12800),
        ),
    ),
    DemoItem("salt_pepper_squid", "cantonese", "椒盐鲜鱿", "Salt and Pepper Squid", 4800),
    DemoItem(
        "curry_beef_brisket",
        "cantonese",
        "咖喱牛腩",
        "Curry Beef Brisket",
        5200,
        modifier_group_keys=("staple",),
    ),
    DemoItem(
        "tomato_beef_brisket",
        "cantonese",
        "番茄牛腩",
        "Tomato Beef Brisket",
        5200,
        modifier_group_keys=("staple",),
    ),
    # 时令蔬菜 Vegetables
    DemoItem(
        "garlic_broccoli",
        "vegetables",
        "蒜蓉西兰花",
        "Broccoli with Garlic",
        2600,
        modifier_group_keys=_AVOID,
    ),
    DemoItem(
        "seasonal_greens",
        "vegetables",
        "清炒时蔬",
        "Stir-fried Seasonal Greens",
        2200,
        modifier_group_keys=_AVOID,
    ),
    DemoItem(
        "hand_torn_cabbage",
        "vegetables",
        "手撕包菜",
        "Hand-torn Cabbage",
        2200,
        modifier_group_keys=_SPICY_AVOID,
    ),
    DemoItem("oyster_sauce_lettuce", "vegetables", "蚝油生菜", "Lettuce in Oyster Sauce", 2200),
    DemoItem(
        "di_san_xian", "vegetables", "地三鲜", "Di San Xian (Potato, Eggplant & Green Pepper)", 2800
    ),
    DemoItem(
        "yuxiang_eggplant",
        "vegetables",
        "鱼香茄子",
        "Yu Xiang Eggplant",
        2800,
        modifier_group_keys=_SPICY_AVOID,
    ),
    # 汤羹 Soups
    DemoItem(
        "hot_sour_soup", "soups", "酸辣汤", "Hot and Sour Soup", 1800, modifier_group_keys=_SPICY
    ),
    DemoItem(
        "west_lake_beef_soup",
        "soups",
        "西湖牛肉羹",
        "West Lake Beef Soup",
        2800,
        specs=(DemoSpec("small", "小份", "Small", 2800), DemoSpec("large", "大份", "Large", 4800)),
    ),
    DemoItem(
        "soup_of_the_day",
        "soups",
        "老火例汤",
        "Slow-cooked Soup of the Day",
        1800,
        specs=(
            DemoSpec("per_person", "位", "Per person", 1800),
            DemoSpec("pot", "煲", "Pot (serves 4)", 5800),
        ),
    ),
    DemoItem("tomato_egg_soup", "soups", "番茄蛋花汤", "Tomato and Egg Drop Soup", 1600),
    # 主食面饭 Rice & noodles
    DemoItem(
        "yangzhou_fried_rice",
        "staples",
        "扬州炒饭",
        "Yangzhou Fried Rice",
        2800,
        modifier_group_keys=("avoid", "extras"),
    ),
    DemoItem(
        "dan_dan_noodles",
        "staples",
        "担担面",
        "Dan Dan Noodles",
        1800,
        modifier_group_keys=_SPICY_AVOID_EXTRAS,
    ),
    DemoItem(
        "beef_chow_fun", "staples", "干炒牛河", "Beef Chow Fun", 3200, modifier_group_keys=_AVOID
    ),
    DemoItem("steamed_rice", "staples", "白米饭", "Steamed Rice", 300),
    DemoItem(
        "claypot_rice",
        "staples",
        "腊味煲仔饭",
        "Claypot Rice with Cantonese Sausage",
        4200,
        modifier_group_keys=("extras",),
    ),
    DemoItem(
        "chongqing_noodles",
        "staples",
        "重庆小面",
        "Chongqing Spicy Noodles",
        1600,
        modifier_group_keys=_SPICY_AVOID_EXTRAS,
    ),
    DemoItem(
        "zhong_dumplings",
        "staples",
        "钟水饺",
        "Zhong Dumplings in Sweet Chili Oil",
        1800,
        modifier_group_keys=_SPICY,
        station_key="pastry",
    ),
    DemoItem(
        "chili_oil_wontons",
        "staples",
        "红油抄手",
        "Wontons in Chili Oil",
        1800,
        modifier_group_keys=_SPICY,
        station_key="pastry",
    ),
    DemoItem(
        "shrimp_wonton_noodles",
        "staples",
        "鲜虾云吞面",
        "Shrimp Wonton Noodle Soup",
        2600,
        modifier_group_keys=("extras",),
    ),
    DemoItem("soy_sauce_noodles", "staples", "豉油皇炒面", "Supreme Soy Sauce Fried Noodles", 2600),
    # 点心甜品 Dim sum & desserts (all day)
    DemoItem("har_gow", "dim_sum", "虾饺皇", "Crystal Shrimp Dumplings (Har Gow)", 2800),
    DemoItem("siu_mai", "dim_sum", "干蒸烧卖", "Pork and Shrimp Siu Mai", 2400),
    DemoItem("char_siu_bao", "dim_sum", "蜜汁叉烧包", "BBQ Pork Buns (Char Siu Bao)", 1800),
    DemoItem(
        "black_bean_ribs", "dim_sum", "豉汁蒸排骨", "Steamed Spare Ribs in Black Bean Sauce", 2200
    ),
    DemoItem(
        "chicken_feet", "dim_sum", "豉汁凤爪", "Steamed Chicken Feet in Black Bean Sauce", 2200
    ),
    DemoItem("custard_buns", "dim_sum", "流沙包", "Molten Salted Egg Custard Buns", 1800),
    DemoItem(
        "egg_tarts",
        "dim_sum",
        "酥皮蛋挞",
        "Flaky Egg Tarts",
        1600,
        specs=(
            DemoSpec("three", "3只", "3 pieces", 1600),
            DemoSpec("six", "6只", "6 pieces", 2900),
        ),
    ),
    DemoItem("turnip_cake", "dim_sum", "香煎萝卜糕", "Pan-fried Turnip Cake", 1600),
    DemoItem(
        "xiao_long_bao",
        "dim_sum",
        "小笼包",
        "Soup Dumplings (Xiao Long Bao)",
        2200,
        specs=(
            DemoSpec("six", "6只", "6 pieces", 2200),
            DemoSpec("ten", "10只", "10 pieces", 3400),
        ),
    ),
    DemoItem(
        "mango_pomelo_sago", "dim_sum", "杨枝甘露", "Mango Pomelo Sago", 2200, station_key="bar"
    ),
    DemoItem("double_skin_milk", "dim_sum", "双皮奶", "Double-skin Milk Pudding", 1600),
    DemoItem(
        "brown_sugar_ice_jelly",
        "dim_sum",
        "红糖冰粉",
        "Sichuan Ice Jelly with Brown Sugar",
        1200,
        station_key="cold",
    ),
    DemoItem("brown_sugar_ciba", "dim_sum", "红糖糍粑", "Brown Sugar Glutinous Rice Cakes", 1800),
    # 早茶 Breakfast dim sum (mornings only)
    DemoItem(
        "shrimp_cheung_fun",
        "dim_sum",
        "鲜虾肠粉",
        "Shrimp Rice Noodle Rolls",
        2200,
        available_from=_BREAKFAST_FROM,
        available_until=_BREAKFAST_UNTIL,
    ),
    DemoItem(
        "century_egg_congee",
        "dim_sum",
        "皮蛋瘦肉粥",
        "Century Egg and Pork Congee",
        1200,
        specs=(
            DemoSpec("small", "小碗", "Small bowl", 1200),
            DemoSpec("large", "大碗", "Large bowl", 1800),
        ),
        modifier_group_keys=_AVOID,
        available_from=_BREAKFAST_FROM,
        available_until=_BREAKFAST_UNTIL,
    ),
    DemoItem(
        "soy_milk",
        "dim_sum",
        "现磨豆浆",
        "Fresh Soy Milk",
        500,
        specs=(DemoSpec("hot", "热", "Hot", 500), DemoSpec("iced", "冰", "Iced", 600)),
        modifier_group_keys=("sweetness",),
        available_from=_BREAKFAST_FROM,
        available_until=_BREAKFAST_UNTIL,
    ),
    DemoItem(
        "youtiao",
        "dim_sum",
        "油条",
        "Youtiao (Fried Dough Stick)",
        400,
        available_from=_BREAKFAST_FROM,
        available_until=_BREAKFAST_UNTIL,
    ),
    DemoItem(
        "sheng_jian_bao",
        "dim_sum",
        "生煎包",
        "Pan-fried Pork Buns (Sheng Jian Bao)",
        1600,
        available_from=_BREAKFAST_FROM,
        available_until=_BREAKFAST_UNTIL,
    ),
    DemoItem(
        "lotus_leaf_rice",
        "dim_sum",
        "荷叶糯米鸡",
        "Sticky Rice in Lotus Leaf",
        1800,
        available_from=_BREAKFAST_FROM,
        available_until=_BREAKFAST_UNTIL,
    ),
    # 饮品 Drinks
    DemoItem(
        "sour_plum_drink",
        "drinks",
        "酸梅汤",
        "Sour Plum Drink",
        800,
        specs=(DemoSpec("glass", "杯", "Glass", 800), DemoSpec("jug", "扎", "Jug", 2800)),
        modifier_group_keys=("ice",),
    ),
    DemoItem(
        "bubble_milk_tea",
        "drinks",
        "珍珠奶茶",
        "Bubble Milk Tea",
        1600,
        specs=(
            DemoSpec("medium", "中杯", "Medium", 1600),
            DemoSpec("large", "大杯", "Large", 1900),
        ),
        modifier_group_keys=_MILK_TEA,
    ),
    DemoItem(
        "hk_milk_tea",
        "drinks",
        "港式奶茶",
        "Hong Kong Milk Tea",
        1400,
        specs=(DemoSpec("hot", "热", "Hot", 1400), DemoSpec("iced", "冰", "Iced", 1600)),
        modifier_group_keys=("sweetness",),
    ),
    DemoItem(
        "iced_lemon_tea",
        "drinks",
        "冻柠茶",
        "Iced Lemon Tea",
        1400,
        modifier_group_keys=("sweetness", "ice"),
    ),
    DemoItem(
        "fresh_orange_juice",
        "drinks",
        "鲜榨橙汁",
        "Fresh Orange Juice",
        1800,
        specs=(DemoSpec("glass", "杯", "Glass", 1800), DemoSpec("jug", "扎", "Jug", 4800)),
        modifier_group_keys=("ice",),
    ),
    DemoItem("coca_cola", "drinks", "可口可乐", "Coca-Cola", 600, modifier_group_keys=("ice",)),
    DemoItem("herbal_tea", "drinks", "王老吉", "Wong Lo Kat Herbal Tea", 600),
    DemoItem(
        "puer_tea",
        "drinks",
        "普洱茶",
        "Pu'er Tea",
        800,
        specs=(DemoSpec("cup", "杯", "Cup", 800), DemoSpec("pot", "壶", "Pot", 3800)),
    ),
    DemoItem(
        "tieguanyin",
        "drinks",
        "铁观音",
        "Tieguanyin Oolong Tea",
        1000,
        specs=(DemoSpec("cup", "杯", "Cup", 1000), DemoSpec("pot", "壶", "Pot", 4800)),
    ),
    DemoItem("chrysanthemum_tea", "drinks", "菊花茶", "Chrysanthemum Tea", 800),
    DemoItem("mineral_water", "drinks", "矿泉水", "Mineral Water", 400),
    # 酒水 Beer, wine & spirits
    DemoItem(
        "tsingtao",
        "alcohol",
        "青岛啤酒",
        "Tsingtao Beer",
        1500,
        specs=(
            DemoSpec("bottle", "单瓶", "Bottle (640 ml)", 1500),
            DemoSpec("half_dozen", "半打", "Half dozen", 8400),
        ),
    ),
    DemoItem("snow_draft", "alcohol", "雪花纯生", "Snow Draft Beer", 1500),
    DemoItem("moutai", "alcohol", "飞天茅台", "Kweichow Moutai (53%, 500 ml)", 329800),
    DemoItem("wuliangye", "alcohol", "五粮液", "Wuliangye (52%, 500 ml)", 158800),
    DemoItem(
        "huadiao_wine", "alcohol", "五年陈绍兴花雕", "Shaoxing Huadiao Rice Wine (5-year)", 8800
    ),
    DemoItem(
        "great_wall_red",
        "alcohol",
        "长城干红",
        "Great Wall Cabernet Sauvignon",
        4800,
        specs=(DemoSpec("glass", "杯", "Glass", 4800), DemoSpec("bottle", "瓶", "Bottle", 22800)),
    ),
    DemoItem("jiang_xiaobai", "alcohol", "江小白", "Jiang Xiaobai Baijiu (100 ml)", 2500),
)

# --------------------------------------------------------------------------- set meals

COMBOS: tuple[DemoCombo, ...] = (
    DemoCombo(
        "business_lunch",
        "set_meals",
        "商务午市套餐",
        "Business Lunch Set",
        4800,
        (
            DemoComboSlot(
                "main",
                "主菜",
                "Main",
                (
                    ("kung_pao_chicken", 0),
                    ("yuxiang_pork", 0),
                    ("mapo_tofu", 0),
                    ("twice_cooked_pork", 0),
                    ("curry_beef_brisket", 800),
                    ("oyster_sauce_beef", 600),
                ),
            ),
            DemoComboSlot(
                "staple",
                "主食",
                "Rice or noodles",
                (
                    ("steamed_rice", 0),
                    ("yangzhou_fried_rice", 800),
                    ("dan_dan_noodles", 600),
                ),
            ),
            DemoComboSlot(
                "soup",
                "例汤",
                "Soup",
                (
                    ("tomato_egg_soup", 0),
                    ("hot_sour_soup", 0),
                ),
            ),
            DemoComboSlot(
                "drink",
                "饮品",
                "Drink",
                (
                    ("iced_lemon_tea", 0),
                    ("herbal_tea", 0),
                    ("coca_cola", 0),
                    ("chrysanthemum_tea", 0),
                ),
            ),
        ),
    ),
    DemoCombo(
        "set_for_two",
        "set_meals",
        "双人套餐",
        "Set for Two",
        9800,
        (
            DemoComboSlot(
                "cold",
                "凉菜",
                "Cold starter",
                (
                    ("smashed_cucumber", 0),
                    ("century_egg_tofu", 0),
                    ("wood_ear_salad", 0),
                    ("fuqi_feipian", 1000),
                ),
            ),
            DemoComboSlot(
                "signature",
                "招牌菜",
                "Signature dish",
                (
                    ("boiled_beef", 0),
                    ("chongqing_chili_chicken", 0),
                    ("spicy_fragrant_shrimp", 1800),
                ),
            ),
            DemoComboSlot(
                "second",
                "家常菜",
                "Home-style dish",
                (
                    ("kung_pao_chicken", 0),
                    ("yuxiang_pork", 0),
                    ("mapo_tofu", 0),
                    ("dry_fried_green_beans", 0),
                    ("hand_torn_cabbage", 0),
                    ("garlic_broccoli", 0),
                ),
            ),
            DemoComboSlot(
                "staple",
                "主食",
                "Rice or noodles",
                (
                    ("steamed_rice", 0),
                    ("yangzhou_fried_rice", 1000),
                    ("dan_dan_noodles", 800),
                ),
            ),
        ),
    ),
    DemoCombo(
        "family_set",
        "set_meals",
        "三人家常套餐",
        "Home-style Set for Three",
        13800,
        (
            DemoComboSlot(
                "roast",
                "烧味凉菜",
                "Roast meat or cold dish",
                (
                    ("char_siu", 0),
                    ("jellyfish_salad", 0),
                    ("garlic_pork", 0),
                ),
            ),
            DemoComboSlot(
                "sichuan",
                "川菜",
                "Sichuan dish",
                (
                    ("boiled_beef", 0),
                    ("chongqing_chili_chicken", 0),
                    ("maoxuewang", 800),
                ),
            ),
            DemoComboSlot(
                "cantonese",
                "粤菜",
                "Cantonese dish",
                (
                    ("sweet_sour_pork", 0),
                    ("salt_pepper_squid", 0),
                    ("steamed_sea_bass", 2000),
                ),
            ),
            DemoComboSlot(
                "soup",
                "汤羹",
                "Soup",
                (
                    ("tomato_egg_soup", 0),
                    ("hot_sour_soup", 0),
                ),
            ),
        ),
    ),
    # Only all-day dim sum here: a set meal has no serving window of its own.
    DemoCombo(
        "dim_sum_tea_set",
        "set_meals",
        "点心茶市套餐",
        "Dim Sum Tea Set",
        4800,
        (
            DemoComboSlot(
                "tea",
                "茶",
                "Tea",
                (
                    ("chrysanthemum_tea", 0),
                    ("herbal_tea", 0),
                ),
            ),
            DemoComboSlot(
                "steamed",
                "蒸点",
                "Steamed dim sum",
                (
                    ("har_gow", 0),
                    ("siu_mai", 0),
                    ("char_siu_bao", 0),
                    ("black_bean_ribs", 0),
                    ("chicken_feet", 0),
                ),
            ),
            DemoComboSlot(
                "baked",
                "煎焗点心",
                "Pan-fried or baked",
                (
                    ("turnip_cake", 0),
                    ("custard_buns", 0),
                ),
            ),
            DemoComboSlot(
                "dessert",
                "甜品",
                "Dessert",
                (
                    ("double_skin_milk", 0),
                    ("brown_sugar_ciba", 0),
                    ("mango_pomelo_sago", 400),
                ),
            ),
        ),
    ),
)

# --------------------------------------------------------------------------- floor

AREAS: tuple[DemoArea, ...] = (
    DemoArea(
        "main_hall",
        "大厅",
        "Main Hall",
        (
            DemoTable("A01", 2),
            DemoTable("A02", 2),
            DemoTable("A03", 4),
            DemoTable("A04", 4),
            DemoTable("A05", 4),
            DemoTable("A06", 4),
            DemoTable("A07", 4),
            DemoTable("A08", 4),
            DemoTable("A09", 4),
            DemoTable("A10", 4),
            DemoTable("B01", 6),
            DemoTable("B02", 6),
            DemoTable("B03", 6),
            DemoTable("B04", 6),
            DemoTable("B05", 8),
            DemoTable("B06", 8),
            DemoTable("C01", 10),
            DemoTable("C02", 10),
        ),
    ),
    DemoArea(
        "private_rooms",
        "包间",
        "Private Rooms",
        (
            DemoTable("V1", 8),
            DemoTable("V2", 10),
            DemoTable("V3", 10),
            DemoTable("V4", 12),
        ),
    ),
    DemoArea(
        "terrace",
        "露台",
        "Terrace",
        (
            DemoTable("T01", 2),
            DemoTable("T02", 2),
            DemoTable("T03", 4),
            DemoTable("T04", 4),
            DemoTable("T05", 4),
            DemoTable("T06", 6),
        ),
    ),
)

# --------------------------------------------------------------------------- staff

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("O01", "林建国", "owner", "168168"),
    DemoStaff("M01", "陈晓燕", "manager", "258036"),
    DemoStaff("M02", "王志强", "manager", "369147"),
    DemoStaff("C01", "李婷", "cashier", "1357"),
    DemoStaff("C02", "张敏", "cashier", "2468"),
    DemoStaff("W01", "刘洋", "waiter", "1122"),
    DemoStaff("W02", "赵磊", "waiter", "3344"),
    DemoStaff("W03", "黄丽华", "waiter", "5566"),
    DemoStaff("K01", "周国平", "kitchen", "7788"),
    DemoStaff("K02", "吴海涛", "kitchen", "9900"),
)
