"""Every refusal the kiosk channel gives."""

from hearth.core.errors import ErrorCode


class KioskError(ErrorCode):
    KIOSK_KEY_IS_TILL = (
        "kiosk-not-registered",
        401,
        "This is a till's key, not a kiosk's",
        "这是收银台的密钥，不是自助点餐机的",
    )
    KIOSK_NOT_REGISTERED = (
        "kiosk-not-registered",
        401,
        "This kiosk is not registered",
        "此自助点餐机尚未登记",
    )
    ORDER_NOT_FOUND = ("order-not-found", 404, "No such order", "没有该订单")
    ORDER_NOT_PAYABLE = ("order-not-payable", 409, "Nothing to pay", "没有需要支付的")
    PAYMENTS_UNAVAILABLE = ("payments-unavailable", 503, "Pay at the counter", "请到收银台付款")
