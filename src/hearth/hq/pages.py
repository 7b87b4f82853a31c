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
from hearth.hq.api import HQDep, OwnerDep
from hearth.hq.errors import HQError
from hearth.hq.tables import catalogue_snapshots, catalogue_versions, review

WEB = Path(__file__).resolve().parent / "web"
STORE_STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
SHARED_CSS = ("hearth.css", "admin.css")  # the store's look, read as files (no import)
LANGUAGES = ("zh", "en")

TEXTS: dict[str, dict[str, str]] = {
    "brand": {"zh": "炉火总部 · Hearth HQ", "en": "Hearth HQ · 炉火总部"},
    "title": {"zh": "连锁总部", "en": "Chain HQ"},
    "sign_in": {"zh": "总部登录", "en": "HQ sign-in"},
    "sign_in_help": {
        "zh": "用总部账号的编号和密码登录。",
        "en": "Sign in with your HQ owner code and password.",
    },
    "code": {"zh": "编号", "en": "Code"},
    "password": {"zh": "密码", "en": "Password"},
    "login": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "tab.fleet": {"zh": "门店概况", "en": "Fleet"},
    "tab.stores": {"zh": "门店与加入码", "en": "Stores and enrolment"},
    "tab.menu": {"zh": "连锁菜单", "en": "Chain menu"},
    "tab.reports": {"zh": "报表", "en": "Reports"},
    "reports.soon": {"zh": "连锁报表即将推出。", "en": "Chain reports are coming."},
    "fleet.store": {"zh": "门店", "en": "Store"},
    "fleet.last_seen": {"zh": "最近联系", "en": "Last seen"},
    "fleet.lag": {"zh": "待同步", "en": "Waiting at store"},
    "fleet.acked": {"zh": "总部已收", "en": "HQ holds (seq)"},
    "fleet.catalogue": {"zh": "菜单版本", "en": "Catalogue"},
    "fleet.digest": {"zh": "校验", "en": "Digest"},
    "fleet.alarms": {"zh": "告警", "en": "Alarms"},
    "fleet.state": {"zh": "状态", "en": "State"},
    "fleet.empty": {
        "zh": "还没有门店。到“门店与加入码”创建一家。",
        "en": "No stores yet. Create one under Stores and enrolment.",
    },
    "fleet.refreshed": {"zh": "每 10 秒刷新", "en": "Refreshes every 10 s"},
    "stores.new": {"zh": "新建门店", "en": "New store"},
    "stores.id": {"zh": "门店编号", "en": "Store id"},
    "stores.name": {"zh": "门店名称", "en": "Store name"},
    "stores.create": {"zh": "创建并生成加入码", "en": "Create and get the enrolment code"},
    "stores.code_once": {
        "zh": "加入码只显示这一次，7 天内有效。在门店管理页“总部”里填入，或运行：",
        "en": "The enrolment code is shown this once and is valid 7 days. "
        "Enter it on the store's admin page (HQ), or run:",
    },
    "stores.revoke": {"zh": "停用", "en": "Revoke"},
    "stores.new_code": {"zh": "新加入码", "en": "New code"},
    "stores.revoke_confirm": {
        "zh": "停用后该门店不能再同步。确定？",
        "en": "A revoked store can no longer sync. Revoke it?",
    },
    "menu.scope": {"zh": "发布到", "en": "Publish to"},
    "menu.chain": {"zh": "全连锁（所有门店）", "en": "The whole chain (every store)"},
    "menu.stores": {"zh": "指定门店（本店价格）", "en": "Chosen stores (their own prices)"},
    "menu.publish": {"zh": "发布新版本", "en": "Publish a new version"},
    "menu.changed": {"zh": "项修改待发布", "en": "changes to publish"},
    "menu.nothing": {"zh": "没有修改。", "en": "Nothing changed."},
    "menu.version": {"zh": "当前版本", "en": "Current version"},
    "menu.empty": {
        "zh": "连锁菜单还是空的：先添加分类和菜品。",
        "en": "The chain menu is empty: add a category and dishes.",
    },
    "menu.name_zh": {"zh": "中文名", "en": "Chinese name"},
    "menu.name_en": {"zh": "英文名", "en": "English name"},
    "menu.price": {"zh": "价格（元）", "en": "Price (yuan)"},
    "menu.category": {"zh": "分类", "en": "Category"},
    "menu.add_category": {"zh": "添加分类", "en": "Add category"},
    "menu.add_item": {"zh": "添加菜品", "en": "Add dish"},
    "menu.published": {"zh": "已发布版本", "en": "Published version"},
    "menu.pick_store": {"zh": "请至少选择一家门店", "en": "Choose at least one store"},
    "menu.bad_price": {"zh": "价格格式不对（如 38 或 38.50）", "en": "Price like 38 or 38.50"},
    "ok": {"zh": "正常", "en": "OK"},
    "never": {"zh": "从未", "en": "never"},
    "revoked": {"zh": "已停用", "en": "Revoked"},
    "not_enrolled": {"zh": "未加入", "en": "Not enrolled"},
    "active": {"zh": "在线同步", "en": "Syncing"},
    "alarm.divergence": {"zh": "记录不一致（第 {seq} 条起）", "en": "Diverged from seq {seq}"},
    "alarm.fenced": {"zh": "旧设备被隔离", "en": "Old box fenced"},
    "alarm.backlog": {"zh": "积压不减", "en": "Backlog stuck"},
    "alarm.quarantine": {"zh": "{n} 条无法处理", "en": "{n} quarantined"},
    "alarm.review": {"zh": "{n} 条待审核", "en": "{n} to review"},
    "ago.s": {"zh": "{n} 秒前", "en": "{n} s ago"},
    "ago.m": {"zh": "{n} 分钟前", "en": "{n} min ago"},
    "ago.h": {"zh": "{n} 小时前", "en": "{n} h ago"},
    "ago.d": {"zh": "{n} 天前", "en": "{n} d ago"},
    "error": {"zh": "出错了", "en": "Something went wrong"},
}

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


def mount(app: FastAPI) -> None:
    app.include_router(reads)
    app.include_router(router)
    app.mount("/hq/static", StaticFiles(directory=str(WEB / "static")), name="hq-static")
