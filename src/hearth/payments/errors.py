"""Every refusal the payments module gives: tenders, providers, refunds, offline limits,
stored-value accounts, shifts."""

from hearth.core.errors import ErrorCode


class PaymentsError(ErrorCode):
    ACCOUNT_MISSING = ("account-missing", 422, "Which account?", "哪个账户？")
    ACCOUNT_NOT_FOUND = ("account-not-found", 404, "No such account", "没有该账户")
    ACCOUNT_NUMBER_INVALID = (
        "account-number-invalid",
        422,
        "Not an account number",
        "不是账户号码",
    )
    ACCOUNT_QUERY_INVALID = (
        "account-query-invalid",
        422,
        "Not a phone or account number",
        "不是电话号码或账户号码",
    )
    AMOUNT_ABOVE_DUE = ("amount-above-due", 422, "More than is due", "超过应付金额")
    AMOUNT_NEGATIVE = ("amount-invalid", 422, "Amounts cannot be negative", "金额不能为负数")
    AMOUNT_NOTHING_TO_PAY = ("amount-invalid", 422, "Nothing to pay", "没有需要支付的")
    REFUND_NOT_POSITIVE = ("amount-invalid", 422, "Refund must be above zero", "退款金额须大于零")
    APPROVAL_REQUIRED = (
        "approval-required",
        403,
        "A manager must approve this refund",
        "此退款需经理批准",
    )
    AUTH_CODE_MISSING = (
        "auth-code-missing",
        422,
        "Scan the customer's payment code",
        "请扫描顾客的付款码",
    )
    AUTH_CODE_UNRECOGNISED = (
        "auth-code-unrecognised",
        422,
        "Not a wallet payment code",
        "不是钱包付款码",
    )
    AUTH_CODE_WALLET_MISMATCH = (
        "auth-code-wallet-mismatch",
        422,
        "That code belongs to the other wallet",
        "该付款码属于另一个钱包",
    )
    BALANCE_TOO_LOW = ("balance-too-low", 409, "Not enough on the card", "卡内余额不足")
    BILL_CLOSED = ("bill-closed", 409, "This bill is closed", "此账单已关闭")
    CALLBACK_INVALID = ("callback-invalid", 401, "Callback not genuine", "回调不可信")
    CALLBACK_MISMATCH = (
        "callback-mismatch",
        422,
        "Callback does not match the payment",
        "回调与该笔支付不符",
    )
    CANCEL_REFUSED = ("cancel-refused", 409, "The provider refused to cancel", "支付渠道拒绝撤销")
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency-key-reused",
        422,
        "Idempotency key already used",
        "该幂等键已被使用",
    )
    NO_PROVIDER = (
        "no-provider",
        409,
        "No payment provider for this tender",
        "没有支付渠道受理此支付方式",
    )
    WALLET_NOT_TAKEN = ("no-provider", 409, "This wallet is not taken here", "本店不受理此钱包")
    OFFLINE_LIMIT_PAYMENT = (
        "offline-limit-payment",
        409,
        "Too large to take offline",
        "金额太大，无法离线收款",
    )
    OFFLINE_LIMIT_TOTAL = ("offline-limit-total", 409, "Offline limit reached", "已达离线收款上限")
    ORDER_NOT_FOUND = ("order-not-found", 404, "No such order", "没有该订单")
    PAY_OUT_TOO_LARGE = (
        "pay-out-too-large",
        422,
        "Not that much cash in the drawer",
        "钱箱里没有那么多现金",
    )
    PAYMENT_NOT_CANCELLABLE = (
        "payment-not-cancellable",
        409,
        "This payment is done",
        "此笔支付已完成",
    )
    PAYMENT_NOT_FORWARDED = (
        "payment-not-forwarded",
        409,
        "Not sent to the provider yet",
        "尚未发送给支付渠道",
    )
    PAYMENT_NOT_FOUND = ("payment-not-found", 404, "No such payment", "没有该笔支付")
    PAYMENT_NOT_REFUNDABLE = ("payment-not-refundable", 409, "Nothing to refund", "没有可退的款项")
    PHONE_INVALID = ("phone-invalid", 422, "Not a phone number", "不是电话号码")
    PROVIDER_NOT_FOUND = ("provider-not-found", 404, "No such provider", "没有该支付渠道")
    PROVIDER_UNAVAILABLE = ("provider-unavailable", 503, "Could not cancel now", "现在无法撤销")
    PROVIDER_UNKNOWN = ("provider-unknown", 422, "Unknown provider", "未知支付渠道")
    PROVIDERS_UNAVAILABLE = (
        "providers-unavailable",
        503,
        "Payment providers are down",
        "支付渠道均不可用",
    )
    WALLET_NOT_ANSWERING = (
        "providers-unavailable",
        503,
        "{wallet} is not answering",
        "{wallet} 没有响应",
    )
    REFUND_ABOVE_PAID = ("refund-above-paid", 422, "More than was paid", "超过已付金额")
    SHIFT_ALREADY_OPEN = ("shift-already-open", 409, "A shift is already open", "已有班次开着")
    SHIFT_CLOSED = ("shift-closed", 409, "This shift is closed", "此班次已关闭")
    SHIFT_NOT_FOUND = ("shift-not-found", 404, "No such shift", "没有该班次")
    SHIFT_NOT_OPEN = ("shift-not-open", 404, "No shift is open", "没有已开的班次")
    TENDERED_TOO_LITTLE = ("tendered-too-little", 422, "Not enough cash", "现金不足")
    TENDERED_TOO_MUCH = ("tendered-too-much", 422, "Check the cash handed over", "请核对收到的现金")
    WINDOW_INVALID = ("window-invalid", 422, "Empty window", "时间范围为空")
