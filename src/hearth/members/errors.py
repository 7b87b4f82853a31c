"""Every refusal the members module gives: profiles, the ledger, stored value, coupons."""

from hearth.core.errors import ErrorCode


class MembersError(ErrorCode):
    ALLOWANCE_EXCEEDED = (
        "member-allowance-exceeded",
        409,
        "Over the offline allowance",
        "超出离线额度",
    )
    BALANCE_TOO_LOW = ("member-balance-too-low", 409, "Not enough stored value", "储值余额不足")
    CODE_INVALID = ("member-code-invalid", 422, "Wrong or expired code", "验证码错误或已过期")
    CODE_TOO_SOON = ("member-code-too-soon", 429, "A code was just sent", "验证码刚刚已发送")
    COUPON_EXPIRED = ("coupon-expired", 409, "The coupon has expired", "优惠券已过期")
    COUPON_NOT_FOUND = ("coupon-not-found", 404, "No such coupon", "没有该优惠券")
    COUPON_NOT_USABLE = ("coupon-not-usable", 409, "The coupon cannot be used", "优惠券不可用")
    COUPON_TEMPLATE_INVALID = (
        "coupon-template-invalid",
        422,
        "Check the coupon template",
        "请检查优惠券模板",
    )
    COUPON_TEMPLATE_NOT_FOUND = (
        "coupon-template-not-found",
        404,
        "No such coupon template",
        "没有该优惠券模板",
    )
    IMPORT_INVALID = ("member-import-invalid", 422, "The file has errors", "文件有错误")
    MEMBER_GONE = ("member-gone", 409, "Member merged or erased", "会员已合并或已删除")
    MEMBER_NOT_FOUND = ("member-not-found", 404, "No such member", "没有该会员")
    MERGE_INVALID = ("member-merge-invalid", 409, "Cannot merge these", "无法合并")
    ORDER_ALREADY_EARNED = (
        "order-already-earned",
        409,
        "This order earned for another member",
        "该订单已为其他会员积分",
    )
    ORDER_NOT_FOUND = ("order-not-found", 404, "No such order", "没有该订单")
    ORDER_NOT_PAID = ("order-not-paid", 409, "The order is not paid", "订单尚未结账")
    PERMISSION_DENIED = (
        "permission-denied",
        403,
        "Not allowed for your role",
        "您的角色无权执行此操作",
    )
    PHONE_INVALID = ("phone-invalid", 422, "Not a phone number", "手机号码无效")
    PHONE_TAKEN = ("phone-taken", 409, "A member has this phone", "该手机号已是会员")
    POINTS_TOO_LOW = ("points-too-low", 409, "Not enough points", "积分不足")
    RULE_INVALID = ("member-rule-invalid", 422, "Check the rule", "请检查规则")
    SPLIT_INVALID = ("member-split-invalid", 422, "Check the split", "请检查分摊")
    TIER_UNKNOWN = ("tier-unknown", 422, "Unknown tier", "未知等级")
