"""The KDS page: one station's tickets on a kitchen screen, live, bumped by touch or bump bar."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.i18n import add_texts
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/kds", "key": "kds.title"})

add_texts({
    "kds.title": {"zh": "厨房显示屏 KDS", "en": "Kitchen display (KDS)"},
    "kds.choose_station": {"zh": "选择工位", "en": "Choose a station"},
    "kds.offline": {"zh": "⚠ 与厨房服务器断开，正在重连… 新单会在恢复后补上",
                    "en": "⚠ Offline: reconnecting… missed tickets will follow"},
    "kds.bump": {"zh": "完成", "en": "Bump"},
    "kds.start": {"zh": "开始", "en": "Start"},
    "kds.recall": {"zh": "召回", "en": "Recall"},
    "kds.undo": {"zh": "撤销", "en": "Undo"},
    "kds.rush": {"zh": "加急", "en": "Rush"},
    "kds.reprint": {"zh": "重打", "en": "Reprint"},
    "kds.all_day": {"zh": "全天待做", "en": "All day"},
    "kds.empty": {"zh": "暂无新单", "en": "No open tickets"},
    "kds.seat": {"zh": "座", "en": "Seat"},
    "kds.course": {"zh": "道", "en": "Course"},
    "kds.kind.new": {"zh": "新单", "en": "New"},
    "kds.kind.change": {"zh": "改单", "en": "CHANGE"},
    "kds.kind.void": {"zh": "退菜", "en": "VOID"},
    "kds.marker.void": {"zh": "退", "en": "VOID"},
    "kds.marker.moved": {"zh": "换桌", "en": "MOVED"},
    "kds.printed": {"zh": "已打印", "en": "printed"},
    "kds.done": {"zh": "已完成", "en": "Done"},
    "kds.ready": {"zh": "出餐", "en": "Ready"},
    "kds.served": {"zh": "已送出", "en": "Served"},
    "kds.waiting": {"zh": "制作中", "en": "Cooking"},
    "kds.keys": {"zh": "键盘：1-9 选单 · 回车/空格 完成 · r 召回 · u 撤销",
                 "en": "Keys: 1-9 select · Enter/Space bump · r recall · u undo"},
    "kds.86": {"zh": "沽清", "en": "86"},
    "kds.86_title": {"zh": "沽清：所有渠道停售",
                     "en": "86 an item: every channel stops selling it"},
    "kds.86_search": {"zh": "菜名或拼音首字母（如 gbjd）",
                      "en": "Dish name or pinyin initials (gbjd)"},
    "kds.86_done": {"zh": "已沽清", "en": "86'd"},
    "kds.86_none": {"zh": "没有找到", "en": "Nothing found"},
    "kds.sold_out": {"zh": "已沽清", "en": "sold out"},
    "kds.close": {"zh": "关闭", "en": "Close"},
    "kds.cancel": {"zh": "取消", "en": "Cancel"},
    "kds.recent": {"zh": "已完成", "en": "Recent"},
    "kds.recent_help": {"zh": "最近 {min} 分钟内完成的单，点召回放回屏幕",
                        "en": "Bumped in the last {min} minutes; recall one to put it back"},
    "kds.recent_empty": {"zh": "最近没有完成的单", "en": "Nothing bumped recently"},
    "kds.ago": {"zh": "{min} 分钟前完成", "en": "done {min} min ago"},
    "kds.force_title": {"zh": "这单还没做完", "en": "Not finished yet"},
    "kds.force_text": {"zh": "还在做的工位：{stations} — 仍然标记出餐？",
                       "en": "Stations still working: {stations} — mark ready anyway?"},
    "kds.force_ok": {"zh": "仍然出餐", "en": "Mark ready anyway"},
    "kds.force_keys": {"zh": "回车 = 取消 · y = 仍然出餐", "en": "Enter = cancel · y = mark ready"},
})


@router.get("/kds", response_class=HTMLResponse)
def kds_page(request: Request) -> HTMLResponse:
    station = request.query_params.get("station", "")[:40]
    return render(request, "kds.html", station=station)
