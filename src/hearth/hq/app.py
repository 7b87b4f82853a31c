"""HQ's composition root: ``build_hq(settings)`` and ``create_hq_app``.

Two apps built over one database (two ``hearth hq serve`` processes) behave as one: the only
state is in the database, the signing key included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from hearth import __version__
from hearth.core import problem_handlers
from hearth.core.clock import Clock, SystemClock
from hearth.core.security import Hasher, TokenSigner
from hearth.hq import api, members, owners, pages
from hearth.hq.config import HQSettings
from hearth.hq.context import HQ
from hearth.hq.db import make_hq_engine, upgrade


def build_hq(settings: HQSettings | None = None, clock: Clock | None = None) -> HQ:
    """Open (and migrate) HQ's database and gather what the use cases need."""
    settings = settings or HQSettings()
    path = settings.db_url.removeprefix("sqlite:///")
    if settings.db_url.startswith("sqlite:///") and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = make_hq_engine(settings.db_url)
    upgrade(engine)
    return HQ(
        engine=engine,
        clock=clock or SystemClock(),
        hasher=Hasher(settings.argon2_time_cost, settings.argon2_memory_kib),
        signer=TokenSigner(owners.signing_key(engine)),
        token_ttl_ms=settings.token_ttl_minutes * 60_000,
        catalogue_keep=settings.catalogue_keep_versions,
    )


def create_hq_app(settings: HQSettings | None = None, hq: HQ | None = None) -> FastAPI:
    settings = settings or HQSettings()
    hq = hq or build_hq(settings)
    app = FastAPI(
        title="Hearth HQ",
        version=__version__,
        description="A chain's headquarters: store enrolment, journal sync exactly "
        "once, the chain catalogue. See docs/sync-protocol.md.",
    )
    app.state.hq = hq
    problem_handlers.install(app)
    problem_handlers.document_problems(app)
    app.add_middleware(problem_handlers.BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.get("/livez", tags=["ops"])
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        with hq.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"status": "ok", "role": "hq"}

    app.include_router(api.sync)
    app.include_router(api.hq_api)
    app.include_router(members.sync)
    app.include_router(members.api)
    pages.mount(app)
    return app
