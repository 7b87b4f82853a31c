"""The POS page: cashier at the till and waiter on a tablet, one page with two modes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from hearth.channels.kiosk.service import qr_svg
from hearth.core.api import NodeDep, current_staff, unauthorized
from hearth.core.errors import CoreError
from hearth.core.journal import Event
from hearth.core.livefeed import parse_last_id
from hearth.core.permissions import Permission, allowed
from hearth.web.i18n import add_texts
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/pos", "key": "pos.title"})
PAGES.append({"href": "/pos?mode=waiter", "key": "pos.waiter"})

# HQ sync on the POS and admin pages (static/sync.js).
add_texts({
    "sync.banner": {"zh": "总部连接中断 · {since} 起 · {n} 条待同步 · 点单和收款照常",
                    "en": "HQ unreachable since {since} · {n} events waiting · ordering and "
                          "payments carry on"},
    "sync.now": {"zh": "立即同步", "en": "Sync now"},
    "sync.done": {"zh": "总部已收到全部记录", "en": "HQ holds every event"},
    "sync.still": {"zh": "还有 {n} 条待同步，稍后自动重试", "en": "{n} events still waiting; "
                   "retrying by itself"},
    "sync.section": {"zh": "总部同步", "en": "HQ sync"},
    "sync.not_enrolled": {"zh": "本店尚未加入总部。", "en": "This store has not joined an HQ."},
    "sync.hq_url": {"zh": "总部地址", "en": "HQ address"},
    "sync.store_id": {"zh": "门店编号", "en": "Store id"},
    "sync.reachable": {"zh": "总部连接", "en": "HQ reachable"},
    "sync.yes": {"zh": "正常", "en": "yes"},
    "sync.no": {"zh": "中断", "en": "no"},
    "sync.waiting": {"zh": "待同步", "en": "Events waiting"},
    "sync.acked": {"zh": "总部已收（序号）", "en": "HQ holds up to seq"},
    "sync.last_ok": {"zh": "上次成功", "en": "Last success"},
    "sync.catalogue": {"zh": "菜单版本", "en": "Catalogue version"},
    "sync.join": {"zh": "加入总部", "en": "Join an HQ"},
    "sync.join_help": {"zh": "填入总部地址和总部给的一次性加入码。",
                       "en": "Enter HQ's address and the one-time code HQ gave for this store."},
    "sync.code": {"zh": "加入码", "en": "Enrolment code"},
    "sync.enrol": {"zh": "加入", "en": "Join"},
    "sync.enrolled": {"zh": "已加入总部", "en": "Joined HQ"},
    "admin.tab.hq": {"zh": "总部", "en": "HQ"},
})

add_texts({
    "pos.title": {"zh": "收银台 POS", "en": "POS cashier"},
    "pos.waiter": {"zh": "服务员平板", "en": "Waiter tablet"},
    "pos.register": {"zh": "登记本机", "en": "Register this till"},
    "pos.register_help": {"zh": "输入经理给的终端密钥（make demo 会打印）",
                          "en": "Enter the terminal key a manager gave you (make demo prints one)"},
    "pos.staff_code": {"zh": "工号", "en": "Staff code"},
    "pos.pin": {"zh": "密码 PIN", "en": "PIN"},
    "pos.sign_in": {"zh": "登录", "en": "Sign in"},
    "pos.sign_out": {"zh": "退出", "en": "Sign out"},
    "pos.floor": {"zh": "桌台", "en": "Floor"},
    "pos.takeaway": {"zh": "外带", "en": "Takeaway"},
    "pos.search": {"zh": "搜索菜品（拼音首字母，如 gbjd）", "en": "Search (name or pinyin: gbjd)"},
    "pos.all": {"zh": "全部", "en": "All"},
    "pos.order": {"zh": "订单", "en": "Order"},
    "pos.send": {"zh": "送厨房", "en": "Send to kitchen"},
    # Table sessions: diners' phones order only at a seated table; some of their sends wait here.
    "pos.seat_table": {"zh": "开台（扫码点餐）", "en": "Seat (phones may order)"},
    "pos.clear_table": {"zh": "清台", "en": "Clear table"},
    "pos.seated_ok": {"zh": "已开台，客人可以扫码点餐", "en": "Seated; guests can order by phone"},
    "pos.confirm_send": {"zh": "确认顾客下单", "en": "Confirm guests' order"},
    "pos.confirmed_ok": {"zh": "已确认，送厨房", "en": "Confirmed; sent to the kitchen"},
    "pos.held": {"zh": "待确认", "en": "to confirm"},
    "pos.fire": {"zh": "起菜", "en": "Fire course"},
    "pos.split_seat": {"zh": "按座位分单", "en": "Split by seat"},
    "pos.transfer": {"zh": "换桌", "en": "Move table"},
    "pos.transfer_merge": {"zh": "有客的桌：并到该桌的单",
                           "en": "Occupied tables: merge into their bill"},
    "pos.merge": {"zh": "并单", "en": "Merge"},
    "pos.merge_help": {"zh": "把本单的菜全部并到所选的桌或单上，本单随即关闭",
                       "en": "Move every line of this bill onto the chosen table or order; "
                             "this bill then closes"},
    "pos.merge_none": {"zh": "没有其他未结的单可以并", "en": "No other open bill to merge with"},
    "pos.merge_ok": {"zh": "已并入", "en": "Merged into"},
    "pos.split_lines": {"zh": "按菜分单", "en": "Split items"},
    "pos.split_help": {"zh": "勾选要分到新账单的菜（原单至少留一道）",
                       "en": "Tick the lines that go to a new bill (leave at least one here)"},
    "pos.split_go": {"zh": "分到新单", "en": "Move to a new bill"},
    "pos.split_ok": {"zh": "新账单", "en": "New bill"},
    "pos.choose_bill": {"zh": "这桌有几张账单，打开哪一张？",
                        "en": "This table has several bills: which one?"},
    "pos.split_pick": {"zh": "请至少勾选一道菜", "en": "Tick at least one line"},
    "pos.discount": {"zh": "折扣", "en": "Discount"},
    "pos.line_discount": {"zh": "折", "en": "Disc."},
    "pos.bill": {"zh": "打印账单", "en": "Present bill"},
    "pos.void": {"zh": "退菜", "en": "Void"},
    "pos.remove": {"zh": "删除", "en": "Remove"},
    "pos.reason": {"zh": "原因", "en": "Reason"},
    "pos.manager_code": {"zh": "经理工号", "en": "Manager code"},
    "pos.manager_pin": {"zh": "经理 PIN", "en": "Manager PIN"},
    "pos.approval_note": {"zh": "已送厨房的菜需要经理授权", "en":
                          "Items the kitchen has need a manager's approval"},
    "pos.add": {"zh": "加入订单", "en": "Add to order"},
    "pos.seat": {"zh": "座位", "en": "Seat"},
    "pos.course": {"zh": "上菜顺序", "en": "Course"},
    "pos.hold": {"zh": "暂不起菜", "en": "Hold"},
    "pos.note": {"zh": "备注（如少油）", "en": "Note (e.g. less oil)"},
    "pos.cancel": {"zh": "取消", "en": "Cancel"},
    "pos.confirm": {"zh": "确定", "en": "Confirm"},
    "pos.subtotal": {"zh": "小计", "en": "Subtotal"},
    "pos.discounts": {"zh": "优惠", "en": "Discounts"},
    "pos.service": {"zh": "服务费", "en": "Service"},
    "pos.total": {"zh": "合计", "en": "Total"},
    "pos.empty": {"zh": "还没有点菜", "en": "Nothing ordered yet"},
    "pos.sent_ok": {"zh": "已送厨房", "en": "Sent to the kitchen"},
    "pos.waiter_calls": {"zh": "呼叫服务", "en": "Calls"},
    "pos.calls_ack": {"zh": "点此标为已看", "en": "tap when seen"},
    "pos.left": {"zh": "剩 {n} 份", "en": "{n} left"},
    "pos.percent": {"zh": "百分比 %", "en": "Percent %"},
    "pos.amount": {"zh": "金额 ¥", "en": "Amount ¥"},
    "pos.choose": {"zh": "请选择", "en": "Choose"},
    "state.pending": {"zh": "未送", "en": "not sent"},
    "state.sent": {"zh": "已送", "en": "sent"},
    "state.voided": {"zh": "已退", "en": "voided"},
    "table.free": {"zh": "空闲", "en": "free"},
    "table.seated": {"zh": "已开台", "en": "seated"},
    "table.ordering": {"zh": "点菜中", "en": "ordering"},
    "table.waiting": {"zh": "等上菜", "en": "waiting"},
    "table.eating": {"zh": "用餐中", "en": "eating"},
    "table.paying": {"zh": "待结账", "en": "paying"},
    "table.to_clean": {"zh": "待清台", "en": "to clean"},
    "order.open": {"zh": "点菜中", "en": "open"},
    "order.submitted": {"zh": "已下单", "en": "received"},
    "order.preparing": {"zh": "制作中", "en": "preparing"},
    "order.ready": {"zh": "已出餐", "en": "ready"},
    "order.served": {"zh": "已上齐", "en": "served"},
    "order.paid": {"zh": "已结账", "en": "paid"},
    "order.closed": {"zh": "已完成", "en": "closed"},
    "order.voided": {"zh": "已作废", "en": "voided"},
    "order.cancelled": {"zh": "已取消", "en": "cancelled"},
    "order.merged": {"zh": "已并单", "en": "merged"},
    "pos.clean": {"zh": "清台完成", "en": "Table cleaned"},
    "pos.minutes": {"zh": "分钟", "en": "min"},
    "pos.seats": {"zh": "座", "en": "seats"},
    "pay.open": {"zh": "结账 / Pay", "en": "Pay / 结账"},
    "pay.title": {"zh": "结账", "en": "Checkout"},
    "pay.total": {"zh": "应收", "en": "Total"},
    "pay.paid": {"zh": "已收", "en": "Paid"},
    "pay.due": {"zh": "待收", "en": "Due"},
    "pay.amount": {"zh": "本次收款 ¥", "en": "This payment ¥"},
    "pay.tip": {"zh": "小费 ¥", "en": "Tip ¥"},
    "pay.cash": {"zh": "现金", "en": "Cash"},
    "pay.stored_value": {"zh": "储值卡", "en": "Stored value"},
    "pay.wallet_scan": {"zh": "扫顾客付款码", "en": "Scan customer code"},
    "pay.wallet_qr": {"zh": "顾客扫码", "en": "Customer scans QR"},
    "pay.card": {"zh": "银行卡", "en": "Card"},
    "pay.platform": {"zh": "平台已付", "en": "Platform prepaid"},
    "pay.tendered": {"zh": "实收现金 ¥", "en": "Cash handed over ¥"},
    "pay.change": {"zh": "找零", "en": "Change due"},
    "pay.exact": {"zh": "正好", "en": "Exact"},
    "pay.take": {"zh": "收款", "en": "Take payment"},
    "pay.auth_code": {"zh": "扫描或输入顾客付款码", "en": "Scan or type the customer's code"},
    "pay.code_says": {"zh": "付款码本身决定是支付宝还是微信支付",
                      "en": "The code itself says whether it is Alipay or WeChat Pay"},
    "pay.code_alipay": {"zh": "支付宝付款码", "en": "Alipay payment code"},
    "pay.code_wechat": {"zh": "微信支付付款码", "en": "WeChat Pay payment code"},
    "pay.code_unknown": {"zh": "不是支付宝或微信付款码，请顾客刷新后重扫",
                         "en": "Not an Alipay or WeChat Pay code: ask the customer to refresh it"},
    "pay.alipay": {"zh": "支付宝", "en": "Alipay"},
    "pay.wechat": {"zh": "微信支付", "en": "WeChat Pay"},
    "pay.show_qr": {"zh": "请顾客扫码", "en": "Ask the customer to scan"},
    "pay.waiting": {"zh": "等待顾客支付…", "en": "Waiting for the customer…"},
    "pay.done": {"zh": "已结清", "en": "Paid in full"},
    "pay.receipt": {"zh": "打印小票", "en": "Print receipt"},
    "pay.receipt_ok": {"zh": "小票已发送到打印机", "en": "Receipt sent to the printer"},
    "pay.close": {"zh": "完成", "en": "Done"},
    "pay.use_fallback": {"zh": "改用", "en": "Use"},
    "pay.payments": {"zh": "收款记录", "en": "Payments"},
    "pay.shift": {"zh": "班次/钱箱", "en": "Shift / drawer"},
    "pay.shift_open": {"zh": "开班（备用金 ¥）", "en": "Open shift (float ¥)"},
    "pay.shift_close": {"zh": "交班（清点现金 ¥）", "en": "Close shift (counted cash ¥)"},
    "pay.shift_expected": {"zh": "钱箱应有", "en": "Expected in drawer"},
    "pay.no_shift": {"zh": "没有开班", "en": "No shift open"},
    "pay.st.succeeded": {"zh": "成功", "en": "succeeded"},
    "pay.st.pending": {"zh": "处理中", "en": "pending"},
    "pay.st.failed": {"zh": "失败", "en": "failed"},
    "pay.st.unknown": {"zh": "待确认", "en": "checking"},
    "pay.st.refunded": {"zh": "已退款", "en": "refunded"},
    "pay.st.reversed": {"zh": "已撤销", "en": "reversed"},
    "pay.st.created": {"zh": "已创建", "en": "created"},
    "pay.st.declined_later": {"zh": "离线款被拒，未收到", "en": "declined later, not collected"},
    "pay.st.needs_attention": {"zh": "待经理核实", "en": "a manager must check"},
    "pay.refund": {"zh": "退款 / Refund", "en": "Refund / 退款"},
    "pay.refund_title": {"zh": "退款", "en": "Refund"},
    "pay.refund_left": {"zh": "最多可退", "en": "At most"},
    "pay.refund_amount": {"zh": "退款金额 ¥（可部分退）",
                          "en": "Amount to refund ¥ (part is fine)"},
    "pay.refund_approval": {"zh": "退款需要经理输入工号和 PIN 授权",
                            "en": "A manager approves with their code and PIN"},
    "pay.refund_do": {"zh": "确认退款", "en": "Refund"},
    "pay.collect": {"zh": "应收现金", "en": "Cash to collect"},
    "pay.rounding": {"zh": "抹零", "en": "rounding"},
    "pay.cancel_qr": {"zh": "取消 / Cancel", "en": "Cancel / 取消"},
    "pay.sv_find": {"zh": "会员手机号或卡号", "en": "Member's phone or account number"},
    "pay.sv_search": {"zh": "查找", "en": "Find"},
    "pay.sv_none": {"zh": "没有找到这个会员", "en": "No member found"},
    "pay.sv_balance": {"zh": "余额", "en": "balance"},
    "pay.sv_short": {"zh": "余额不足", "en": "not enough on the card"},
    "pay.sv_pick": {"zh": "请先查找会员的储值账户", "en": "Find the member's account first"},
    "pay.sv_no": {"zh": "卡号", "en": "No."},
    "pay.cash_moves": {"zh": "钱箱存取", "en": "Pay in / pay out"},
    "pay.move_amount": {"zh": "金额 ¥", "en": "Amount ¥"},
    "pay.pay_in": {"zh": "存入钱箱", "en": "Pay in"},
    "pay.pay_out": {"zh": "从钱箱取出", "en": "Pay out"},
    "pay.moved_in": {"zh": "已存入", "en": "Paid in"},
    "pay.moved_out": {"zh": "已取出", "en": "Paid out"},
    "pay.shift_closed": {"zh": "已交班", "en": "Shift closed"},
    "pay.shift_counted": {"zh": "清点现金", "en": "Counted"},
    "pay.shift_difference": {"zh": "差额", "en": "Difference"},
    "pay.shift_over": {"zh": "长款：钱箱比应有的多", "en": "Over: more cash than expected"},
    "pay.shift_short": {"zh": "短款：钱箱比应有的少", "en": "Short: less cash than expected"},
    "pay.shift_even": {"zh": "账实相符", "en": "Even: the drawer matches"},
    "pay.shift_opened": {"zh": "已开班", "en": "Shift opened"},
    "pay.amount_needed": {"zh": "请输入金额", "en": "Enter an amount"},
    "pay.reason_needed": {"zh": "请填写原因", "en": "Give a reason"},
    "pay.unavailable": {"zh": "收款服务暂不可用", "en": "Payments are not available right now"},
    "pay.takeaway_due": {"zh": "待付款的外带/自助单", "en": "Takeaway and kiosk orders to pay"},
    "pos.show_receipt": {"zh": "查看小票", "en": "Show receipt"},
    "rc.title": {"zh": "小票", "en": "Receipt"},
    "rc.paid_by": {"zh": "付款方式", "en": "Paid by"},
    "rc.tip": {"zh": "小费", "en": "tip"},
    "rc.tendered": {"zh": "实收", "en": "handed over"},
    "rc.change": {"zh": "找零", "en": "Change"},
    "rc.paid_total": {"zh": "实付合计", "en": "Total paid"},
    "rc.refunded": {"zh": "已退", "en": "refunded"},
    "rc.offline": {"zh": "离线待补发", "en": "queued offline"},
    "rc.rounding": {"zh": "抹零", "en": "Rounding"},
    "pacing.title": {"zh": "外卖节奏", "en": "Delivery pacing"},
    "pacing.held": {"zh": "{n} 单外卖待放行（断网后补来的单）",
                    "en": "{n} platform orders held after an outage — release on the Delivery "
                          "page"},
    "pacing.pending": {"zh": "{n} 单外卖待接单",
                       "en": "{n} platform orders waiting to be accepted"},
    "pacing.open": {"zh": "去外卖页处理 →", "en": "Open the Delivery page →"},
    # The standing status banner: what is unreachable, and what still works.
    "provider.alipay": {"zh": "支付宝", "en": "Alipay"},
    "provider.wechat": {"zh": "微信支付", "en": "WeChat Pay"},
    "provider.card": {"zh": "银行卡", "en": "card payments"},
    "status.cash": {"zh": "现金", "en": "cash"},
    "status.stored_value": {"zh": "储值", "en": "stored value"},
    "status.and": {"zh": "、", "en": " and "},
    "status.down_one": {"zh": "{down}暂不可用：{ok}照常可用",
                        "en": "{down} is unreachable: {ok} still work"},
    "status.down_many": {"zh": "{down}暂不可用：{ok}照常可用",
                         "en": "{down} are unreachable: {ok} still work"},
    "status.all_down": {"zh": "{down}都连不上：扫码和刷卡收款在限额内先记下，联网后自动补发；"
                              "{ok}照常可用",
                        "en": "{down} are all unreachable: card and wallet payments are queued "
                              "within the offline limits and sent when the connection is back; "
                              "{ok} still work"},
})


@router.get("/pos/qr.svg", include_in_schema=False)
def pos_qr(data: Annotated[str, Query(min_length=1, max_length=512)]) -> Response:
    """A payment QR code drawn on the store node: the till shows it with no internet access."""
    return Response(qr_svg(data), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@router.get("/pos", response_class=HTMLResponse)
def pos_page(request: Request) -> HTMLResponse:
    mode = "waiter" if request.query_params.get("mode") == "waiter" else "cashier"
    return render(request, "pos.html", mode=mode)


# -- the POS's live feed ---------------------------------------------------------------------
# What a till redraws when the journal moves: the floor (tables, seated guests, held diner
# sends), the open bill, waiter calls, payments (and the providers' banner), the menu (86'd
# dishes, prices from HQ) and the delivery banner.
_TOPIC_OF_STREAM = {"order": "order", "ticket": "ticket", "table": "floor", "area": "floor",
                    "payment": "payment", "payments": "payment", "menu": "menu",
                    "catalogue": "menu", "delivery": "delivery"}


def pos_topic(ev: Event) -> str | None:
    """The part of the POS an event changes, or None for one the till does not show."""
    if ev.type == "WaiterCalled":
        return "calls"
    return _TOPIC_OF_STREAM.get(ev.stream.split(":", 1)[0])


def pos_nudge(ev: Event) -> dict[str, Any]:
    """Only what changed, not the event: the till reads it through the guarded API. ``id`` is
    the order an order or ticket event belongs to, so a till redraws the bill it has open."""
    topic = pos_topic(ev)
    order_id = (ev.stream.split(":", 1)[1] if topic == "order" else
                ev.payload.get("order_id") if topic == "ticket" else None)
    return {"seq": ev.seq, "type": ev.type, "topic": topic, "order_id": order_id}


@router.get("/pos/events")
async def pos_events(node: NodeDep,
                     access_token: Annotated[str | None, Query(max_length=2000)] = None,
                     authorization: Annotated[str | None, Header()] = None,
                     last_event_id: Annotated[str | None, Header(alias="Last-Event-ID",
                                                                 max_length=20)] = None
                     ) -> StreamingResponse:
    """The POS kept live by Server-Sent Events instead of polling timers. The staff token
    comes as ``?access_token=`` because a browser's EventSource cannot send a header; it is
    checked like any API call (expiry, a deactivated staff member, a revoked till). A till
    that reconnects sends ``Last-Event-ID`` and gets what it missed from the journal."""
    if not authorization and access_token:
        authorization = f"Bearer {access_token}"
    if not authorization:
        raise unauthorized("Sign in with your staff code and PIN to do this.")
    staff = await current_staff(node, authorization)
    if not allowed(staff.role, Permission.ORDER_READ):
        raise CoreError.PERMISSION_DENIED.problem(
            f"A {staff.role.value} cannot do this ({Permission.ORDER_READ.value}).")
    stream = node.livefeed.stream(lambda ev: pos_topic(ev) is not None,
                                  parse_last_id(last_event_id, None), pos_nudge)
    return StreamingResponse(_unnamed(stream), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


_EVENT_NAME = re.compile(r"^event: [^\n]*\n", re.MULTILINE)


async def _unnamed(stream: AsyncIterator[str]) -> AsyncIterator[str]:
    """Every message as a plain ``message``: the till decides by ``topic``, so it need not
    subscribe to each event type by name (an SSE ``event:`` line hides a message from
    ``onmessage``)."""
    async for chunk in stream:
        yield _EVENT_NAME.sub("", chunk, count=1)
