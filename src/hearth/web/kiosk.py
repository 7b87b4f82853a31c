"""The self-service kiosk page: browse, choose, check out, pay by wallet QR, collect by number.

The screen is a registered terminal: a manager opens ``/kiosk?key=<terminal key>`` once (or
types the key on the set-up screen) and the key stays on the device.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.i18n import add_texts
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/kiosk", "key": "kiosk.title"})

add_texts({
    "kiosk.title": {"zh": "自助点餐机", "en": "Self-service kiosk"},
    "kiosk.setup": {"zh": "设置自助点餐机", "en": "Set up this kiosk"},
    "kiosk.setup_help": {"zh": "输入经理登记本机时得到的终端密钥（make demo 会打印）",
                         "en": "Enter the terminal key a manager registered for this kiosk "
                               "(make demo prints one)"},
    "kiosk.save": {"zh": "保存", "en": "Save"},
    "kiosk.welcome": {"zh": "欢迎光临", "en": "Welcome"},
    "kiosk.tap": {"zh": "点击屏幕开始点餐", "en": "Touch to start your order"},
    "kiosk.takeaway_note": {"zh": "自助点餐 · 打包带走", "en": "Order here · takeaway"},
    "kiosk.cart": {"zh": "我的订单", "en": "Your order"},
    "kiosk.cart_empty": {"zh": "请选择菜品", "en": "Choose something to start"},
    "kiosk.checkout": {"zh": "去结账", "en": "Checkout"},
    "kiosk.start_over": {"zh": "重新开始", "en": "Start over"},
    "kiosk.review": {"zh": "确认订单", "en": "Check your order"},
    "kiosk.pay_alipay": {"zh": "支付宝扫码支付", "en": "Pay with Alipay QR"},
    "kiosk.pay_wechat": {"zh": "微信扫码支付", "en": "Pay with WeChat QR"},
    "kiosk.pay_counter": {"zh": "到柜台付款", "en": "Pay at the counter"},
    "kiosk.back": {"zh": "返回", "en": "Back"},
    "kiosk.scan": {"zh": "请用手机扫码支付", "en": "Scan with your phone to pay"},
    "kiosk.waiting": {"zh": "等待支付…", "en": "Waiting for your payment…"},
    "kiosk.amount": {"zh": "应付", "en": "To pay"},
    "kiosk.number": {"zh": "取餐号", "en": "Your order number"},
    "kiosk.paid": {"zh": "支付成功！请留意叫号取餐", "en": "Paid! We'll call your number"},
    "kiosk.at_counter": {"zh": "请凭取餐号到柜台付款，付款后开始制作", "en":
                         "Please pay at the counter with this number; we start cooking "
                         "once it is paid"},
    "kiosk.done": {"zh": "完成", "en": "Done"},
    "kiosk.placing": {"zh": "正在下单…", "en": "Placing your order…"},
    "kiosk.failed": {"zh": "支付没有成功", "en": "The payment did not go through"},
    "kiosk.try_again": {"zh": "再试一次", "en": "Try again"},
    "kiosk.total": {"zh": "合计", "en": "Total"},
    "kiosk.items": {"zh": "件", "en": "items"},
    "kiosk.still_there": {"zh": "还在吗？即将返回首页", "en": "Still there? Starting over soon"},
    "kiosk.bad_key": {"zh": "本机未登记或密钥已作废，请找经理", "en":
                      "This kiosk is not registered or its key was revoked; ask a manager"},
})


@router.get("/kiosk", response_class=HTMLResponse)
def kiosk_page(request: Request) -> HTMLResponse:
    return render(request, "kiosk.html")
