"""Kill a real store node with SIGKILL while clients submit orders; nothing acknowledged is lost."""

from __future__ import annotations

import random
import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa

from hearth.core.rebuild import rebuild
from hearth.core.tables import journal
from hearth.node import build_node
from hearth.ordering.tables import orders
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess

pytestmark = pytest.mark.slow


def _client_loop(base: str, token: str, ids, acked: list[str], stop: threading.Event,
                 seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=5) as http:
        while not stop.is_set():
            body = {"channel": "takeaway", "lines": [
                {"item_id": ids.items["rice"], "quantity": rng.randint(1, 3)},
                {"item_id": ids.items["gbjd"], "modifier_option_ids": [ids.options["Mild"]]}]}
            try:
                r = http.post("/api/orders", json=body, headers={
                    "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
            except httpx.HTTPError:
                continue  # the node is down; an unacknowledged order may or may not exist
            if r.status_code == 201:
                acked.append(r.json()["id"])


def test_every_acknowledged_order_survives_sigkill(tmp_path):
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()

    node = NodeProcess(db_url, log=tmp_path / "node.log")
    node.start()
    token = httpx.post(f"{node.base_url}/api/auth/pin",
                       json={"staff_code": "W01", "pin": ids.pins["W01"]},
                       headers={"X-Terminal-Key": ids.terminal_key}).json()["access_token"]
    acked: list[str] = []
    rng = random.Random(7)
    try:
        for _round in range(3):
            stop = threading.Event()
            clients = [threading.Thread(target=_client_loop,
                                        args=(node.base_url, token, ids, acked, stop, i))
                       for i in range(8)]
            for c in clients:
                c.start()
            time.sleep(rng.uniform(0.5, 1.5))
            node.kill()
            stop.set()
            for c in clients:
                c.join()
            node.start()
    finally:
        node.stop()

    assert len(acked) > 50, "the clients should have had orders acknowledged"
    check = build_node(fast_settings(db_url))
    with check.engine.connect() as conn:
        stored = [r.id for r in conn.execute(sa.select(orders.c.id))]
        seqs = [r.seq for r in conn.execute(sa.select(journal.c.seq).order_by(journal.c.seq))]
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged orders lost"
    assert len(stored) == len(set(stored))
    assert len(acked) == len(set(acked))
    assert seqs == list(range(1, len(seqs) + 1)), "journal seq has a gap"
    report = rebuild(check.engine, keep=False)
    assert report.matches, report.mismatched
    check.close()
