"""The POS page: cashier at the till and waiter on a tablet, one page with two modes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.i18n import add_texts
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/pos", "key": "pos.title"})
PAGES.append({"href": "/pos?mode=waiter", "key": "pos.waiter"})

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
    "pos.fire": {"zh": "起菜", "en": "Fire course"},
    "pos.split_seat": {"zh": "按座位分单", "en": "Split by seat"},
    "pos.transfer": {"zh": "换桌", "en": "Move table"},
    "pos.discount": {"zh": "折扣", "en": "Discount"},
    "pos.bill": {"zh": "打印账单", "en": "Present bill"},
    "pos.void": {"zh": "退菜", "en": "Void"},
    "pos.remove": {"zh": "删除", "en": "Remove"},
    "pos.reason": {"zh": "原因", "en": "Reason"},
    "pos.manager_code": {"zh": "经理工号", "en": "Manager code"},
    "pos.manager_pin": {"zh": "经理 PIN", "en": "Manager PIN"},
    "pos.approval_note": {"zh": "已送厨房的菜需要经理授权", "en":
                          "Items the kitchen has need a manager's approval"},
    "pos.add": {"zh": "加入订单", "en": "Add to order"},
    "pos.qty": {"zh": "数量", "en": "Qty"},
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
    "pos.percent": {"zh": "百分比 %", "en": "Percent %"},
    "pos.amount": {"zh": "金额 ¥", "en": "Amount ¥"},
    "pos.choose": {"zh": "请选择", "en": "Choose"},
    "state.pending": {"zh": "未送", "en": "not sent"},
    "state.sent": {"zh": "已送", "en": "sent"},
    "state.voided": {"zh": "已退", "en": "voided"},
    "table.free": {"zh": "空闲", "en": "free"},
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
})


@router.get("/pos", response_class=HTMLResponse)
def pos_page(request: Request) -> HTMLResponse:
    mode = "waiter" if request.query_params.get("mode") == "waiter" else "cashier"
    return render(request, "pos.html", mode=mode)
