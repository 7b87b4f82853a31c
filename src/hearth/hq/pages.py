"""HQ's pages: sign-in, the fleet, stores and enrolment, the chain menu editor.

Server-rendered shells in Chinese and English; the data comes from ``/api/hq/*`` in the page's
script, with the owner's token. HQ may not import the store's page code (import contracts), so
it has its own small texts table and templates, and serves the store's stylesheets as files
so both look alike. The nav leaves a place for the chain reports (reports issue).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hearth.hq import domain as d
from hearth.hq import fleet
from hearth.hq.api import HQDep, OwnerDep
from hearth.hq.errors import HQError
from hearth.hq.tables import catalogue_snapshots, catalogue_versions, review

WEB = Path(__file__).resolve().parent / "web"
STORE_STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
SHARED_CSS = ("hearth.css", "admin.css")  # the store's look, read as files (no import)
LANGUAGES = ("zh", "en")

# The HQ page's texts, Chinese and English, in a file of their own like the store's pages.
TEXTS: dict[str, dict[str, str]] = json.loads((WEB / "texts.json").read_text(encoding="utf-8"))

templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)
reads = APIRouter(prefix="/api/hq", tags=["hq"])


def _language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("hearth_hq_lang") or "zh"
    return lang if lang in LANGUAGES else "zh"


def _script_json(value: Any) -> str:
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/hq/")


@router.get("/hq/", response_class=HTMLResponse)
def hq_page(request: Request) -> HTMLResponse:
    lang = _language(request)

    def t(key: str) -> str:
        entry = TEXTS.get(key, {})
        return entry.get(lang) or entry.get("en") or key

    response = templates.TemplateResponse(
        request, "hq.html", {"lang": lang, "t": t, "texts_json": _script_json(TEXTS)}
    )
    response.set_cookie("hearth_hq_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/hq/static/store/{name}")
def store_css(name: str) -> FileResponse:
    if name not in SHARED_CSS:
        raise HQError.STORE_NOT_FOUND.problem(f"No stylesheet {name!r} here.")
    return FileResponse(STORE_STATIC / name, media_type="text/css")


# -- reads the pages need beyond the sync API ---------------------------------------------------


@reads.get("/catalogue", summary="The catalogue of a scope as it stands (for the menu editor)")
def current_catalogue(
    hq: HQDep, owner: OwnerDep, scope: Annotated[str, Query(max_length=80)] = "chain"
) -> dict[str, Any]:
    """Every version of the scope folded into one current record per category and item: the
    editor shows what stores have, and publishes only what the owner changed."""
    d.check_scope(scope)
    with hq.engine.connect() as conn:
        snap = conn.execute(
            sa.select(catalogue_snapshots).where(catalogue_snapshots.c.scope == scope)
        ).first()
        rows = conn.execute(
            sa.select(catalogue_versions.c.version, catalogue_versions.c.events)
            .where(catalogue_versions.c.scope == scope)
            .order_by(catalogue_versions.c.version)
        ).all()
    events = d.fold(snap.events if snap is not None else [], (r.events for r in rows))
    version = int(snap.version) if snap is not None else 0
    if rows:
        version = max(version, int(rows[-1].version))
    held: dict[str, dict[str, dict[str, Any]]] = {"Category": {}, "Item": {}}
    for ev in events:
        kind = (
            "Category"
            if ev["type"].startswith("Category")
            else ("Item" if ev["type"].startswith("Item") else None)
        )
        if kind is None:
            continue
        payload = dict(ev["payload"])
        held[kind].setdefault(payload["id"], {}).update(payload)
    return {
        "scope": scope,
        "version": version,
        "categories": sorted(
            held["Category"].values(), key=lambda c: (c.get("sort") or 0, c.get("name_zh") or "")
        ),
        "items": sorted(
            held["Item"].values(), key=lambda i: (i.get("sort") or 0, i.get("name_zh") or "")
        ),
    }


@reads.get("/review-counts", summary="Events held for review per store (a fenced box's)")
def review_counts(hq: HQDep, owner: OwnerDep) -> dict[str, int]:
    with hq.engine.connect() as conn:
        return {
            str(s): int(n)
            for s, n in conn.execute(
                sa.select(review.c.store_id, sa.func.count()).group_by(review.c.store_id)
            )
        }


@reads.get("/fleet/health", summary="Each store's last doctor report, alerts, version, backups")
def fleet_health(hq: HQDep, owner: OwnerDep) -> dict[str, Any]:
    return {"stores": fleet.reports(hq)}


@reads.get("/stores/{store_id}/health", summary="One store for remote diagnosis")
def store_health(store_id: str, hq: HQDep, owner: OwnerDep) -> dict[str, Any]:
    return fleet.store_health(hq, store_id)


def mount(app: FastAPI) -> None:
    app.include_router(reads)
    app.include_router(router)
    app.mount("/hq/static", StaticFiles(directory=str(WEB / "static")), name="hq-static")
