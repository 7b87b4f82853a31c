"""Plain words for the cashier's screen, in Chinese and English, for each thing that happens."""

from __future__ import annotations

PROVIDER_NAMES = {
    "alipay": ("支付宝", "Alipay"),
    "wechat": ("微信支付", "WeChat Pay"),
    "card": ("银行卡", "Card"),
}
TENDER_NAMES = {
    "cash": ("现金", "cash"),
    "stored_value": ("储值卡", "stored value"),
    "wallet_scan": ("扫码枪收款", "scan the customer's code"),
    "wallet_qr": ("顾客扫码", "customer scans our QR"),
    "card": ("刷卡", "card"),
    "platform": ("平台预付", "prepaid on platform"),
}


def pname(name: str | None) -> tuple[str, str]:
    return PROVIDER_NAMES.get(name or "", (name or "", name or ""))


def text(
    key: str,
    provider: str | None = None,
    backup: str | None = None,
    amount: int = 0,
    detail: str = "",
) -> tuple[str, str]:
    pz, pe = pname(provider)
    bz, be = pname(backup)
    yuan = f"{amount // 100}.{amount % 100:02d}"
    # The provider's own words, kept short enough for the 300-character message columns.
    said = f"（{detail[:120]}）" if detail else ""
    said_en = f" ({detail[:120]})" if detail else ""
    words = {
        "cash": (f"现金收讫，找零 {yuan} 元", f"Cash taken; change due {yuan}"),
        "stored_value": ("储值卡扣款成功", "Paid from stored value"),
        "platform": ("平台已预付，已记账", "Prepaid on the platform; recorded"),
        "succeeded": (f"{pz}收款成功", f"Paid by {pe}"),
        "pending": (f"等待顾客在{pz}确认", f"Waiting for the customer to confirm in {pe}"),
        "qr": (f"请顾客用{pz}扫码付款", f"Ask the customer to scan with {pe}"),
        "declined": (
            f"{pz}拒绝了这笔付款，请换一种方式",
            f"{pe} declined; ask for another way to pay",
        ),
        "invalid": (
            f"{pz}不接受这笔请求（付款码有误？）",
            f"{pe} refused the request (wrong payment code?)",
        ),
        "unknown": (
            f"{pz}没有及时答复，系统正在核实，请勿重复收款",
            f"{pe} did not answer in time; we are checking with it. Do not charge again.",
        ),
        "down": (f"{pz}连接不上（未扣款）", f"{pe} could not be reached (nothing charged)"),
        "switched": (
            f"{pz}没有响应，已自动改用{bz}",
            f"{pe} did not answer; switched to {be} automatically",
        ),
        "switched_open": (
            f"{pz}暂时不可用，已直接使用{bz}",
            f"{pe} is down for now; used {be} directly",
        ),
        "suggest": (f"{pz}没有响应，可改用{bz}", f"{pe} did not answer; you can use {be} instead"),
        "switch_qr": (
            f"{pz}暂时连不上，{pz}付款码只能由{pz}收款。请换一种方式：出示我们的收款码"
            "（任何钱包都能扫），或刷卡、收现金",
            f"{pe} is not answering, and a {pe} payment code can only be paid "
            f"through {pe}. Switch method: show our QR (any wallet can scan it), "
            "or take card or cash",
        ),
        "switch_card": (
            f"{pz}暂时连不上，{pz}付款码只能由{pz}收款。请换一种方式：刷卡或收现金",
            f"{pe} is not answering, and a {pe} payment code can only be paid "
            f"through {pe}. Switch method: take card or cash",
        ),
        "wallet_not_here": (
            f"本店没有开通{pz}付款码收款：请出示我们的收款码（任何钱包都能扫），或刷卡、收现金",
            f"{pe} payment codes are not taken here: show our QR (any wallet "
            "can scan it), or take card or cash",
        ),
        "offline": (
            "网络中断：已离线收款，恢复后自动上传",
            "Line is down: accepted offline, it will be sent when the line is back",
        ),
        "declined_later": (
            f"离线收的这笔款被{pz}拒绝{said}，钱没有收到：账单重新显示待收，请经理联系顾客补付",
            f"{pe} declined this payment taken offline{said_en}; nothing was "
            "collected. The bill shows it due again: a manager must follow up "
            "with the customer",
        ),
        "offline_too_old": (
            "离线付款超过时限，未能上传，钱没有收到：账单重新显示待收，请经理跟进",
            "Offline payment too old to send; nothing was collected. The bill "
            "shows it due again: a manager must follow up",
        ),
        "all_down": (
            "所有支付通道都不可用，请收现金或储值卡",
            "Every payment provider is down; take cash or stored value",
        ),
        "no_provider": ("这个收款方式还没有配置支付通道", "No provider is set up for this tender"),
        "reverse_refused": (
            f"{pz}拒绝撤销这笔付款{said}：钱可能还在{pz}，已标记，请经理与{pz}核实",
            f"{pe} refused to cancel this payment{said_en}; it may still hold "
            f"the money. Flagged for a manager to check with {pe}",
        ),
        "reversed": ("这笔付款已撤销，钱已退回顾客", "This payment was reversed; nothing kept"),
        "failed": ("付款未成功", "Payment did not go through"),
        "refunded": (f"已退款 {yuan} 元", f"Refunded {yuan}"),
        "refund_pending": ("退款已提交，等待通道确认", "Refund sent; waiting for the provider"),
        "refund_failed": ("退款未成功，请联系支付通道", "Refund failed; contact the provider"),
    }
    return words[key]
