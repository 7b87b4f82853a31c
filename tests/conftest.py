"""Shared builders: a store node on a fresh database, a small menu, staff who can sign in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from hearth.bootstrap import build_node, create_app
from hearth.core.node import Node
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings

# Property tests are about rules, not speed: no per-example deadline (a loaded 2-core CI box
# trips it) and no "too slow" health check. HYPOTHESIS_PROFILE=ci also fixes the examples, so
# a CI run is the same run every time; the default keeps searching for new cases.
settings.register_profile("hearth", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", parent=settings.get_profile("hearth"), derandomize=True, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hearth"))

PG_URL = os.environ.get("HEARTH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> bool:
    try:
        eng = sa.create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def fresh_pg_url() -> str:
    """A schema of its own per test, so PostgreSQL tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = sa.create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}; CI must run these tests")
        pytest.skip("PostgreSQL not running here")
    return fresh_pg_url()


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path}/store.db"


@pytest.fixture
def node(sqlite_url: str) -> Iterator[Node]:
    n = build_node(fast_settings(sqlite_url))
    yield n
    n.close()


@pytest.fixture
def restaurant(node: Node) -> DemoIds:
    return a_small_restaurant(node)


@dataclass
class Api:
    """A test client with the store's ids and a way to sign in as each role."""

    client: TestClient
    ids: DemoIds
    node: Node

    def login(self, code: str) -> dict[str, str]:
        r = self.client.post(
            "/api/auth/pin",
            json={"staff_code": code, "pin": self.ids.pins[code]},
            headers={"X-Terminal-Key": self.ids.terminal_key},
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def post(self, path: str, json: Any, headers: dict[str, str], key: str | None = None) -> Any:
        h = dict(headers)
        h["Idempotency-Key"] = key or uuid.uuid4().hex
        return self.client.post(path, json=json, headers=h)


@pytest.fixture
def api(node: Node, restaurant: DemoIds) -> Iterator[Api]:
    app = create_app(node=node)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, restaurant, node)
