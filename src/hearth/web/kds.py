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
})


@router.get("/kds", response_class=HTMLResponse)
def kds_page(request: Request) -> HTMLResponse:
    station = request.query_params.get("station", "")[:40]
    return render(request, "kds.html", station=station)
