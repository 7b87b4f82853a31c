"""The self-service kiosk page: browse, choose, check out, pay by wallet QR, collect by number.

The screen is a registered terminal: a manager opens ``/kiosk?key=<terminal key>`` once (or
types the key on the set-up screen) and the key stays on the device.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/kiosk", "key": "kiosk.title"})


@router.get("/kiosk", response_class=HTMLResponse)
def kiosk_page(request: Request) -> HTMLResponse:
    return render(request, "kiosk.html")
