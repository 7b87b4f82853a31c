"""The node's background loops run on its clock: a test steps them instead of waiting.

Each test builds a node on a ManualClock, starts the app, lets the loop park on the clock, and
moves time past the loop's interval; the work happens with no real wait for the interval (the
intervals here are minutes, far beyond any test's deadline).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.clock import ManualClock
from hearth.core.journal import Event
from hearth.core.subscribers import Subscriber, cursor_of
from hearth.kitchen.tables import tickets
from hearth.payments.tables import payments
from hearth.printing import service as printing
from hearth.printing.lifecycle import worker_of
from hearth.printing.tables import print_jobs
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.ports import closed_port
from hearth.testing.waiting import wait_until
from tests.conftest import Api
from tests.integration import test_delivery_webhooks as webhooks
from tests.integration.test_kitchen_tickets import place
from tests.integration.test_payments_fixtures import Till, open_till
from tests.unit.test_payment_fake_provider import FakeProvider

T = TypeVar("T")
MINUTE = 60_000


def step_until(
    clock: ManualClock,
    check: Callable[[], T | None],
    first_ms: int,
    step_ms: int = 1000,
    what: str = "",
) -> T:
    """Move the clock ``first_ms`` once a loop is parked on it, then a step at a time while
    loops are parked, until ``check`` holds: a loop busy with its round when time moved sleeps
    again from the new time, so one jump alone could leave it parked short of its work."""
    wait_until(lambda: clock.sleepers > 0, what="a loop parked on the clock")
    clock.advance(first_ms)

    def stepped() -> T | None:
        value = check()
        if not value and clock.sleepers:
            clock.advance(step_ms)
        return value

    return wait_until(stepped, what=what)


@pytest.fixture
def clock() -> ManualClock:
    # The real time at the start: the platforms' signed requests carry it.
    return ManualClock(int(time.time() * 1000))


def test_a_failing_subscriber_retries_when_the_clock_moves(
    tmp_path: Any, clock: ManualClock
) -> None:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"), clock=clock)
    a_small_restaurant(node)
    calls: list[int] = []

    def handle(events: list[Event]) -> None:
        calls.append(len(events))
        if len(calls) == 1:
            raise RuntimeError("the first delivery fails")

    sub = Subscriber("flaky", handle)
    node.subscribers.append(sub)
    top = node.writer.journal.next_seq - 1
    with TestClient(create_app(node=node)):
        wait_until(lambda: sub.failures == 1, what="the first failure")
        assert len(calls) == 1
        step_until(
            clock, lambda: sub.failures == 0 and len(calls) == 2, first_ms=50, what="the retry"
        )
        with node.engine.connect() as conn:
            assert cursor_of(conn, "flaky") == top
    node.close()


@pytest.fixture
def kitchen(tmp_path: Any, clock: ManualClock) -> Iterator[tuple[Api, dict[str, str]]]:
    node = build_node(
        fast_settings(
            f"sqlite:///{tmp_path}/store.db",
            kitchen_fallback_after_s=600,
            printer_probe_interval_s=300,
        ),
        clock=clock,
    )
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    with closed_port() as port:  # nobody answers: jobs queue, probes find it offline
        node.writer.run(
            lambda tx: printing.add_printer(
                tx,
                printing.PrinterSpec("Hot printer", "127.0.0.1", port, station_id=stations["hot"]),
            )
        )
        with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
            yield Api(client, ids, node), stations
    node.close()


def test_the_kitchen_fallback_prints_a_dark_station_after_stepped_time(kitchen, clock) -> None:
    api, stations = kitchen

    def hot_tickets() -> list[Any]:
        with api.node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(tickets.c.id, tickets.c.printed).where(
                        tickets.c.station_id == stations["hot"]
                    )
                )
            )

    def jobs() -> list[Any]:
        with api.node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(print_jobs.c.dedupe_key).where(
                        print_jobs.c.station_id == stations["hot"]
                    )
                )
            )

    place(api, api.login("W01"), [{"item_id": api.ids.items["rice"]}])
    ticket = wait_until(hot_tickets, what="the ticket")[0]
    wait_until(lambda: clock.sleepers > 0)
    assert jobs() == [] and not ticket.printed, "dark for no time yet: nothing printed"
    step_until(
        clock,
        lambda: [t for t in hot_tickets() if t.printed],
        first_ms=600 * 1000,
        what="the fallback printing the ticket",
    )
    assert [j.dedupe_key.split(":")[1] for j in jobs()] == [ticket.id]


def test_the_printer_probe_runs_again_when_the_clock_moves(kitchen, clock) -> None:
    api, _stations = kitchen
    worker = worker_of(api.node)
    assert worker is not None
    start = clock.now_ms()
    first = wait_until(lambda: list(worker.health.values()), what="the first probe")[0]
    assert first.checked_at_ms == start and first.state == "offline"
    step_until(
        clock,
        lambda: first.checked_at_ms >= start + 300 * 1000,
        first_ms=300 * 1000,
        what="the next probe",
    )


def test_the_settler_settles_a_pending_payment_when_the_clock_moves(
    tmp_path: Any, clock: ManualClock
) -> None:
    node = build_node(
        fast_settings(
            f"sqlite:///{tmp_path}/store.db",
            payment_call_timeout_ms=300,
            payment_budget_ms=1500,
            payment_settle_interval_ms=10 * MINUTE,
        ),
        clock=clock,
    )
    ids = a_small_restaurant(node)
    alipay = FakeProvider("alipay", frozenset({"scan_code", "merchant_qr"}))
    alipay.mode = "pending"
    till: Till
    for till in open_till(node, ids, {"alipay": alipay}):
        order = till.order("rice")
        p = till.pay(order["id"], tender="wallet_qr", amount=300).json()
        assert p["status"] == "pending", p
        alipay.settle_pending(p["id"])  # the guest paid; the store has not heard yet

        def status(pid: str = p["id"]) -> str:
            with node.engine.connect() as conn:  # not the API: a read there may poll itself
                return str(
                    conn.execute(sa.select(payments.c.status).where(payments.c.id == pid)).scalar()
                )

        wait_until(lambda: clock.sleepers > 0)
        assert status() == "pending"
        step_until(
            clock,
            lambda: status() == "succeeded",
            first_ms=10 * MINUTE,
            what="the settler settling it",
        )
        assert till.bill(order["id"])["status"] == "paid"
    node.close()


def test_the_delivery_ticker_rejects_an_unaccepted_order_at_stepped_time(
    tmp_path: Any, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The webhook tests' store, on this clock.
    monkeypatch.setattr(webhooks, "build_node", lambda s: build_node(s, clock=clock))
    with webhooks.make_store(tmp_path, delivery_accept_timeout_s=600, delivery_tick_s=60) as store:
        data = store.emulator().send_order([webhooks.GBJD], order_id="TS1").json()["order"]
        wait_until(lambda: store.platform.statuses("TS1") == [] and clock.sleepers > 0)
        assert webhooks.our_order(store, data["order_id"])["status"] != "cancelled"
        step_until(
            clock,
            lambda: store.platform.statuses("TS1") == ["cancelled"],
            first_ms=600 * 1000,
            what="the ticker rejecting it",
        )
        assert webhooks.our_order(store, data["order_id"])["status"] == "cancelled"
