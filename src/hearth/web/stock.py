"""The stocktake page: a cook or manager counts the shelves on a phone, one ingredient a row;
the count sheet goes to POST /api/inventory/stocktakes, which records the variance and its
value (the page only shows what the server answered)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/stocktake", "key": "inv.title"})


@router.get("/stocktake", response_class=HTMLResponse)
def stocktake_page(request: Request) -> HTMLResponse:
    return render(request, "stocktake.html")
