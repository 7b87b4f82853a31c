"""Every refusal the QR table-ordering channel gives: table codes, sessions, caps and rates."""

from hearth.core.errors import ErrorCode


class QrError(ErrorCode):
    NO_ORDER_AT_TABLE = ("no-order-at-table", 409, "Nothing ordered yet", "还没有点菜")
    NOTHING_HELD = (
        "nothing-held",
        409,
        "Nothing is waiting at this table",
        "该桌台没有待确认的菜品",
    )
    ORDER_OVER_LIMIT = (
        "order-over-limit",
        422,
        "Too many dishes on one order",
        "一张订单的菜品太多",
    )
    QR_EXPIRED = ("qr-expired", 401, "This QR code has expired", "此二维码已过期")
    QR_INVALID = ("qr-invalid", 401, "This QR code is not valid", "此二维码无效")
    QUANTITY_OVER_LIMIT = ("quantity-over-limit", 422, "Too many of one dish", "同一道菜点得太多")
    TABLE_CLOSED = ("table-closed", 409, "This table is closed", "此桌台已关闭")
    TABLE_NOT_FOUND = ("table-not-found", 404, "No such table", "没有该桌台")
    TOO_MANY_CHANGES = ("too-many-changes", 429, "Too many changes at once", "修改太频繁")
