"""Every refusal the ordering module gives: orders, lines, tables, splits and merges."""

from hearth.core.errors import ErrorCode


class OrderingError(ErrorCode):
    AREA_UNKNOWN = ("area-unknown", 422, "Unknown area", "未知区域")
    BILL_ALREADY_REQUESTED = (
        "bill-already-requested",
        409,
        "Bill already asked for",
        "已经要过账单",
    )
    COURSE_INVALID = ("course-invalid", 422, "Course must be 1 to 9", "上菜顺序须为 1 到 9")
    DISCOUNT_INVALID = ("discount-invalid", 422, "Discount out of range", "折扣超出范围")
    DISCOUNT_TOO_LARGE = (
        "discount-too-large",
        422,
        "Discount larger than the amount",
        "折扣大于金额",
    )
    GUESTS_INVALID = ("guests-invalid", 422, "Number of guests", "就餐人数")
    ITEM_UNKNOWN = ("item-unknown", 422, "Unknown item", "未知菜品")
    LINE_ALREADY_SENT = ("line-already-sent", 409, "Already sent to the kitchen", "已送至后厨")
    LINE_ALREADY_VOIDED = ("line-already-voided", 409, "Already voided", "已作废")
    LINE_VOIDED = ("line-already-voided", 409, "Line is voided", "该菜品行已作废")
    SPLIT_VOIDED_LINE = (
        "line-already-voided",
        409,
        "A voided line cannot be split",
        "已作废的菜品行不能拆分",
    )
    LINE_NOT_FOUND = ("line-not-found", 404, "No such line", "没有该菜品行")
    LINES_EMPTY = ("lines-empty", 422, "No items", "没有菜品")
    LINES_TOO_MANY = ("lines-too-many", 422, "Too many lines", "菜品行太多")
    MANAGER_APPROVAL_REQUIRED = (
        "manager-approval-required",
        403,
        "Manager approval needed",
        "需要经理授权",
    )
    MERGE_DISCOUNTED = ("merge-discounted", 409, "Order has a discount", "订单有折扣")
    MERGE_SAME_ORDER = ("merge-same-order", 422, "Same order", "同一订单")
    NOTE_TOO_LONG = ("note-too-long", 422, "Note too long", "备注太长")
    NOTHING_HELD = (
        "nothing-held",
        409,
        "Nothing is waiting at this table",
        "该桌台没有待确认的菜品",
    )
    NOTHING_TO_FIRE = ("nothing-to-fire", 409, "Nothing to fire", "没有可起菜的菜品")
    NOTHING_TO_SEND = ("nothing-to-send", 409, "Nothing to send", "没有可送厨的菜品")
    ORDER_NOT_FOUND = ("order-not-found", 404, "No such order", "没有该订单")
    ORDER_REOPEN_NOT_PAID = (
        "order-state",
        409,
        "Only a paid order can be reopened",
        "只有已付款的订单才能重新打开",
    )
    ORDER_STATE = ("order-state", 409, "Cannot {action} now", "现在不能执行此操作（{action}）")
    ORDER_CANNOT_CANCEL = ("order-transition", 409, "Cannot cancel now", "现在不能取消")
    ORDER_CANNOT_VOID = ("order-transition", 409, "Cannot void now", "现在不能作废")
    ORDER_TRANSITION = ("order-transition", 409, "Not allowed at this stage", "当前阶段不允许")
    QUANTITY_INVALID = ("quantity-invalid", 422, "Quantity must be 1 to 999", "数量须为 1 到 999")
    REASON_REQUIRED = ("reason-required", 422, "Give a reason", "请填写原因")
    REASON_TOO_LONG = ("reason-too-long", 422, "Reason too long", "原因太长")
    SAME_TABLE = ("same-table", 422, "Already at that table", "已在该桌台")
    SEAT_INVALID = ("seat-invalid", 422, "Seat must be 1 to 100", "座位号须为 1 到 100")
    SEATS_INVALID = ("seats-invalid", 422, "Seats must be 1 to 50", "座位数须为 1 到 50")
    SERVICE_CHARGE_INVALID = (
        "service-charge-invalid",
        422,
        "Service charge out of range",
        "服务费超出范围",
    )
    SPLIT_BY_SEAT_ONE_SEAT = (
        "split-by-seat-one-seat",
        422,
        "Only one seat has items",
        "只有一个座位有菜品",
    )
    SPLIT_EMPTY = ("split-empty", 422, "Choose lines to split", "请选择要拆分的菜品行")
    SPLIT_EVERYTHING = ("split-everything", 422, "Nothing would be left", "拆分后将一无所剩")
    STATUS_NOT_SETTABLE = (
        "status-not-settable",
        422,
        "Use the matching action",
        "请使用对应的操作",
    )
    TABLE_CODE_TAKEN = ("table-code-taken", 409, "Table code in use", "桌台编号已被使用")
    TABLE_NOT_FOUND = ("table-not-found", 404, "No such table", "没有该桌台")
    TABLE_NOT_TO_CLEAN = (
        "table-not-to-clean",
        409,
        "Table is not waiting to be cleaned",
        "该桌台不在待清理状态",
    )
    TABLE_REQUIRED = ("table-required", 422, "Choose a table", "请选择桌台")
    TABLE_UNKNOWN = ("table-unknown", 422, "Unknown table", "未知桌台")
