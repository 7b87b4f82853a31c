"""Printer fallback: when a station's screens are all dark, its new tickets go to its printer
once; a screen that comes back sees them as printed, not as new; reprint on request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.app import create_app
from hearth.kitchen import fallback
from hearth.node import build_node
from hearth.printing import service as printing
from hearth.printing.tables import print_jobs
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.process import free_port
from tests.conftest import Api
from tests.integration.test_kitchen_tickets import place, tickets_of, wait_for


@pytest.fixture
def store(tmp_path: Any) -> Iterator[tuple[Api, dict[str, str]]]:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db",
                                    kitchen_fallback_after_s=0.5))
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    # A printer nobody answers at: jobs queue up, which is what this test looks at.
    node.writer.run(lambda tx: printing.add_printer(tx, printing.PrinterSpec(
        "Hot printer", "127.0.0.1", free_port(), station_id=stations["hot"])))
    app = create_app(node=node)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, ids, node), stations
    node.close()


def jobs(api: Api) -> list[Any]:
    with api.node.engine.connect() as conn:
        return list(conn.execute(sa.select(print_jobs.c.dedupe_key, print_jobs.c.document,
                                           print_jobs.c.station_id)
                                 .order_by(print_jobs.c.created_at_ms)))


def test_a_dark_station_prints_its_new_tickets_once(store):
    api, stations = store
    w, k = api.login("W01"), api.login("K01")
    screens = fallback.screens_of(api.node)
    screens.opened(stations["hot"])  # a screen is on: nothing prints
    place(api, w, [{"item_id": api.ids.items["rice"], "note": "soft"}])
    wait_for(lambda: tickets_of(api, stations["hot"], k))
    time.sleep(1.5)
    assert jobs(api) == []

    screens.closed(stations["hot"])  # the screen goes dark
    ticket = wait_for(lambda: [t for t in tickets_of(api, stations["hot"], k) if t["printed"]])[0]
    assert ticket["status"] == "new", "printed, and a returning screen shows it as printed"
    time.sleep(1.2)  # more rounds of the watcher print nothing more
    printed = jobs(api)
    assert len(printed) == 1
    doc = printed[0].document
    assert printed[0].dedupe_key == f"ticket:{ticket['id']}:{ticket['version']}"
    assert doc["kind"] == "new" and doc["where"] == "A01"
    assert doc["lines"][0]["name_zh"] == "米饭" and doc["lines"][0]["note"] == "soft"
    assert doc["station"]["name_en"] == "Hot Kitchen"

    r = api.post(f"/api/kitchen/tickets/{ticket['id']}/reprint", {}, w)
    assert r.status_code == 200, r.text
    again = jobs(api)
    assert len(again) == 2 and again[1].document["kind"] == "reprint"


def test_a_station_without_a_printer_keeps_its_tickets_on_the_queue(store):
    api, stations = store
    w, k = api.login("W01"), api.login("K01")
    place(api, w, [{"item_id": api.ids.items["plum"]}])
    bar = wait_for(lambda: tickets_of(api, stations["bar"], k))
    time.sleep(1.5)
    assert bar[0]["printed"] is False
    assert tickets_of(api, stations["bar"], k)[0]["printed"] is False
    assert [j for j in jobs(api) if j.station_id == stations["bar"]] == []
    r = api.post(f"/api/kitchen/tickets/{bar[0]['id']}/reprint", {}, w)
    assert r.status_code == 409 and r.json()["code"] == "printer-none", r.text
    assert api.post(f"/api/kitchen/tickets/{uuid.uuid4()}/reprint", {}, w).status_code == 404
