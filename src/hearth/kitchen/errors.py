"""Every refusal the kitchen module gives: tickets, stations, routing rules."""

from hearth.core.errors import ErrorCode


class KitchenError(ErrorCode):
    CATEGORY_UNKNOWN = ("category-unknown", 422, "Unknown category", "未知分类")
    ITEM_UNKNOWN = ("item-unknown", 422, "Unknown item", "未知菜品")
    NOTHING_TO_RECALL = ("nothing-to-recall", 409, "Nothing to recall", "没有可召回的单")
    NOTHING_TO_UNDO = ("nothing-to-undo", 409, "Nothing to undo", "没有可撤销的操作")
    ORDER_NOT_DONE = ("order-not-done", 409, "Stations still working", "还有工位在制作")
    ORDER_NOT_FOUND = ("order-not-found", 404, "No such order", "没有该订单")
    PERMISSION_DENIED = (
        "permission-denied",
        403,
        "Not allowed for your role",
        "您的角色无权执行此操作",
    )
    PRINTING_UNAVAILABLE = ("printing-unavailable", 503, "Printing is not available", "打印不可用")
    ROUTING_RULE_NOT_FOUND = (
        "routing-rule-not-found",
        404,
        "No such routing rule",
        "没有该分单规则",
    )
    RULE_STATIONS = ("rule-stations", 422, "Choose stations", "请选择工位")
    RULE_TARGET = ("rule-target", 422, "Choose a category or an item", "请选择分类或菜品")
    STATION_INVALID = ("station-invalid", 422, "Name the station", "请为工位命名")
    STATION_KEY_TAKEN = ("station-key-taken", 409, "Station exists", "工位已存在")
    STATION_NOT_FOUND = ("station-not-found", 404, "No such station", "没有该工位")
    STATION_UNKNOWN = ("station-unknown", 422, "Unknown station", "未知工位")
    TICKET_ITEM_NOT_FOUND = (
        "ticket-item-not-found",
        404,
        "No such item on this ticket",
        "该厨房单上没有此菜品",
    )
    TICKET_ITEM_ALREADY_DONE = ("ticket-item-state", 409, "Already done", "已完成")
    TICKET_ITEM_ALREADY_STARTED = ("ticket-item-state", 409, "Already started", "已开始制作")
    TICKET_ITEM_NOT_DONE = ("ticket-item-state", 409, "Not done", "尚未完成")
    TICKET_NOT_FOUND = ("ticket-not-found", 404, "No such ticket", "没有该厨房单")
    TICKET_OTHER_STATION = (
        "ticket-other-station",
        409,
        "Ticket belongs to another station",
        "该单属于其他工位",
    )
    TICKET_RUSH_UNCHANGED = ("ticket-rush-unchanged", 409, "Nothing changed", "没有变化")
    TICKET_ALREADY_BUMPED = ("ticket-state", 409, "Already bumped", "已出单")
    TICKET_ALREADY_STARTED = ("ticket-state", 409, "Already started", "已开始制作")
    TICKET_NOT_BUMPED = ("ticket-state", 409, "Not bumped", "尚未出单")
    TIMING_INVALID = ("timing-invalid", 422, "Check the times", "请检查时间")
