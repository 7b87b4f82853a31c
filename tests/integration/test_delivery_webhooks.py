"""Delivery-platform webhooks, accept/reject, callbacks and pacing, against the real app with
the platform emulator: its client signs pushes, its HTTP server on loopback takes our status
callbacks (and fails on purpose when told to)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.channels.delivery import service
from hearth.channels.delivery.domain import Platform
from hearth.channels.delivery.emulator import CallbackServer, Credentials, Line, PlatformClient
from hearth.channels.delivery.service import callbacks_for_events
from hearth.channels.delivery.tables import delivery_orders
from hearth.core.journal import read_events
from hearth.core.node import Node
from hearth.core.tables import journal
from hearth.ordering.tables import orders
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.waiting import subscribers_caught_up, wait_until

CREDS = {
    Platform.MEITUAN: Credentials("mt-test", "mt-secret-for-tests"),
    Platform.DOUYIN: Credentials("dy-test", "dy-secret-for-tests"),
}


@dataclass
class Store:
    client: TestClient
    node: Node
    ids: DemoIds
    platform: CallbackServer

    def login(self, code: str) -> dict[str, str]:
        r = self.client.post(
            "/api/auth/pin",
            json={"staff_code": code, "pin": self.ids.pins[code]},
            headers={"X-Terminal-Key": self.ids.terminal_key},
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def post(self, path: str, body: Any = None, who: str = "M01") -> Any:
        return self.client.post(
            path, json=body or {}, headers={**self.login(who), "Idempotency-Key": uuid.uuid4().hex}
        )

    def seq(self) -> int:
        with self.node.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)

    def emulator(self, platform: Platform = Platform.MEITUAN) -> PlatformClient:
        return PlatformClient(platform, "", CREDS[platform], client=self.client)

    def map(
        self,
        platform: Platform,
        sku: str,
        item: str,
        spec: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        r = self.client.put(
            f"/api/delivery/mappings/{platform.value}/{sku}",
            json={
                "item_id": self.ids.items[item],
                "spec_id": spec,
                "modifier_option_ids": list(options),
            },
            headers={**self.login("M01"), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 200, r.text


def settled(store: Store) -> Callable[[], bool]:
    """Every event so far handled and every queued callback sent: nothing more will reach the
    platform unless something new happens."""
    handled = subscribers_caught_up(store.node)

    def check() -> bool:
        with store.node.engine.connect() as conn:
            return handled() and not service.queued_callbacks(conn, store.node.settings.store_id)

    return check


@contextmanager
def make_store(tmp_path: Any, **settings: Any) -> Iterator[Store]:
    platform = CallbackServer(CREDS).start()
    cfg = {
        "delivery_meituan_app_id": CREDS[Platform.MEITUAN].app_id,
        "delivery_meituan_secret": CREDS[Platform.MEITUAN].secret,
        "delivery_douyin_app_id": CREDS[Platform.DOUYIN].app_id,
        "delivery_douyin_secret": CREDS[Platform.DOUYIN].secret,
        "delivery_meituan_callback_url": platform.url(Platform.MEITUAN),
        "delivery_douyin_callback_url": platform.url(Platform.DOUYIN),
        "delivery_tick_s": 0.05,
    } | settings
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", **cfg))
    ids = a_small_restaurant(node)
    try:
        with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
            store = Store(client, node, ids, platform)
            for p in Platform:
                store.map(p, f"{p.value}-gbjd", "gbjd", options=(ids.options["Mild"],))
                store.map(p, f"{p.value}-rice", "rice")
                store.map(p, f"{p.value}-cola-l", "cola", spec=ids.specs["large"])
            yield store
    finally:
        platform.stop()
        node.close()


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    with make_store(tmp_path) as s:
        yield s


@pytest.fixture
def auto_store(tmp_path: Any) -> Iterator[Store]:
    with make_store(tmp_path, delivery_auto_accept=True) as s:
        yield s


GBJD = Line("meituan-gbjd", 1, 3800, "宫保鸡丁")
RICE = Line("meituan-rice", 2, 300, "米饭")


def our_order(store: Store, order_id: str) -> dict[str, Any]:
    r = store.client.get(f"/api/orders/{order_id}", headers=store.login("M01"))
    assert r.status_code == 200, r.text
    return dict(r.json())


# -- arriving -----------------------------------------------------------------------------------
@pytest.mark.parametrize("platform", list(Platform))
def test_a_signed_order_is_placed_with_our_items_and_a_quoted_time(store, platform):
    p = platform.value
    r = store.emulator(platform).send_order(
        [Line(f"{p}-gbjd", 1, 3800), Line(f"{p}-rice", 2, 300), Line(f"{p}-cola-l", 1, 800)],
        order_id="A1001",
        remark="no chilli please",
    )
    assert r.status_code == 200, r.text
    body = r.json()
    data = body["order"] if platform is Platform.MEITUAN else body["data"]
    assert (body.get("data") == "ok") if platform is Platform.MEITUAN else body["err_no"] == 0
    assert data["state"] == "pending" and data["quoted_minutes"] == 25
    order = our_order(store, data["order_id"])
    assert order["channel"] == "delivery" and order["status"] == "open"
    assert [(ln["name_en"], ln["quantity"]) for ln in order["lines"]] == [
        ("Kung Pao Chicken", 1),
        ("Steamed Rice", 2),
        ("Cola", 1),
    ]
    assert order["lines"][0]["modifiers"][0]["name_en"] == "Mild"
    assert order["lines"][2]["spec_name_en"] == "Large"
    assert order["totals"]["total"] == 3800 + 600 + 800
    d = store.client.get(
        f"/api/delivery/orders/{data['delivery_id']}", headers=store.login("C01")
    ).json()
    assert d["platform_total"] == d["our_total"] == 5200 and d["price_mismatch"] is False
    assert d["platform_paid"] == 5200 and d["note"] == "no chilli please"
    assert [(ln["sku"], ln["name_en"]) for ln in d["lines"]] == [
        (f"{p}-gbjd", "Kung Pao Chicken"),
        (f"{p}-rice", "Steamed Rice"),
        (f"{p}-cola-l", "Cola"),
    ]


def test_the_platforms_price_is_recorded_and_a_mismatch_flagged(store):
    r = store.emulator().send_order([Line("meituan-gbjd", 1, 3500)])
    d = store.client.get(
        f"/api/delivery/orders/{r.json()['order']['delivery_id']}", headers=store.login("M01")
    ).json()
    assert (d["our_total"], d["platform_total"], d["price_mismatch"]) == (3800, 3500, True)


def test_a_meituan_push_as_json_params_works_too(store):
    em = store.emulator()
    r = em.send(em.order_push("J1", [GBJD]), as_json=True)
    assert r.status_code == 200, r.text


# -- refusals: a clear answer and nothing written -------------------------------------------
@pytest.mark.parametrize("platform", list(Platform))
def test_a_bad_signature_is_refused_and_nothing_written(store, platform):
    before = store.seq()
    em = store.emulator(platform)
    push = em.order_push("FORGED", [Line(f"{platform.value}-gbjd", 1, 1)])
    r = em.send(push, secret="not-the-secret")
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "delivery-signature-invalid"
    assert (body["error"]["code"] if platform is Platform.MEITUAN else body["err_no"]) == 1001
    assert store.seq() == before


def test_a_tampered_body_fails_its_douyin_signature(store):
    em = store.emulator(Platform.DOUYIN)
    body = json.dumps(em.order_push("T1", [Line("douyin-gbjd", 1, 3800)])).encode()
    from hearth.channels.delivery.platforms import douyin

    headers = douyin.headers("dy-test", str(int(time.time())), body, "dy-secret-for-tests")
    tampered = body.replace(b'"count": 1', b'"count": 9')
    before = store.seq()
    r = store.client.post("/api/delivery/webhooks/douyin", content=tampered, headers=headers)
    assert r.status_code == 401 and store.seq() == before


def test_a_stale_or_replayed_request_is_refused(store):
    before = store.seq()
    em = store.emulator()
    r = em.send(em.order_push("OLD1", [GBJD]), sent_at_s=int(time.time()) - 3600)
    assert r.status_code == 401 and r.json()["code"] == "delivery-timestamp-stale"
    assert r.json()["error"]["code"] == 1002
    assert store.seq() == before


def test_an_unknown_item_is_refused_clearly_and_nothing_written(store):
    before = store.seq()
    r = store.emulator().send_order([GBJD, Line("meituan-lobster", 1, 99900)], order_id="U1")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "delivery-item-unknown" and body["unknown_skus"] == ["meituan-lobster"]
    assert body["data"] == "ng" and body["error"]["code"] == 1003
    assert "meituan-lobster" in body["detail"]
    assert store.seq() == before


def test_nonsense_in_the_order_is_refused(store):
    em = store.emulator()
    before = store.seq()
    for push in (
        {"type": "order", "order": "not json"},
        {
            "type": "order",
            "order": json.dumps({"order_id": "X", "ctime": 1, "paid": 1, "items": []}),
        },
        {
            "type": "order",
            "order": json.dumps(
                {
                    "order_id": "X",
                    "ctime": int(time.time()),
                    "paid": 1,
                    "items": [{"sku_id": "meituan-rice", "quantity": -3, "price": 1}],
                }
            ),
        },
        {"type": "refund"},
    ):
        r = em.send(push)
        assert r.status_code == 422, (push, r.text)
        assert r.json()["data"] == "ng"
    assert store.seq() == before


# -- duplicates ---------------------------------------------------------------------------------
def test_a_repeated_push_gets_the_same_answer_and_no_second_order(store):
    em = store.emulator()
    push = em.order_push("D1", [GBJD])
    first, second = em.send(push), em.send(push)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_ten_concurrent_duplicates_make_one_order(store):
    em = store.emulator(Platform.DOUYIN)
    push = em.order_push("C10", [Line("douyin-rice", 1, 300)])
    answers: list[Any] = []

    def send() -> None:
        r = em.send(push)
        answers.append((r.status_code, r.json()["data"]["order_id"]))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 10 and len({a for a in answers}) == 1 and answers[0][0] == 200
    with store.node.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(delivery_orders)).scalar() == 1


# -- accept, reject, timeout, callbacks ------------------------------------------------------
def test_accept_sends_it_to_the_kitchen_and_ready_and_accepted_reach_the_platform_once(store):
    store.platform.fail_next = 3  # the platform is down for the first tries
    data = store.emulator().send_order([GBJD], order_id="CB1").json()["order"]
    r = store.post(f"/api/delivery/orders/{data['delivery_id']}/accept", who="C01")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert our_order(store, data["order_id"])["status"] == "submitted"
    r = store.post(f"/api/orders/{data['order_id']}/status", {"status": "ready"}, who="K01")
    assert r.status_code == 200, r.text
    wait_until(lambda: store.platform.statuses("CB1") == ["accepted", "ready"])
    wait_until(settled(store), what="the outbox empty")  # so nothing more arrives later
    assert store.platform.statuses("CB1") == ["accepted", "ready"]
    assert sum(store.platform.posts.values()) == 3 + 2, "3 failed tries, then one each"
    callbacks = store.client.get(
        f"/api/delivery/orders/{data['delivery_id']}", headers=store.login("M01")
    ).json()["callbacks"]
    assert [c["state"] for c in callbacks] == ["sent", "sent"]
    # Should the order become ready a second time (the kitchen took a dish back and finished
    # it again before the handover), the courier was already told once.
    first_ready = next(
        e
        for e in _all_events(store.node)
        if e.type == "OrderStatusChanged" and e.payload.get("to") == "ready"
    )
    again = dataclasses.replace(first_ready, event_id=str(uuid.uuid4()))
    command = callbacks_for_events([again])
    assert command is not None
    store.node.writer.run(command)
    assert [
        c["status"]
        for c in store.client.get(
            f"/api/delivery/orders/{data['delivery_id']}", headers=store.login("M01")
        ).json()["callbacks"]
    ] == ["accepted", "ready"]
    # At handover the platform's payment settles the bill with the ``platform`` tender.
    wait_until(lambda: our_order(store, data["order_id"])["status"] == "paid")
    pays = store.client.get(
        f"/api/orders/{data['order_id']}/payments", headers=store.login("C01")
    ).json()
    assert [(p["tender"], p["amount"]) for p in pays["payments"]] == [("platform", 3800)]
    assert pays["due"] == 0


def test_a_lost_answer_is_resent_and_the_platform_keeps_it_once(auto_store):
    auto_store.platform.lose_answer_next = 2
    data = auto_store.emulator().send_order([GBJD], order_id="LOST").json()["order"]
    assert data["state"] == "accepted"
    wait_until(lambda: sum(auto_store.platform.posts.values()) >= 3)
    wait_until(
        lambda: (
            auto_store.client.get(
                f"/api/delivery/orders/{data['delivery_id']}", headers=auto_store.login("M01")
            ).json()["callbacks"][0]["state"]
            == "sent"
        )
    )
    assert auto_store.platform.statuses("LOST") == ["accepted"]


def test_auto_accept_goes_straight_to_the_kitchen(auto_store):
    data = auto_store.emulator().send_order([GBJD, RICE]).json()["order"]
    assert data["state"] == "accepted"
    assert our_order(auto_store, data["order_id"])["status"] == "submitted"


def test_reject_cancels_our_order_and_tells_the_platform(store):
    data = store.emulator().send_order([GBJD], order_id="R1").json()["order"]
    r = store.post(
        f"/api/delivery/orders/{data['delivery_id']}/reject",
        {"reason": "out of chicken"},
        who="C01",
    )
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    assert our_order(store, data["order_id"])["status"] == "cancelled"
    wait_until(lambda: store.platform.statuses("R1") == ["cancelled"])
    again = store.post(f"/api/delivery/orders/{data['delivery_id']}/accept", who="C01")
    assert again.status_code == 409


def test_an_order_nobody_accepts_is_rejected_at_the_timeout(tmp_path):
    with make_store(tmp_path, delivery_accept_timeout_s=0.3) as store:
        data = store.emulator().send_order([GBJD], order_id="TO1").json()["order"]
        wait_until(lambda: store.platform.statuses("TO1") == ["cancelled"])
        assert our_order(store, data["order_id"])["status"] == "cancelled"
        row = store.client.get(
            f"/api/delivery/orders/{data['delivery_id']}", headers=store.login("M01")
        ).json()
        assert row["state"] == "rejected" and row["reason"] == "not accepted in time"


def test_a_platform_cancellation_cancels_an_order_not_yet_cooking(store):
    em = store.emulator(Platform.DOUYIN)
    data = em.send_order([Line("douyin-rice", 1, 300)], order_id="PC1").json()["data"]
    r = em.send_cancel("PC1", "customer changed mind")
    assert r.status_code == 200 and r.json()["data"]["state"] == "cancelled"
    assert our_order(store, data["order_id"])["status"] == "cancelled"
    assert em.send_cancel("PC1").status_code == 200, "a repeat is answered the same"
    wait_until(settled(store), what="the cancellation handled")
    assert store.platform.statuses("PC1") == [], "no callback for the platform's own cancel"


def test_a_platform_cancellation_after_cooking_started_is_flagged_for_a_manager(auto_store):
    em = auto_store.emulator()
    data = em.send_order([GBJD], order_id="PC2").json()["order"]
    r = em.send_cancel("PC2")
    assert r.status_code == 200
    row = auto_store.client.get(
        f"/api/delivery/orders/{data['delivery_id']}", headers=auto_store.login("M01")
    ).json()
    assert row["state"] == "cancelled" and row["needs_manager"] is True
    assert our_order(auto_store, data["order_id"])["status"] == "submitted"
    assert (
        auto_store.post(
            f"/api/delivery/orders/{data['delivery_id']}/clear-flag", who="C01"
        ).status_code
        == 403
    )
    assert (
        auto_store.post(f"/api/delivery/orders/{data['delivery_id']}/clear-flag").json()[
            "needs_manager"
        ]
        is False
    )


def test_cancelling_an_order_we_never_had_is_refused(store):
    r = store.emulator().send_cancel("NEVER")
    assert r.status_code == 404 and r.json()["error"]["code"] == 1006


# -- pacing -------------------------------------------------------------------------------------
def test_the_cap_per_15_minutes_pauses_intake_and_tells_the_platform(tmp_path):
    with make_store(tmp_path, delivery_window_cap=2) as store:
        em = store.emulator()
        assert em.send_order([RICE]).status_code == 200
        assert em.send_order([RICE]).status_code == 200
        pacing = store.client.get("/api/delivery/pacing", headers=store.login("W01")).json()
        assert pacing["state"] == "paused" and pacing["orders_in_window"] == 2
        before = store.seq()
        r = em.send_order([RICE])
        assert r.status_code == 429 and r.json()["error"]["code"] == 1004
        assert r.json()["pacing"]["state"] == "paused"
        assert store.seq() == before


def test_kitchen_load_lengthens_quotes_then_pauses(tmp_path):
    with make_store(
        tmp_path,
        delivery_auto_accept=True,
        delivery_slow_at_lines=2,
        delivery_pause_at_lines=4,
        delivery_step_lines=1,
    ) as store:
        em = store.emulator()
        quotes = []
        for _ in range(4):
            r = em.send_order([RICE])
            assert r.status_code == 200, r.text
            quotes.append(r.json()["order"]["quoted_minutes"])
        assert quotes == [25, 25, 30, 35], "one line more in the kitchen, one step longer"
        pacing = store.client.get("/api/delivery/pacing", headers=store.login("C01")).json()
        assert pacing["state"] == "paused" and pacing["open_lines"] == 4
        assert "paused" in pacing["message_en"] and pacing["message_zh"]
        assert em.send_order([RICE]).status_code == 429


# -- after an outage ----------------------------------------------------------------------------
def test_a_backlog_after_an_outage_is_held_until_a_manager_releases_it(auto_store):
    em = auto_store.emulator()
    late = int(time.time()) - 45 * 60
    held = [
        em.send_order([GBJD], order_id=f"H{i}", created_at_s=late).json()["order"] for i in range(3)
    ]
    assert {h["state"] for h in held} == {"held"}
    assert all(our_order(auto_store, h["order_id"])["status"] == "open" for h in held)
    pacing = auto_store.client.get("/api/delivery/pacing", headers=auto_store.login("C01")).json()
    assert pacing["held_orders"] == 3
    first = held[0]["delivery_id"]
    assert auto_store.post(f"/api/delivery/orders/{first}/release", who="C01").status_code == 403
    assert auto_store.post(f"/api/delivery/orders/{first}/accept", who="C01").status_code == 409
    r = auto_store.post(f"/api/delivery/orders/{first}/release", who="M01")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert our_order(auto_store, held[0]["order_id"])["status"] == "submitted"
    wait_until(lambda: auto_store.platform.statuses("H0") == ["accepted"])
    assert (
        auto_store.client.get("/api/delivery/pacing", headers=auto_store.login("C01")).json()[
            "held_orders"
        ]
        == 2
    )


# -- mappings and permissions -------------------------------------------------------------------
def test_mappings_are_edited_by_managers_and_checked_against_the_menu(store):
    ids = store.ids
    url = "/api/delivery/mappings/meituan/meituan-new"
    body = {"item_id": ids.items["gbjd"]}  # the spice level is required
    r = store.client.put(url, json=body, headers={**store.login("M01"), "Idempotency-Key": "k1"})
    assert r.status_code == 422, r.text
    r = store.client.put(
        url,
        json={"item_id": ids.items["mpdf"], "modifier_option_ids": [ids.options["Not spicy"]]},
        headers={**store.login("C01"), "Idempotency-Key": "k2"},
    )
    assert r.status_code == 403
    r = store.client.put(
        url,
        json={"item_id": ids.items["mpdf"], "modifier_option_ids": [ids.options["Not spicy"]]},
        headers={**store.login("M01"), "Idempotency-Key": "k3"},
    )
    assert r.status_code == 200
    listed = store.client.get(
        "/api/delivery/mappings?platform=meituan", headers=store.login("W01")
    ).json()
    assert "meituan-new" in {m["sku"] for m in listed}
    r = store.client.put(
        "/api/delivery/mappings/eleme/x",
        json={"item_id": ids.items["rice"]},
        headers={**store.login("M01"), "Idempotency-Key": "k4"},
    )
    assert r.status_code == 422 and r.json()["code"] == "platform-unknown"
    r = store.client.delete(url, headers={**store.login("M01"), "Idempotency-Key": "k5"})
    assert r.status_code == 200
    assert store.emulator().send_order([Line("meituan-new", 1, 2800)]).status_code == 422


def test_staff_routes_need_a_sign_in_and_the_right_role(store):
    data = store.emulator().send_order([GBJD]).json()["order"]
    assert store.client.get("/api/delivery/pacing").status_code == 401
    assert (
        store.client.post(
            f"/api/delivery/orders/{data['delivery_id']}/accept", headers={"Idempotency-Key": "x"}
        ).status_code
        == 401
    )
    assert (
        store.post(f"/api/delivery/orders/{data['delivery_id']}/accept", who="K01").status_code
        == 403
    )
    assert (
        store.post(f"/api/delivery/orders/{data['delivery_id']}/accept", who="W01").status_code
        == 403
    )


def test_a_rebuild_from_the_journal_gives_the_same_delivery_tables(store):
    from hearth.core.rebuild import rebuild

    em = store.emulator()
    a = em.send_order([GBJD], order_id="RB1").json()["order"]
    b = em.send_order([RICE], order_id="RB2").json()["order"]
    em.send_order([RICE], order_id="RB3", created_at_s=int(time.time()) - 3600)
    store.post(f"/api/delivery/orders/{a['delivery_id']}/accept")
    store.post(f"/api/delivery/orders/{b['delivery_id']}/reject", {"reason": "closing"})
    wait_until(lambda: sorted(store.platform.statuses()) == ["accepted", "cancelled"])
    wait_until(settled(store), what="the sent marks")  # written after the platform answered
    report = rebuild(store.node.engine, store.node.projectors, keep=False)
    assert report.matches, report.mismatched
    assert report.tables["delivery_orders"] == 3 and report.tables["delivery_callbacks"] == 2


def _all_events(node: Node) -> list[Any]:
    with node.engine.connect() as conn:
        return list(read_events(conn))
