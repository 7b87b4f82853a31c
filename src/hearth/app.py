"""Builds the ASGI app from the modules' routers, around one store node."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from hearth import __version__
from hearth.channels.delivery import api as delivery_api
from hearth.channels.delivery import lifecycle as delivery_lifecycle
from hearth.channels.kiosk import api as kiosk_api
from hearth.channels.qr.api import router as qr_router
from hearth.core import problem_handlers
from hearth.core.config import Settings
from hearth.core.subscribers import SubscriberRunner
from hearth.kitchen import lifecycle as kitchen_lifecycle
from hearth.kitchen.api import router as kitchen_router
from hearth.menu import api as menu_api
from hearth.menu.api import router as menu_router
from hearth.menu.search_index import warm as warm_menu
from hearth.node import Node, build_node
from hearth.ordering.api import router as ordering_router
from hearth.payments import api as payments_api
from hearth.payments import lifecycle as payments_lifecycle
from hearth.payments.api import router as payments_router
from hearth.printing import api as printing_api
from hearth.printing import lifecycle as printing_lifecycle
from hearth.staff import access as staff_access
from hearth.staff.api import router as staff_router
from hearth.store.api import router as store_router
from hearth.web import admin as admin_pages
from hearth.web import delivery as delivery_pages
from hearth.web import diner as diner_pages
from hearth.web import kds as kds_pages
from hearth.web import kiosk as kiosk_pages
from hearth.web import pages
from hearth.web import pos as pos_pages

ROUTERS = (staff_router, menu_router, ordering_router, kitchen_router, payments_router,
           qr_router, printing_api.router, delivery_api.router, kiosk_api.router, store_router)
LIFECYCLES = (kitchen_lifecycle, payments_lifecycle, printing_lifecycle, delivery_lifecycle)
PAGE_ROUTERS = (pages.router, pos_pages.router, diner_pages.router, admin_pages.router,
                kds_pages.router, kiosk_pages.router, delivery_pages.router)
# Routes anyone may call: signing in is how a caller gets a token in the first place.
PUBLIC_ROUTES = frozenset({("POST", "/api/auth/pin"), ("POST", "/api/auth/password"),
                           ("GET", "/healthz")}) | frozenset({
    # Diners' phones: no staff token, but every call carries the table's signed QR token and
    # is refused without a genuine, current one.
    ("GET", "/api/qr/{token}"), ("GET", "/api/qr/{token}/menu"),
    ("POST", "/api/qr/{token}/lines"), ("POST", "/api/qr/{token}/lines/{line_id}/remove"),
    ("POST", "/api/qr/{token}/submit"), ("POST", "/api/qr/{token}/request-bill"),
    ("POST", "/api/qr/{token}/call-waiter"),
}) | menu_api.PUBLIC_ROUTES | printing_api.PUBLIC_ROUTES | delivery_api.PUBLIC_ROUTES \
    | kiosk_api.PUBLIC_ROUTES | payments_api.PUBLIC_ROUTES


def create_app(settings: Settings | None = None, node: Node | None = None) -> FastAPI:
    node = node or build_node(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await node.writer.start()
        subs = list(node.subscribers)
        for module in LIFECYCLES:
            subs.extend(module.subscribers(node))
        runner = SubscriberRunner(node.engine, node.writer, subs)
        await runner.start()
        app.state.subscribers = runner
        for module in LIFECYCLES:
            await module.on_start(app, node)
        await asyncio.to_thread(warm_menu, node)
        try:
            yield
        finally:
            for module in reversed(LIFECYCLES):
                await module.on_stop(app, node)
            await runner.stop()
            await node.writer.stop()

    app = FastAPI(title="Hearth store node", version=__version__, lifespan=lifespan,
                  description="Restaurant ordering and store management. Every change needs an "
                              "Idempotency-Key header; errors are RFC 9457 problem details.")
    app.state.node = node
    if "access_check" not in node.extras:
        staff_access.install(node)
    problem_handlers.install(app)
    problem_handlers.document_problems(app)
    app.add_middleware(problem_handlers.BodySizeLimit, max_bytes=node.settings.max_body_bytes)

    @app.get("/livez", tags=["ops"])
    async def livez() -> dict[str, str]:
        """The process answers; touches nothing. Also the benchmark's bare-stack reference."""
        return {"status": "ok"}

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        """Liveness: the process answers and the database can be read."""
        with node.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"status": "ok", "store_id": node.settings.store_id,
                "journal_seq": node.writer.journal.next_seq - 1}

    for router in ROUTERS:
        app.include_router(router)
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)
    pages.mount_static(app)
    return app
