"""Every refusal the menu module gives: items, variants, options, set meals, pictures."""

from hearth.core.errors import ErrorCode


class MenuError(ErrorCode):
    CATEGORY_NOT_FOUND = ("category-not-found", 404, "No such category", "没有该分类")
    CATEGORY_UNKNOWN = ("category-unknown", 422, "Unknown category", "未知分类")
    COMBO_CHOICE_REPEATED = ("combo-choice-repeated", 422, "Choice listed twice", "可选项重复列出")
    COMBO_CHOICE_REQUIRED = (
        "combo-choice-required",
        422,
        "Choose for every course",
        "请为每道菜做出选择",
    )
    COMBO_CHOICE_SELF = (
        "combo-choice-self",
        422,
        "A set cannot contain itself",
        "套餐不能包含自身",
    )
    COMBO_CHOICE_UNEXPECTED = ("combo-choice-unexpected", 422, "Not a set meal", "不是套餐")
    COMBO_CHOICE_UNKNOWN = (
        "combo-choice-unknown",
        422,
        "Not a choice of this course",
        "不是这道菜的可选项",
    )
    COMBO_SLOT_EMPTY = (
        "combo-slot-empty",
        422,
        "A course of the set has no choices",
        "套餐中有一道菜没有可选项",
    )
    COMBO_SLOT_REPEATED = ("combo-slot-repeated", 422, "Course listed twice", "套餐中的菜重复列出")
    COMBO_SLOT_UNKNOWN = (
        "combo-slot-unknown",
        422,
        "Unknown course of the set",
        "套餐中没有该道菜",
    )
    FIELD_NOT_UPDATABLE = (
        "field-not-updatable",
        422,
        "Field cannot be changed here",
        "此处不能修改该字段",
    )
    IMAGE_DIMENSIONS = ("image-dimensions", 422, "Picture size not accepted", "图片尺寸不被接受")
    IMAGE_EMPTY = ("image-empty", 422, "No picture received", "未收到图片")
    IMAGE_INVALID = ("image-invalid", 422, "Not a picture we can use", "无法使用该图片")
    IMAGE_NOT_FOUND = ("image-not-found", 404, "No such image", "没有该图片")
    IMAGE_TOO_LARGE = ("image-too-large", 413, "Picture too large", "图片太大")
    IMAGE_TYPE_MISMATCH = (
        "image-type-mismatch",
        422,
        "Picture type does not match",
        "图片类型不符",
    )
    ITEM_NOT_AVAILABLE_NOW = (
        "item-not-available-now",
        422,
        "Not served at this time",
        "此时段不供应",
    )
    ITEM_NOT_FOUND = ("item-not-found", 404, "No such item", "没有该菜品")
    ITEM_NOT_ENOUGH_LEFT = ("item-sold-out", 409, "Not enough left", "剩余数量不足")
    ITEM_SOLD_OUT = ("item-sold-out", 409, "Sold out", "已售罄")
    ITEM_UNAVAILABLE = ("item-unavailable", 422, "Item not on the menu", "该菜品不在菜单上")
    ITEM_UNKNOWN = ("item-unknown", 422, "Unknown item", "未知菜品")
    MODIFIER_GROUP_NOT_FOUND = (
        "modifier group-not-found",
        404,
        "No such modifier group",
        "没有该选项组",
    )
    MODIFIER_COUNT = ("modifier-count", 422, "Wrong number of choices", "选择数量不对")
    MODIFIER_GROUP_BOUNDS = (
        "modifier-group-bounds",
        422,
        "Impossible choice limits",
        "选择上下限不可能满足",
    )
    MODIFIER_GROUP_EMPTY = ("modifier-group-empty", 422, "A group needs options", "选项组需要选项")
    MODIFIER_GROUP_REPEATED = (
        "modifier-group-repeated",
        422,
        "Group listed twice",
        "选项组重复列出",
    )
    MODIFIER_GROUP_UNKNOWN = ("modifier-group-unknown", 422, "Unknown modifier group", "未知选项组")
    MODIFIER_OPTION_REPEATED = (
        "modifier-option-repeated",
        422,
        "Option listed twice",
        "选项重复列出",
    )
    MODIFIER_OPTION_UNKNOWN = ("modifier-option-unknown", 422, "Unknown option", "未知选项")
    MODIFIER_REPEATED = ("modifier-repeated", 422, "Option chosen twice", "选项重复选择")
    MODIFIER_UNKNOWN = ("modifier-unknown", 422, "Option not offered", "未提供该选项")
    PRICE_NEGATIVE = ("price-negative", 422, "Negative price", "价格为负数")
    QUANTITY_NEGATIVE = ("quantity-negative", 422, "Negative quantity", "数量为负数")
    SPEC_REPEATED = ("spec-repeated", 422, "Variant listed twice", "规格重复列出")
    SPEC_REQUIRED = ("spec-required", 422, "Choose a size or variant", "请选择规格")
    SPEC_UNKNOWN = ("spec-unknown", 422, "Unknown variant", "未知规格")
    TIME_INVALID = ("time-invalid", 422, "Not a time of day", "不是有效的时间")
