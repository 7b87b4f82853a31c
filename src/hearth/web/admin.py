"""The admin pages: menu, floor and QR codes, staff and terminals, kitchen stations and routing,
printers, payment providers and store settings, for an owner or manager on a tablet.

The page is a thin client: every rule is checked by the API it calls, and a refusal is shown as
the problem's own words. The only server-side helper here draws QR codes, so printing a table's
code needs nothing from the internet.
"""

from __future__ import annotations

from typing import Annotated

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/admin", "key": "admin.title"})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    return render(request, "admin.html")


@router.get("/admin/qr.svg")
def qr_svg(data: Annotated[str, Query(min_length=1, max_length=500)]) -> Response:
    """A QR code for ``data`` as SVG, drawn by the store node itself (works offline).

    It encodes only what it is given: the table's signed link comes from the staff-only
    ``GET /api/tables/{id}/qr``, so this route reveals nothing.
    """
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Response(
        img.to_string(encoding="unicode"),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
