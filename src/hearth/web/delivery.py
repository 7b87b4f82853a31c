"""The delivery manager page: incoming platform orders to accept or reject, orders held after
an outage to release, late cancellations to deal with, and the pacing state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.i18n import add_texts
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/delivery", "key": "dl.title"})

add_texts({
    "dl.title": {"zh": "外卖平台订单", "en": "Delivery platform orders"},
    "dl.sign_in_help": {"zh": "请用工号和 PIN 登录（本机需先在收银台登记）",
                        "en": "Sign in with your staff code and PIN (register this device on "
                              "the POS first)"},
    "dl.incoming": {"zh": "待接单", "en": "Waiting to accept"},
    "dl.held": {"zh": "断线后积压（待经理放单）", "en": "Held after an outage (manager releases)"},
    "dl.flagged": {"zh": "已开做后被平台取消", "en": "Cancelled by the platform after cooking"},
    "dl.recent": {"zh": "最近订单", "en": "Recent orders"},
    "dl.accept": {"zh": "接单", "en": "Accept"},
    "dl.reject": {"zh": "拒单", "en": "Reject"},
    "dl.release": {"zh": "放单到厨房", "en": "Release to kitchen"},
    "dl.clear": {"zh": "已处理", "en": "Dealt with"},
    "dl.reject_reason": {"zh": "拒单原因", "en": "Why reject?"},
    "dl.none": {"zh": "暂无", "en": "None"},
    "dl.accept_by": {"zh": "剩余", "en": "left"},
    "dl.price_mismatch": {"zh": "平台价格与本店不同", "en": "Platform price differs from ours"},
    "dl.quoted": {"zh": "预计出餐", "en": "Quoted"},
    "dl.minutes": {"zh": "分钟", "en": "min"},
    "dl.state.pending": {"zh": "待接单", "en": "pending"},
    "dl.state.held": {"zh": "积压", "en": "held"},
    "dl.state.accepted": {"zh": "已接单", "en": "accepted"},
    "dl.state.rejected": {"zh": "已拒单", "en": "rejected"},
    "dl.state.cancelled": {"zh": "已取消", "en": "cancelled"},
    "dl.done": {"zh": "已完成", "en": "Done"},
})


@router.get("/delivery", response_class=HTMLResponse)
def delivery_page(request: Request) -> HTMLResponse:
    return render(request, "delivery.html")
