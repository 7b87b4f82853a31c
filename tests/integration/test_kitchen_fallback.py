"""Printer fallback: when a station's screens are all dark, its new tickets go to its printer
once; a screen that comes back sees them as printed, not as new; reprint on request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from hearth.bootstrap import build_node, create_app
from hearth.kitchen import fallback
from hearth.printing import service as printing
from hearth.printing.emulator import TestPrinter
from hearth.printing.tables import print_jobs
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.ports import closed_port
from tests.conftest import Api
from tests.integration.test_kitchen_tickets import place, tickets_of, wait_for
from tests.integration.test_printing import FAST


@pytest.fixture
def store(tmp_path: Any) -> Iterator[tuple[Api, dict[str, str]]]:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", kitchen_fallback_after_s=0.5))
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    # A printer nobody answers at: jobs queue up, which is what this test looks at.
    with closed_port() as port:
        node.writer.run(
            lambda tx: printing.add_printer(
                tx,
                printing.PrinterSpec("Hot printer", "127.0.0.1", port, station_id=stations["hot"]),
            )
        )
        app = create_app(node=node)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Api(client, ids, node), stations
    node.close()


def jobs(api: Api) -> list[Any]:
    with api.node.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(
                    print_jobs.c.dedupe_key, print_jobs.c.document, print_jobs.c.station_id
                ).order_by(print_jobs.c.created_at_ms)
            )
        )


def test_a_dark_station_prints_its_new_tickets_once(store):
    api, stations = store
    w, k = api.login("W01"), api.login("K01")
    screens = fallback.screens_of(api.node)
    screens.opened(stations["hot"])  # a screen is on: nothing prints
    place(api, w, [{"item_id": api.ids.items["rice"], "note": "soft"}])
    wait_for(lambda: tickets_of(api, stations["hot"], k))
    time.sleep(1.5)
    assert jobs(api) == []

    screens.closed(stations["hot"], api.node.now_ms())  # the screen goes dark
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


def no_printer_warnings(logs: Sequence[Mapping[str, Any]], station_id: str) -> int:
    return sum(
        1
        for e in logs
        if e["event"] == "kitchen.fallback_no_printer" and e["station_id"] == station_id
    )


def test_a_station_without_a_printer_keeps_its_tickets_on_the_queue(store):
    api, stations = store
    w, k = api.login("W01"), api.login("K01")
    with capture_logs() as logs:
        place(api, w, [{"item_id": api.ids.items["plum"]}])
        bar = wait_for(lambda: tickets_of(api, stations["bar"], k))
        wait_for(lambda: no_printer_warnings(logs, stations["bar"]) >= 1)  # looks every second
        assert no_printer_warnings(logs, stations["bar"]) == 1
        screens = fallback.screens_of(api.node)
        screens.opened(stations["bar"])  # a screen comes and goes: a new dark spell
        screens.closed(stations["bar"], api.node.now_ms())
        wait_for(lambda: no_printer_warnings(logs, stations["bar"]) == 2)
        time.sleep(1.2)  # more rounds of the watcher (no clock to step): nothing more said
        assert no_printer_warnings(logs, stations["bar"]) == 2, "said once, not every second"
    assert bar[0]["printed"] is False
    assert tickets_of(api, stations["bar"], k)[0]["printed"] is False
    assert [j for j in jobs(api) if j.station_id == stations["bar"]] == []
    r = api.post(f"/api/kitchen/tickets/{bar[0]['id']}/reprint", {}, w)
    assert r.status_code == 409 and r.json()["code"] == "printer-none", r.text
    assert api.post(f"/api/kitchen/tickets/{uuid.uuid4()}/reprint", {}, w).status_code == 404


@pytest.fixture
def printed_store(tmp_path: Any) -> Iterator[tuple[Api, dict[str, str], TestPrinter]]:
    """A store whose hot station has a real (test) network printer on loopback."""
    node = build_node(
        fast_settings(f"sqlite:///{tmp_path}/store.db", kitchen_fallback_after_s=0.5, **FAST)
    )
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    with TestPrinter() as device:
        node.writer.run(
            lambda tx: printing.add_printer(
                tx,
                printing.PrinterSpec(
                    "热菜打印机", "127.0.0.1", device.port, station_id=stations["hot"]
                ),
            )
        )
        with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
            yield Api(client, ids, node), stations, device
    node.close()


def test_a_dark_station_prints_what_nobody_took_on_paper_once(printed_store):
    api, stations, device = printed_store
    w, k = api.login("W01"), api.login("K01")
    hot = stations["hot"]
    screens = fallback.screens_of(api.node)
    screens.opened(hot)
    kung_pao = place(
        api,
        w,
        [
            {
                "item_id": api.ids.items["gbjd"],
                "note": "不要花生",
                "modifier_option_ids": [api.ids.options["Mild"]],
            }
        ],
    )
    rice = place(api, w, [{"item_id": api.ids.items["rice"]}])
    taken = wait_for(
        lambda: [t for t in tickets_of(api, hot, k) if t["order_number"] == rice["number"]]
    )[0]
    r = api.post(f"/api/kitchen/stations/{hot}/tickets/{taken['id']}/start", {}, k)
    assert r.status_code == 200, r.text  # the cook took this one before the screen died

    screens.closed(hot, api.node.now_ms())  # the last screen goes dark
    jobs = device.wait_for_jobs(1)
    assert len(jobs) == 1, "only the ticket nobody had started"
    paper = device.text(jobs[0])
    for expected in (
        f"#{kung_pao['number']}",
        "宫保鸡丁",
        "x1",
        "微辣",
        "不要花生",
        "A01",
        "热菜 Hot Kitchen",
    ):
        assert expected in paper, (expected, paper)
    assert "米饭" not in paper
    mapo = place(
        api,
        w,
        [{"item_id": api.ids.items["mpdf"], "modifier_option_ids": [api.ids.options["Not spicy"]]}],
    )
    jobs = device.wait_for_jobs(2)
    assert len(jobs) == 2 and "麻婆豆腐" in device.text(jobs[1]), "sent while dark: printed"

    screens.opened(hot)  # a screen comes back
    time.sleep(1.5)  # more rounds of the watcher and the print worker
    assert len(device.jobs) == 2, "nothing printed again"
    shown = tickets_of(api, hot, k)
    assert sorted(t["order_number"] for t in shown) == sorted(
        [kung_pao["number"], rice["number"], mapo["number"]]
    ), "each ticket on screen once"
    assert len({t["id"] for t in shown}) == len(shown)
    on_paper = {t["order_number"]: (t["printed"], t["status"]) for t in shown}
    assert on_paper == {
        kung_pao["number"]: (True, "new"),
        mapo["number"]: (True, "new"),
        rice["number"]: (False, "in_progress"),
    }

    screens.closed(hot, api.node.now_ms())  # dark again: what is on paper is not printed twice
    late = place(api, w, [{"item_id": api.ids.items["rice"], "note": "after"}])
    jobs = device.wait_for_jobs(3)
    time.sleep(1.2)
    assert len(device.jobs) == 3
    assert f"#{late['number']}" in device.text(device.jobs[2])
