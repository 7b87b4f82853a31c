"""Alerts on a live node whose clock a test steps: a dark kitchen screen is raised once it has
lasted, journaled, shown to the admin page and the tills, posted to a real local webhook (which
fails first, so the retry is seen), acknowledged, and cleared once the screen is back."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.clock import ManualClock
from hearth.core.rebuild import rebuild
from hearth.core.tables import journal
from hearth.kitchen.fallback import screens_of
from hearth.kitchen.tables import tickets
from hearth.ops.alert_rules import Change
from hearth.ops.alerts import AlertConfig, AlertRunner, metrics, runner_of
from hearth.ops.tables import ops_alerts
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.waiting import wait_until
from tests.conftest import Api
from tests.integration.test_kitchen_tickets import place
from tests.integration.test_payments_failover import CODE
from tests.integration.test_payments_fixtures import Till, open_till
from tests.integration.test_stepped_loops import step_until
from tests.unit.test_payment_fake_provider import FakeProvider


class Hook:
    """A group-chat robot on localhost that refuses its first ``fail_first`` messages."""

    def __init__(self, fail_first: int = 1) -> None:
        self.got: list[dict[str, Any]] = []
        self.tries = 0
        self.fail_first = fail_first
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.tries += 1
                if hook.tries <= hook.fail_first:
                    self.send_response(502)
                else:
                    hook.got.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode":0}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(int(time.time() * 1000))


@pytest.fixture
def store(tmp_path: Any, clock: ManualClock, hook: Hook) -> Iterator[tuple[Api, dict[str, str]]]:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"), clock=clock)
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    runner = runner_of(node)
    assert runner is not None
    runner.config = AlertConfig(webhook_url=hook.url, interval_s=10, peak_every_s=3600)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        yield Api(client, ids, node), stations
    node.close()


def alerts(api: Api) -> list[Any]:
    with api.node.engine.connect() as conn:
        return list(conn.execute(sa.select(ops_alerts).order_by(ops_alerts.c.key)))


def events(api: Api | Till, type_: str) -> list[Any]:
    with api.node.engine.connect() as conn:
        return list(conn.execute(sa.select(journal.c.payload).where(journal.c.type == type_)))


def test_a_dark_screen_is_raised_journaled_posted_acknowledged_and_cleared(
    store: tuple[Api, dict[str, str]], clock: ManualClock, hook: Hook
) -> None:
    api, stations = store
    runner = runner_of(api.node)
    assert runner is not None
    # The hot and bar screens drop; the pass never had one (a station that prints is no fault).
    screens = screens_of(api.node)
    for key in ("hot", "bar"):
        screens.opened(stations[key])
        screens.closed(stations[key], clock.now_ms())
    step_until(clock, lambda: runner.rounds >= 1, first_ms=10_000, what="a first round")
    assert alerts(api) == [], "dark for 10 s: the 30 s hysteresis holds it back"

    raised = step_until(
        clock,
        lambda: [a for a in alerts(api) if a.key == "kds.Hot Kitchen"],
        first_ms=10_000,
        step_ms=10_000,
        what="the dark station raised",
    )[0]
    assert raised.severity == "warn" and raised.cleared_at_ms is None
    assert "Hot Kitchen" in raised.cause_en and "Hot Kitchen" in raised.cause_zh
    assert raised.fix_en == "turn on Hot Kitchen's screen and check its network"
    assert {e.payload["key"] for e in events(api, "AlertRaised")} >= {"kds.Hot Kitchen", "kds.Bar"}
    (gauge,) = list(metrics(api.node))  # what /metrics serves Prometheus
    assert {x.labels["severity"]: x.value for x in gauge.samples} == {"warn": 2, "fail": 0}

    # The webhook refused the first message; the retry (on the node's clock) delivers it.
    got = step_until(clock, lambda: hook.got, first_ms=1000, what="the webhook message")
    assert hook.tries >= 2
    body = got[0]
    assert body["msgtype"] == "markdown" and "kds." in body["markdown"]["content"]
    assert "**Fix**" in body["markdown"]["content"]

    # The admin page and the tills see it.
    manager, cashier = api.login("M01"), api.login("C01")
    page = api.client.get("/api/ops/alerts", headers=manager).json()
    assert "kds.Hot Kitchen" in {a["key"] for a in page["open"]} and page["webhook"] is True
    assert api.client.get("/api/ops/alerts", headers=cashier).status_code == 403
    banner = api.client.get("/api/ops/alerts/banner", headers=cashier).json()
    assert banner and {"cause_zh", "fix_en"} <= set(banner[0])

    # Acknowledged once, however often the press is retried; a stranger id is a 404.
    key = "ack-1"
    first = api.post(f"/api/ops/alerts/{raised.id}/ack", {}, manager, key=key)
    again = api.post(f"/api/ops/alerts/{raised.id}/ack", {}, manager, key=key)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["acked_by"] == api.ids.staff["M01"]
    assert len(events(api, "AlertAcknowledged")) == 1
    assert api.post("/api/ops/alerts/nope/ack", {}, manager).status_code == 404
    assert api.post(f"/api/ops/alerts/{raised.id}/ack", {}, cashier).status_code == 403

    # The screen comes back: cleared after a quiet minute, not before.
    screens_of(api.node).opened(stations["hot"])
    before = runner.rounds
    step_until(clock, lambda: runner.rounds > before, first_ms=10_000, what="a round")
    assert next(a for a in alerts(api) if a.key == "kds.Hot Kitchen").cleared_at_ms is None
    cleared = step_until(
        clock,
        lambda: [a for a in alerts(api) if a.key == "kds.Hot Kitchen" and a.cleared_at_ms],
        first_ms=10_000,
        step_ms=10_000,
        what="the alert cleared",
    )[0]
    assert cleared.cleared_at_ms - cleared.raised_at_ms >= 60_000
    assert [e.payload["id"] for e in events(api, "AlertCleared")] == [raised.id]
    wait_until(
        lambda: any("已恢复" in b["markdown"]["content"] for b in hook.got), what="the clear post"
    )
    page = api.client.get("/api/ops/alerts", headers=manager).json()
    assert raised.id in {a["id"] for a in page["recent"]}
    assert "kds.Hot Kitchen" not in {a["key"] for a in page["open"]}
    # The others stay open, each raised once however many rounds ran.
    assert len([a for a in alerts(api) if a.key == "kds.Bar"]) == 1
    assert not [a for a in alerts(api) if a.key == "kds.Expo"]
    # A node started again picks the open ones up: it clears them, it does not raise them twice.
    fresh = AlertRunner(api.node, runner.config)
    fresh.load_open()
    assert set(fresh.opened) == {a.key for a in alerts(api) if a.cleared_at_ms is None}
    assert "kds.Bar" in fresh.opened and all(t.open for t in fresh.tracks.values())


def test_a_lunch_peak_the_kitchen_has_only_just_handled_is_warned_ahead_and_then_cleared(
    tmp_path: Any,
) -> None:
    """Four Mondays of 8 orders at 12:00 that the Hot Kitchen bumped within a minute: the
    fifth Monday at 11:20 expects 8 again, which is all the station has shown it can take."""
    tz = ZoneInfo("Asia/Shanghai")
    today = datetime.now(tz).date() - timedelta(days=1)
    today -= timedelta(days=today.weekday())  # a Monday in the past week
    first = datetime.combine(today - timedelta(days=28), dtime(12, 2), tz)
    clock = ManualClock(int(first.timestamp() * 1000))
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"), clock=clock)
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    runner = runner_of(node)
    assert runner is not None
    runner.config = AlertConfig(interval_s=10, peak_every_s=60)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        api = Api(client, ids, node)

        def hot_open() -> list[Any]:
            with node.engine.connect() as conn:
                return list(
                    conn.execute(
                        sa.select(tickets.c.id)
                        .where(tickets.c.station_id == stations["hot"])
                        .where(tickets.c.status != "done")
                    )
                )

        for week in range(4):
            if week:
                clock.advance(7 * 24 * 3600 * 1000)
            waiter, cook = api.login("W01"), api.login("K01")
            for _ in range(8):
                place(
                    api,
                    waiter,
                    [{"item_id": ids.items["rice"]}],
                    channel="takeaway",
                    table_id=None,
                    guests=1,
                )
            wait_until(lambda: len(hot_open()) == 8, what="the lunch tickets")
            clock.advance(60_000)  # a minute at the pass
            for t in hot_open():
                r = api.post(
                    f"/api/kitchen/stations/{stations['hot']}/tickets/{t.id}/bump", {}, cook
                )
                assert r.status_code == 200, r.text
        # The fifth Monday, 11:20: the 12:00 slot starts 40 minutes ahead.
        now = datetime.combine(today, dtime(11, 20), tz)
        clock.advance(int(now.timestamp() * 1000) - clock.now_ms())

        def peak() -> list[Any]:
            return [a for a in alerts(api) if a.key == "peak.Hot Kitchen"]

        raised = step_until(clock, peak, first_ms=10_000, step_ms=10_000, what="the warning")[0]
        facts = raised.facts
        assert facts["capacity"] == 8 and facts["expected_orders"] == 8
        assert facts["slot_start_ms"] == int(
            datetime.combine(today, dtime(12, 0), tz).timestamp() * 1000
        )
        assert raised.raised_at_ms - int(now.timestamp() * 1000) <= 60_000
        assert "12:00–12:15" in raised.cause_en and "Hot Kitchen" in raised.cause_en
        assert "open a second Hot Kitchen station" in raised.fix_en
        assert "HEARTH_DELIVERY_WINDOW_CAP" in raised.fix_en and "外卖" in raised.fix_zh

        # Past the peak nothing is expected 30-60 minutes ahead: cleared after its quiet spell.
        clock.advance(80 * 60_000)
        step_until(
            clock,
            lambda: peak()[0].cleared_at_ms,
            first_ms=10_000,
            step_ms=60_000,
            what="the warning cleared",
        )
    node.close()


def test_online_payments_failing_raise_the_failure_rate_alert_until_the_window_is_clean(
    tmp_path: Any, clock: ManualClock
) -> None:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"), clock=clock)
    ids = a_small_restaurant(node)
    alipay = FakeProvider("alipay", frozenset({"scan_code", "merchant_qr"}))
    alipay.mode = "decline"
    runner = runner_of(node)
    assert runner is not None
    runner.config = AlertConfig(interval_s=10, peak_every_s=3600)

    def rate_alerts() -> list[Any]:
        with node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(ops_alerts).where(ops_alerts.c.key == "payments.failure_rate")
                )
            )

    for till in open_till(node, ids, {"alipay": alipay}):

        def pay(n: int, mode: str, status: str, till: Till = till) -> None:
            alipay.mode = mode
            for _ in range(n):
                order = till.order("rice")
                p = till.pay(order["id"], tender="wallet_scan", amount=300, auth_code=CODE)
                assert p.json()["status"] == status, p.json()

        pay(4, "ok", "succeeded")
        pay(3, "decline", "failed")
        cash = till.pay(till.order("rice")["id"], tender="cash", amount=300, tendered=300)
        assert cash.json()["status"] == "succeeded", "cash counts for nothing in the rate"
        alert = step_until(clock, rate_alerts, first_ms=10_000, what="the rate alert")[0]
        assert alert.severity == "warn" and alert.facts["decided"] == 7
        assert "3 of 7 online payments failed" in alert.cause_en
        # Worse: the same alert turns critical with the new numbers (and is posted again).
        pay(4, "decline", "failed")
        step_until(
            clock, lambda: rate_alerts()[0].severity == "fail", first_ms=10_000, what="worse"
        )
        (worse,) = rate_alerts()
        assert worse.id == alert.id and "7 of 11" in worse.cause_en
        assert [e.payload["id"] for e in events(till, "AlertWorsened")] == [alert.id]
        # Ten quiet minutes empty the window; two more clear the alert.
        step_until(
            clock,
            lambda: rate_alerts()[0].cleared_at_ms,
            first_ms=600_000,
            step_ms=10_000,
            what="the rate alert cleared",
        )
    # The table is a projection: raised, worsened and cleared come back the same from the journal.
    report = rebuild(node.engine, node.projectors, keep=False)
    assert report.matches, report.mismatched
    assert report.tables["ops_alerts"] == 1
    node.close()


def test_a_chat_server_that_never_answers_holds_up_nothing(tmp_path: Any) -> None:
    """The robot's server takes the connection and never answers: posting an alert returns at
    once, the queue stays bounded (the oldest messages go), and the round goes on."""
    with socket.socket() as hang:
        hang.bind(("127.0.0.1", 0))
        hang.listen(64)  # connections wait in the backlog, never accepted, never answered
        node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"))
        runner = runner_of(node)
        assert runner is not None
        runner.config = AlertConfig(
            webhook_url=f"http://127.0.0.1:{hang.getsockname()[1]}/send",
            webhook_timeout_s=0.2,
            webhook_attempts=2,
            interval_s=3600,
        )
        alert = {
            "key": "printer.Kitchen",
            "severity": "fail",
            "cause": {"zh": "缺纸", "en": "paper out"},
            "fix": {"zh": "加纸", "en": "load paper"},
        }

        async def main() -> None:
            await runner.start()
            assert runner.outbox is not None
            started = time.monotonic()
            for i in range(300):
                runner.notify(Change.RAISE, alert | {"id": f"a{i}"})
            assert time.monotonic() - started < 0.5, "posting never waits for the server"
            assert runner.outbox.qsize() <= runner.outbox.maxsize
            await asyncio.sleep(0.6)  # past a timeout and a retry: still nothing delivered
            assert runner.sent == deque() and runner.hook_task is not None
            assert not runner.hook_task.done(), "a failed post does not end the poster"
            changes = await runner.evaluate()  # a round still runs while the poster is stuck
            assert runner.rounds == 1 and changes == []
            await runner.stop()

        try:
            asyncio.run(_with_writer(node, main))
        finally:
            node.close()


async def _with_writer(node: Any, body: Any) -> None:
    await node.writer.start()
    try:
        await body()
    finally:
        await node.writer.stop()
