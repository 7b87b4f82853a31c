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

from hearth.web.i18n import TEXTS, language_of, translator

WEB = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)

# Modules add their pages here (href, text key) so the index lists every page.
PAGES: list[dict[str, str]] = []


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    """Render a page in the caller's language and remember the choice in a cookie.

    The page's scripts get every UI text in both languages as ``window.HEARTH_TEXTS``.
    """
    lang = language_of(request)
    response = templates.TemplateResponse(
        request,
        template,
        {"lang": lang, "t": translator(lang), "texts_json": _script_json(TEXTS), **context},
    )
    response.set_cookie("hearth_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return render(request, "index.html", pages=PAGES)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")
