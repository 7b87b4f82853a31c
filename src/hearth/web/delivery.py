"""The delivery manager page: incoming platform orders to accept or reject, orders held after
an outage to release, late cancellations to deal with, and the pacing state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/delivery", "key": "dl.title"})


@router.get("/delivery", response_class=HTMLResponse)
def delivery_page(request: Request) -> HTMLResponse:
    return render(request, "delivery.html")
