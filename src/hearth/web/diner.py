"""The diner page: a phone at a table, opened from the table's QR code (``/t/<token>``).

The page is served for any token; the token is checked by every API call the page makes, so a
stale or forged code gets the same clear "scan the code on your table again" message whether
the phone loads the page or has had it open all evening when the code is rotated.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from hearth.channels.qr import service as qr
from hearth.core.api import NodeDep
from hearth.core.journal import Event
from hearth.web.i18n import add_texts
from hearth.web.pages import render

router = APIRouter(include_in_schema=False)

add_texts({
    "diner.title": {"zh": "扫码点餐", "en": "Order at your table"},
    "diner.table": {"zh": "桌号", "en": "Table"},
    "diner.menu": {"zh": "菜单", "en": "Menu"},
    "diner.cart": {"zh": "购物车", "en": "My cart"},
    "diner.cart_empty": {"zh": "购物车是空的", "en": "Your cart is empty"},
    "diner.add": {"zh": "加入购物车", "en": "Add to cart"},
    "diner.add_to_table": {"zh": "加入本桌订单", "en": "Add to the table's order"},
    "diner.added": {"zh": "已加入本桌订单，大家都能看到", "en":
                    "Added to the table's order; everyone at the table sees it"},
    "diner.table_order": {"zh": "本桌订单（同桌共享）", "en": "Table order (shared)"},
    "diner.table_order_short": {"zh": "本桌订单 ↓", "en": "Table order ↓"},
    "diner.nothing_yet": {"zh": "本桌还没有点菜", "en": "Nothing ordered at this table yet"},
    "diner.send": {"zh": "下单，送厨房", "en": "Send to the kitchen"},
    "diner.sent": {"zh": "已下单，厨房开始准备", "en": "Sent; the kitchen has your order"},
    "diner.call": {"zh": "呼叫服务员", "en": "Call a waiter"},
    "diner.called": {"zh": "服务员马上就来", "en": "A waiter is on the way"},
    "diner.bill": {"zh": "请求结账", "en": "Ask for the bill"},
    "diner.bill_asked": {"zh": "已通知服务员结账", "en": "We let the staff know you want the bill"},
    "diner.note": {"zh": "备注（如少辣）", "en": "Note (e.g. less spicy)"},
    "diner.remove": {"zh": "删除", "en": "Remove"},
    "diner.cancel": {"zh": "取消", "en": "Cancel"},
    "diner.total": {"zh": "合计", "en": "Total"},
    "diner.pending": {"zh": "未下单", "en": "not sent yet"},
    "diner.sent_state": {"zh": "已下单", "en": "sent"},
    "diner.voided": {"zh": "已退", "en": "cancelled"},
    "diner.status": {"zh": "订单状态", "en": "Order status"},
    "diner.sold_out_now": {"zh": "刚刚售罄，已从菜单移除", "en":
                           "Just sold out; removed from the menu"},
    "diner.rescan_title": {"zh": "请重新扫码", "en": "Please scan again"},
    "diner.expired": {"zh": "这张桌码已更换。请扫描桌上的新二维码，或请服务员帮忙。",
                      "en": "This table's code was replaced. Scan the new QR code on your "
                            "table, or ask a waiter."},
    "diner.invalid": {"zh": "这个二维码无效。请扫描您桌上的二维码，或请服务员帮忙。",
                      "en": "This QR code is not valid. Scan the code on your own table, or "
                            "ask a waiter."},
    "diner.closed_title": {"zh": "本桌暂未开台", "en": "This table is closed"},
    "diner.closed": {"zh": "请请服务员为您安排座位，然后重新扫码。",
                     "en": "Ask a waiter to seat you, then scan again."},
    "diner.waiting": {"zh": "已提交，等待服务员确认后送厨房", "en":
                      "Sent; waiting for a member of staff to confirm it for the kitchen"},
    "diner.err.quantity-over-limit": {"zh": "一道菜一次点得太多了，请找服务员", "en":
                                      "Too many of one dish at once; ask a waiter"},
    "diner.err.order-over-limit": {"zh": "本桌订单的份数已达上限，请找服务员", "en":
                                   "This order holds as many dishes as it may; ask a waiter"},
    "diner.err.too-many-changes": {"zh": "操作太频繁了，请稍等一分钟再试", "en":
                                   "Too many changes at once; wait a minute and try again"},
    "diner.guests": {"zh": "就餐人数", "en": "Guests"},
    # The admin's settings for QR ordering (the settings tab), kept with the rest of QR's words.
    "admin.qr_self_seating": {"zh": "允许顾客扫码自行开台（首次下单需服务员确认）", "en":
                              "Guests may seat themselves by scanning (their first order "
                              "waits for staff)"},
    "admin.qr_max_per_line": {"zh": "扫码点餐：每道菜最多份数", "en":
                              "QR ordering: most portions of one dish"},
    "admin.qr_max_per_order": {"zh": "扫码点餐：每单最多份数", "en":
                               "QR ordering: most portions on one order"},
    "admin.qr_changes_per_minute": {"zh": "扫码点餐：每桌每分钟最多操作次数", "en":
                                    "QR ordering: most changes per table per minute"},
    "admin.qr_confirm_above": {"zh": "扫码订单超过此金额（元）需服务员确认（0 为不需要）", "en":
                               "QR orders above this amount (yuan) wait for staff (0: never)"},
    "diner.live": {"zh": "同桌的菜会自动出现", "en": "Items from others at the table appear here"},
    "diner.no_picture": {"zh": "暂无图片", "en": "no picture"},
    "diner.err.item-sold-out": {"zh": "这道菜刚刚售罄", "en": "That dish just sold out"},
    "diner.err.line-not-found": {"zh": "这道菜已经被同桌删除了", "en":
                                 "Someone at the table already removed that"},
    "diner.err.no-order-at-table": {"zh": "本桌还没有点菜", "en": "Nothing ordered yet"},
    "diner.err.nothing-to-send": {"zh": "没有需要下单的菜", "en": "Nothing new to send"},
    "diner.err.line-already-sent": {"zh": "已经下单，不能删除；请找服务员", "en":
                                    "Already sent to the kitchen; ask a waiter"},
    "diner.err.bill-already-requested": {"zh": "已经请求过结账了", "en":
                                         "The bill is already on its way"},
    "diner.err.offline": {"zh": "网络断开了，正在重试…", "en": "No connection; retrying…"},
})


# The menu module's events that can change what a diner may order: an item 86'd, back, counted
# down to none by another table's order, edited, added, taken off the menu. The page is handed
# this list; diner.js reloads the menu on any of them. Its slow poll stays as a safety net, e.g.
# for an item whose sold-out time runs out, which no event marks.
MENU_EVENTS = frozenset({
    "ItemSoldOut", "ItemBackInStock", "ItemRemainingSet", "ItemStockTaken", "ItemUpdated",
    "ItemCreated", "ItemImageUploaded", "CategoryCreated", "CategoryUpdated",
    "ModifierGroupCreated", "ModifierGroupUpdated"})


@router.get("/t/{token}", response_class=HTMLResponse)
def diner_page(request: Request,
               token: Annotated[str, Path(min_length=1, max_length=200)]) -> HTMLResponse:
    return render(request, "diner.html", token=token, menu_events=sorted(MENU_EVENTS))


@router.get("/t/{token}/events")
async def diner_events(token: Annotated[str, Path(min_length=10, max_length=200)],
                       node: NodeDep) -> StreamingResponse:
    """A nudge whenever the table's order, the table itself or the menu changes, so every
    phone at the table refetches the shared order (or the menu: a dish 86'd leaves every
    phone at once) straight away. Only ``seq`` and ``type`` are sent: what changed is read
    through the token-checked API, so a stale code learns nothing here."""
    with node.engine.connect() as conn:
        table = qr.table_for_token(conn, node.signer, node.settings.store_id, token)
        current = qr.current_order_id(conn, table.id)
    streams = {f"table:{table.id}"} | ({f"order:{current}"} if current else set())

    def accept(ev: Event) -> bool:
        if ev.type == "OrderOpened" and ev.payload.get("table_id") == table.id:
            streams.add(ev.stream)
        return ev.stream in streams or ev.type in MENU_EVENTS

    def render_nudge(ev: Event) -> dict[str, Any]:
        return {"seq": ev.seq, "type": ev.type}

    feed = node.livefeed
    return StreamingResponse(feed.stream(accept, None, render_nudge),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
