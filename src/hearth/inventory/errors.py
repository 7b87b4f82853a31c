"""Every refusal the inventory module gives: units, ingredients, recipes, stock moves."""

from hearth.core.errors import ErrorCode


class InventoryError(ErrorCode):
    UNIT_UNKNOWN = ("unit-unknown", 422, "Unknown unit", "未知单位")
    UNIT_MISMATCH = ("unit-mismatch", 422, "Units do not convert", "单位无法换算")
    UNIT_INVALID = ("unit-invalid", 422, "Check the unit", "请检查单位")
    QUANTITY_INVALID = ("quantity-invalid", 422, "Check the quantity", "请检查数量")
    COST_INVALID = ("cost-invalid", 422, "Check the cost", "请检查成本")
    INGREDIENT_NOT_FOUND = ("ingredient-not-found", 404, "No such ingredient", "没有该原料")
    INGREDIENT_UNKNOWN = ("ingredient-unknown", 422, "Unknown ingredient", "未知原料")
    INGREDIENT_RETIRED = ("ingredient-retired", 409, "Ingredient deleted", "原料已删除")
    INGREDIENT_NAME_TAKEN = ("ingredient-name-taken", 409, "Ingredient exists", "原料已存在")
    ITEM_UNKNOWN = ("item-unknown", 422, "Unknown dish", "未知菜品")
    SPEC_UNKNOWN = ("spec-unknown", 422, "Unknown size", "未知规格")
    OPTION_UNKNOWN = ("option-unknown", 422, "Unknown option", "未知加料选项")
    RECIPE_CYCLE = ("recipe-cycle", 422, "Recipe uses itself", "配方引用了自身")
    RECIPE_DUPLICATE = ("recipe-duplicate", 422, "Ingredient listed twice", "原料重复")
    RECIPE_NOT_FOUND = ("recipe-not-found", 404, "No such recipe", "没有该配方")
    PURCHASE_ORDER_NOT_FOUND = (
        "purchase-order-not-found",
        404,
        "No such purchase order",
        "没有该采购单",
    )
    PURCHASE_ORDER_CLOSED = ("purchase-order-closed", 409, "Already received", "采购单已收货")
    LINES_EMPTY = ("lines-empty", 422, "Add at least one line", "请至少添加一行")
    REASON_REQUIRED = ("reason-required", 422, "Give a reason", "请填写原因")
    STORE_INVALID = ("store-invalid", 422, "Check the store", "请检查门店")
