"""Two HQ workers over one database are one HQ: concurrent uploads of one store and of two
stores end with every event once and no gap (PostgreSQL row locks, SQLite BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.hq.app import build_hq, create_hq_app
from hearth.hq.service import create_store
from hearth.hq.tables import hq_events, stores
from tests.integration.test_hq_fixtures import a_journal, gz, hq_settings


def _push_all(
    client: TestClient,
    credential: str,
    journal: list[dict[str, Any]],
    errors: list[str],
    batch: int,
) -> None:
    """A store's upload loop: send from where HQ says it stands, until HQ holds everything."""
    at = 0
    headers = {"Authorization": f"Bearer {credential}", "Content-Encoding": "gzip"}
    for _ in range(10_000):
        if at >= len(journal):
            return
        r = client.post(
            "/sync/v1/events",
            content=gz({"epoch": 1, "events": journal[at : at + batch]}),
            headers=headers,
        )
        if r.status_code == 200:
            at = r.json()["acked_seq"]
        elif r.status_code == 409 and r.json()["code"] == "sync-gap":
            at = r.json()["expected_seq"] - 1
        else:
            errors.append(r.text)
            return
    errors.append("did not finish")


def test_two_hq_workers_ingesting_at_once_hold_every_event_once(db_url):
    settings = hq_settings(db_url)
    hq1 = build_hq(settings)
    hq2 = build_hq(settings)
    creds = {}
    with TestClient(create_hq_app(settings, hq=hq1)) as enrol:
        for sid in ("A", "B"):
            code = create_store(hq1, sid, sid)
            creds[sid] = enrol.post("/sync/v1/enrol", json={"enrol_code": code}).json()[
                "credential"
            ]
    journals = {sid: a_journal(sid, 300) for sid in creds}
    errors: list[str] = []
    apps = [create_hq_app(settings, hq=hq1), create_hq_app(settings, hq=hq2)]
    # Store A through both workers at once (a resend racing the original), B through each.
    plan = [(0, "A", 25), (1, "A", 40), (0, "B", 30), (1, "B", 17)]
    clients = [TestClient(apps[w]) for w, _, _ in plan]
    for c in clients:
        c.__enter__()
    try:
        threads = [
            threading.Thread(
                target=_push_all, args=(clients[i], creds[sid], journals[sid], errors, size)
            )
            for i, (_, sid, size) in enumerate(plan)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        for c in clients:
            c.__exit__(None, None, None)
    assert errors == []
    with hq1.engine.connect() as conn:
        for sid, journal in journals.items():
            held = conn.execute(
                sa.select(hq_events.c.seq, hq_events.c.event_id)
                .where(hq_events.c.store_id == sid)
                .order_by(hq_events.c.seq)
            ).all()
            assert [tuple(h) for h in held] == [(e["seq"], e["event_id"]) for e in journal]
            assert (
                conn.execute(
                    sa.select(stores.c.acked_seq).where(stores.c.store_id == sid)
                ).scalar_one()
                == 300
            )
    # Tokens signed by one worker are read by the other: the key is in the database.
    assert hq1.signer.mac("x") == hq2.signer.mac("x")
    hq1.engine.dispose()
    hq2.engine.dispose()
