"""The composition root: the one place that knows every module.

``MODULES`` lists what each module contributes (its ``module.py``); ``build_node`` makes the
store node from settings (engine, writer, clocks, secrets, the merged projectors, each module's
parts) and ``create_app`` serves it. Adding a module is one line in ``MODULES``. Nothing here
runs at import time: the CLI and every test build their own node.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.engine import Engine

from hearth import __version__
from hearth.backup.module import MODULE as BACKUP
from hearth.channels.delivery.module import MODULE as DELIVERY
from hearth.channels.kiosk.module import MODULE as KIOSK
from hearth.channels.qr.module import MODULE as QR
from hearth.core import problem_handlers
from hearth.core.clock import Clock, HybridClock, SystemClock
from hearth.core.config import Settings
from hearth.core.db import make_engine, metadata
from hearth.core.errors import CoreError
from hearth.core.housekeeping import Housekeeper
from hearth.core.journal import JournalWriter, ProjectorRegistry
from hearth.core.livefeed import LiveFeed
from hearth.core.metrics import NodeMetrics
from hearth.core.migrate import upgrade
from hearth.core.module import Module, Route
from hearth.core.node import Node
from hearth.core.requestid import RequestId
from hearth.core.security import Hasher, TokenSigner, random_token
from hearth.core.subscribers import SubscriberRunner
from hearth.core.tables import node_secrets  # also registers the core tables
from hearth.core.writer import Writer
from hearth.inventory.module import MODULE as INVENTORY
from hearth.kitchen.module import MODULE as KITCHEN
from hearth.members.module import MODULE as MEMBERS
from hearth.menu.module import MODULE as MENU
from hearth.ops.fleet import MODULE as FLEET
from hearth.ops.module import MODULE as OPS
from hearth.ordering.module import MODULE as ORDERING
from hearth.payments.module import MODULE as PAYMENTS
from hearth.printing.module import MODULE as PRINTING
from hearth.staff.module import MODULE as STAFF
from hearth.store.module import MODULE as STORE
from hearth.sync.module import MODULE as SYNC
from hearth.web import pages
from hearth.web.module import MODULE as WEB

log = structlog.get_logger(__name__)

# Lower modules first: projectors run, and parts are built and started, in this order (and
# stopped in the reverse).
MODULES: tuple[Module, ...] = (
    STORE,
    STAFF,
    MENU,
    ORDERING,
    KITCHEN,
    PAYMENTS,
    PRINTING,
    QR,
    KIOSK,
    DELIVERY,
    SYNC,
    MEMBERS,
    BACKUP,
    INVENTORY,
    OPS,
    FLEET,
    WEB,
)

# /metrics takes the scraper's own bearer token (HEARTH_METRICS_TOKEN), or only 127.0.0.1.
CORE_PUBLIC_ROUTES: frozenset[Route] = frozenset(
    {("GET", "/healthz"), ("GET", "/livez"), ("GET", "/readyz"), ("GET", "/metrics")}
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1"})


def schema() -> sa.MetaData:
    """Every table of every module (each module's tables are imported with its projectors),
    for migrations and the check that they match the code."""
    return metadata


def projectors(modules: tuple[Module, ...] = MODULES) -> ProjectorRegistry:
    """Every module's projectors: what writes the projections live and in ``hearth rebuild``."""
    return ProjectorRegistry.merge(*(m.projectors for m in modules if m.projectors))


def public_routes(modules: tuple[Module, ...] = MODULES) -> frozenset[Route]:
    """Routes served without a staff sign-in; each authenticates its caller another way."""
    routes = set(CORE_PUBLIC_ROUTES)
    for m in modules:
        routes |= m.public_routes
    return frozenset(routes)


def _secret(engine: Engine, name: str) -> str:
    with engine.begin() as conn:
        value = conn.execute(
            sa.select(node_secrets.c.value).where(node_secrets.c.name == name)
        ).scalar()
        if value is None:
            value = random_token(32)
            conn.execute(node_secrets.insert().values(name=name, value=value))
    return str(value)


def build_node(settings: Settings | None = None, *, clock: Clock | None = None) -> Node:
    """The store node over its database (migrated to the latest schema first)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    hlc = HybridClock(clock.now_ms)
    registry = projectors()
    journal = JournalWriter(settings.store_id, settings.device_id, hlc, registry, clock.now_ms)
    writer = Writer(engine, journal, max_batch=settings.writer_max_batch)
    writer.open()
    node = Node(
        settings=settings,
        engine=engine,
        writer=writer,
        clock=clock,
        hlc=hlc,
        hasher=Hasher(settings.argon2_time_cost, settings.argon2_memory_kib),
        signer=TokenSigner(_secret(engine, "token_key")),
        projectors=registry,
        livefeed=LiveFeed(engine, heartbeat_s=settings.livefeed_heartbeat_s),
    )
    for module in MODULES:
        if module.on_build is not None:
            module.on_build(node)
    metrics = NodeMetrics(node, [m.metrics for m in MODULES if m.metrics is not None])
    metrics.attach()
    node.parts.put(metrics)
    log.info("node.ready", store_id=settings.store_id, db=engine.url.render_as_string())
    return node


def create_app(settings: Settings | None = None, node: Node | None = None) -> FastAPI:
    """The store node's ASGI app: every module's routes, started and stopped with the writer."""
    node = node or build_node(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await node.writer.start()
        node.livefeed.attach(node.writer)
        subs = list(node.subscribers)
        for module in MODULES:
            if module.subscribers is not None:
                subs.extend(module.subscribers(node))
        runner = SubscriberRunner(node.engine, node.writer, subs, clock=node.clock)
        node.parts.put(runner)
        await runner.start()
        for module in MODULES:
            if module.on_start is not None:
                await module.on_start(node)
        housekeeper = Housekeeper(node)
        node.parts.put(housekeeper)
        await housekeeper.start()
        try:
            yield
        finally:
            await housekeeper.stop()
            for module in reversed(MODULES):
                if module.on_stop is not None:
                    await module.on_stop(node)
            await runner.stop()
            node.livefeed.detach(node.writer)
            await node.writer.stop()

    app = FastAPI(
        title="Hearth store node",
        version=__version__,
        lifespan=lifespan,
        description="Restaurant ordering and store management. Every change needs an "
        "Idempotency-Key header; errors are RFC 9457 problem details.",
    )
    app.state.node = node
    problem_handlers.install(app)
    problem_handlers.document_problems(app)
    app.add_middleware(problem_handlers.BodySizeLimit, max_bytes=node.settings.max_body_bytes)
    app.add_middleware(RequestId)

    @app.get("/livez", tags=["ops"])
    async def livez() -> dict[str, str]:
        """The process answers; touches nothing. Also the benchmark's bare-stack reference."""
        return {"status": "ok"}

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        """Liveness: the process answers and the database can be read."""
        with node.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {
            "status": "ok",
            "store_id": node.settings.store_id,
            "journal_seq": node.writer.journal.next_seq - 1,
        }

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        """Each module's readiness; 503 only when ordering cannot take orders."""
        modules = readiness(node)
        ok = modules.get("ordering") in ("ready", "degraded")
        return JSONResponse(
            {"status": "ready" if ok else "down", "modules": modules},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def metrics(request: Request) -> Response:
        """Prometheus text exposition, for the scraper's bearer token (or from this box)."""
        _check_scraper(node, request)
        return Response(
            node.parts.get(NodeMetrics).exposition(),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )

    for module in MODULES:
        for router in module.routers:
            app.include_router(router)
    pages.mount_static(app)
    return app


def readiness(node: Node) -> dict[str, str]:
    """Each module's own word on whether it works now; a module whose check fails is down."""
    out: dict[str, str] = {}
    for module in MODULES:
        if module.ready is None:
            continue
        try:
            out[module.name] = module.ready(node)
        except Exception as exc:  # a broken check says "down", never a 500
            log.warning("readyz.check_failed", module=module.name, error=str(exc))
            out[module.name] = "down"
    return out


def _check_scraper(node: Node, request: Request) -> None:
    token = node.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise CoreError.NOT_SIGNED_IN.problem(
                "The metrics need the scraper's bearer token (HEARTH_METRICS_TOKEN).",
                field="Authorization",
            )
    elif request.client is None or request.client.host not in LOCAL_HOSTS:
        raise CoreError.PERMISSION_DENIED.problem(
            "Metrics are served only to this machine until HEARTH_METRICS_TOKEN is set."
        )
