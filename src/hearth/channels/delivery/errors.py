"""Every refusal the delivery channel gives: platform pushes, signatures, item mappings, held
orders."""

from hearth.core.errors import ErrorCode


class DeliveryError(ErrorCode):
    DELIVERY_CONTENT_TYPE = (
        "delivery-content-type",
        415,
        "Send a form or JSON",
        "请发送表单或 JSON",
    )
    DELIVERY_HELD = ("delivery-held", 409, "A manager must release this order", "需经理放行此订单")
    DELIVERY_ITEM_UNKNOWN = (
        "delivery-item-unknown",
        422,
        "Item not on our menu",
        "该菜品不在我们的菜单上",
    )
    DELIVERY_NOT_FLAGGED = ("delivery-not-flagged", 409, "Nothing to clear", "没有需要清除的标记")
    DELIVERY_NOT_HELD = ("delivery-not-held", 409, "This order is not held", "该订单未被暂扣")
    DELIVERY_ORDER_INVALID = (
        "delivery-order-invalid",
        422,
        "The platform order is not valid",
        "平台订单无效",
    )
    DELIVERY_ORDER_NOT_FOUND = (
        "delivery-order-not-found",
        404,
        "No such delivery order",
        "没有该外卖订单",
    )
    PLATFORM_ORDER_NOT_FOUND = (
        "delivery-order-not-found",
        404,
        "No such platform order",
        "没有该平台订单",
    )
    DELIVERY_ORDER_STATE = (
        "delivery-order-state",
        409,
        "Not possible at this stage",
        "当前阶段无法执行",
    )
    DELIVERY_PARAMS_INVALID = ("delivery-params-invalid", 422, "Parameters not valid", "参数无效")
    DELIVERY_PAUSED = (
        "delivery-paused",
        429,
        "The kitchen is not taking delivery orders now",
        "后厨暂停接收外卖订单",
    )
    DELIVERY_SIGNATURE_INVALID = (
        "delivery-signature-invalid",
        401,
        "Signature not valid",
        "签名无效",
    )
    DELIVERY_TIMESTAMP_MISSING = (
        "delivery-timestamp-stale",
        401,
        "Timestamp missing or not a number",
        "时间戳缺失或不是数字",
    )
    DELIVERY_TIMESTAMP_STALE = (
        "delivery-timestamp-stale",
        401,
        "Request too old or from the future",
        "请求过旧或时间在未来",
    )
    DELIVERY_EVENT_UNKNOWN = ("delivery-type-unknown", 422, "Unknown event", "未知事件")
    DELIVERY_TYPE_UNKNOWN = ("delivery-type-unknown", 422, "Unknown push type", "未知推送类型")
    ITEM_UNKNOWN = ("item-unknown", 422, "Unknown item", "未知菜品")
    MAPPING_NOT_FOUND = ("mapping-not-found", 404, "No such mapping", "没有该映射")
    PLATFORM_UNKNOWN = ("platform-unknown", 422, "Unknown platform", "未知平台")
    SKU_INVALID = ("sku-invalid", 422, "SKU must be 1 to 64 characters", "SKU 须为 1 到 64 个字符")
