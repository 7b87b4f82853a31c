"""Shared page machinery: Jinja2 templates, UI text in two languages, static files.

Pages are server-rendered and kept live with Server-Sent Events; every asset is served by the
store node itself so the pages work with the internet down.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hearth.web.i18n import TEXTS, add_texts, language_of, translator

WEB = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)

# The item chooser (static/chooser.js) on the POS, the diner's phone and the kiosk.
add_texts({
    "chooser.add": {"zh": "加入", "en": "Add"},
    "chooser.note": {"zh": "备注", "en": "Note"},
    "chooser.cancel": {"zh": "取消", "en": "Cancel"},
    "chooser.spec": {"zh": "规格", "en": "Size"},
    "chooser.required": {"zh": "必选", "en": "required"},
    "chooser.optional": {"zh": "可选", "en": "optional"},
    "chooser.exactly": {"zh": "选{n}项", "en": "choose {n}"},
    "chooser.up_to": {"zh": "最多{n}项", "en": "up to {n}"},
    "chooser.between": {"zh": "选{lo}–{hi}项", "en": "choose {lo}–{hi}"},
    "chooser.choose_first": {"zh": "请先选择：", "en": "Please choose: "},
    "chooser.qty": {"zh": "数量", "en": "Qty"},
    "chooser.seat": {"zh": "座位", "en": "Seat"},
    "chooser.course": {"zh": "上菜顺序", "en": "Course"},
    "chooser.hold": {"zh": "暂不起菜", "en": "Hold"},
})

# Modules add their pages here (href, text key) so the index lists every page.
PAGES: list[dict[str, str]] = []


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    """Render a page in the caller's language and remember the choice in a cookie.

    The page's scripts get every UI text in both languages as ``window.HEARTH_TEXTS``.
    """
    lang = language_of(request)
    response = templates.TemplateResponse(
        request, template, {"lang": lang, "t": translator(lang),
                            "texts_json": _script_json(TEXTS), **context})
    response.set_cookie("hearth_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return render(request, "index.html", pages=PAGES)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")
