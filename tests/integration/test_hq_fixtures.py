"""Builders for the HQ tests: an HQ on a fresh database, a store enrolled at it, a journal of
events as a store would upload them, and the upload itself (gzip, as the protocol says)."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.core.clock import ManualClock
from hearth.hq.app import build_hq, create_hq_app
from hearth.hq.config import HQSettings
from hearth.hq.context import HQ
from hearth.hq.service import create_store
from hearth.hq.tables import hq_events, stores


def hq_settings(db_url: str) -> HQSettings:
    return HQSettings(
        db_url=db_url, argon2_time_cost=1, argon2_memory_kib=1024, catalogue_keep_versions=3
    )


def an_event(
    store_id: str,
    seq: int,
    type_: str = "NoteAdded",
    payload: Any = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "event_id": event_id or str(uuid.uuid4()),
        "store_id": store_id,
        "device_id": "node-1",
        "stream": f"s:{seq}",
        "stream_version": 1,
        "type": type_,
        "payload": {"n": seq} if payload is None else payload,
        "hlc": f"{1_700_000_000_000 + seq:013d}-0000",
        "actor": None,
        "recorded_at_ms": 1_767_225_600_000 + seq,
    }


def a_journal(store_id: str, n: int) -> list[dict[str, Any]]:
    return [an_event(store_id, seq) for seq in range(1, n + 1)]


def gz(body: Any) -> bytes:
    return gzip.compress(json.dumps(body).encode())


@dataclass
class Store:
    store_id: str
    credential: str
    epoch: int = 1

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}


@dataclass
class HQHarness:
    hq: HQ
    client: TestClient
    clock: ManualClock

    def enrol(self, store_id: str, name: str = "Store") -> Store:
        code = create_store(self.hq, store_id, name)
        r = self.client.post("/sync/v1/enrol", json={"enrol_code": code})
        assert r.status_code == 200, r.text
        return Store(store_id, r.json()["credential"], r.json()["epoch"])

    def upload(
        self, store: Store, events: list[dict[str, Any]], epoch: int | None = None, **extra: Any
    ) -> Any:
        body = {"epoch": epoch or store.epoch, "events": events, **extra}
        return self.client.post(
            "/sync/v1/events",
            content=gz(body),
            headers={**store.auth, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    def held(self, store_id: str) -> list[tuple[int, str]]:
        with self.hq.engine.connect() as conn:
            return [
                (int(r.seq), r.event_id)
                for r in conn.execute(
                    sa.select(hq_events.c.seq, hq_events.c.event_id)
                    .where(hq_events.c.store_id == store_id)
                    .order_by(hq_events.c.seq)
                )
            ]

    def cursor(self, store_id: str) -> int:
        with self.hq.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(stores.c.acked_seq).where(stores.c.store_id == store_id)
                ).scalar_one()
            )


@pytest.fixture
def hq_harness(db_url: str) -> Iterator[HQHarness]:
    clock = ManualClock()
    hq = build_hq(hq_settings(db_url), clock=clock)
    app = create_hq_app(hq_settings(db_url), hq=hq)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield HQHarness(hq, client, clock)
    hq.engine.dispose()
