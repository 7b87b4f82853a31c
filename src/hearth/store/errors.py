"""Every refusal the store module gives: its settings."""

from hearth.core.errors import ErrorCode


class StoreError(ErrorCode):
    SETTING_CASH_ROUNDING = ("setting-invalid", 422, "Unknown cash rounding", "未知的现金抹零方式")
    SETTING_DEFAULT_LANGUAGE = (
        "setting-invalid",
        422,
        "Default language not offered",
        "默认语言不在可选语言中",
    )
    SETTING_LANGUAGES = ("setting-invalid", 422, "Languages not accepted", "语言设置未被接受")
    SETTING_LIMIT_RANGE = ("setting-invalid", 422, "Limit out of range", "上限超出范围")
    SETTING_NOT_ACCEPTED = ("setting-invalid", 422, "Setting not accepted", "设置未被接受")
    SETTING_NOT_BOOLEAN = ("setting-invalid", 422, "Not yes or no", "不是“是”或“否”")
    SETTING_NOT_PHONE = ("setting-invalid", 422, "Not a phone number", "不是电话号码")
    SETTING_NOT_TEXT = ("setting-invalid", 422, "Not text", "不是文本")
    SETTING_ORDER_BELOW_LINE_LIMIT = (
        "setting-invalid",
        422,
        "Order limit below the line limit",
        "整单上限低于单行上限",
    )
    SETTING_SERVICE_CHARGE_RANGE = (
        "setting-invalid",
        422,
        "Service charge out of range",
        "服务费超出范围",
    )
    SETTINGS_CHANGED_MEANWHILE = (
        "settings-changed-meanwhile",
        409,
        "Someone else changed the settings",
        "其他人已修改了设置",
    )
