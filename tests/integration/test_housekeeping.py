"""Housekeeping on the node's clock: stored idempotency answers go once older than the keep
window (a retry inside it still replays), and the WAL is checkpointed between the writer's
batches. Each test steps a ManualClock instead of waiting the loops' minutes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.clock import ManualClock
from hearth.core.housekeeping import HOUR_MS, Housekeeper, housekeeper_of
from hearth.core.tables import idempotency_keys
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.waiting import wait_until
from tests.conftest import Api
from tests.integration.test_stepped_loops import step_until

KEEP_H = 72


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(int(time.time() * 1000))


@pytest.fixture
def api(tmp_path: Any, clock: ManualClock) -> Iterator[Api]:
    node = build_node(
        fast_settings(
            f"sqlite:///{tmp_path}/store.db",
            idempotency_keep_hours=KEEP_H,
            idempotency_prune_every_s=3600,
            idempotency_prune_batch=3,
            wal_checkpoint_every_s=600,
        ),
        clock=clock,
    )
    ids = a_small_restaurant(node)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        yield Api(client, ids, node)
    node.close()


def stored_keys(api: Api) -> set[str]:
    with api.node.engine.connect() as conn:
        return set(conn.execute(sa.select(idempotency_keys.c.key)).scalars())


def open_order(api: Api, headers: dict[str, str], key: str) -> Any:
    return api.post(
        "/api/orders",
        {"channel": "takeaway", "lines": [{"item_id": api.ids.items["rice"]}]},
        headers,
        key=key,
    )


def keeper(api: Api) -> Housekeeper:
    hk = housekeeper_of(api.node)
    assert hk is not None
    return hk


def test_answers_older_than_the_window_are_pruned_and_a_retry_inside_it_replays(
    api: Api, clock: ManualClock
) -> None:
    w = api.login("W01")
    old = [uuid.uuid4().hex for _ in range(7)]  # more than two prune batches of 3
    for key in old:
        assert open_order(api, w, key).status_code == 201
    clock.advance((KEEP_H - 1) * HOUR_MS)
    w = api.login("W01")  # a new shift's sign-in: the first has expired
    recent = uuid.uuid4().hex
    first = open_order(api, w, recent)
    assert first.status_code == 201
    assert set(old) | {recent} <= stored_keys(api)

    # Past the window for the old answers only; the prune loop runs hourly.
    step_until(
        clock,
        lambda: not set(old) & stored_keys(api),
        first_ms=2 * HOUR_MS,
        step_ms=60_000,
        what="the old answers pruned",
    )
    assert recent in stored_keys(api)
    assert keeper(api).pruned >= len(old)

    again = open_order(api, w, recent)  # the till retries inside the window: same answer
    assert again.status_code == first.status_code
    assert again.json()["id"] == first.json()["id"]


def test_the_wal_is_checkpointed_when_the_clock_moves(api: Api, clock: ManualClock) -> None:
    hk = keeper(api)
    w = api.login("W01")
    for _ in range(3):
        assert open_order(api, w, uuid.uuid4().hex).status_code == 201
    assert hk.last_checkpoint is None
    cp = step_until(clock, lambda: hk.last_checkpoint, first_ms=600_000, what="a WAL checkpoint")
    assert cp.busy == 0 and cp.wal_frames > 0
    assert cp.checkpointed == cp.wal_frames  # no reader held any frame back
    r = open_order(api, w, uuid.uuid4().hex)  # the writer carries on after it
    assert r.status_code == 201, r.text
    wait_until(lambda: clock.sleepers > 0, what="the loops parked again")
