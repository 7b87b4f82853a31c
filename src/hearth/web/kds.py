"""The KDS page: one station's tickets on a kitchen screen, live, bumped by touch or bump bar."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/kds", "key": "kds.title"})


@router.get("/kds", response_class=HTMLResponse)
def kds_page(request: Request) -> HTMLResponse:
    station = request.query_params.get("station", "")[:40]
    return render(request, "kds.html", station=station)
