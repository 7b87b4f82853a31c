"""Health a machine can read: /readyz per module, /metrics for Prometheus, request ids in logs.

Ordering is what a load balancer must keep: /readyz answers 200 while orders can be taken, even
with every printer dark, and 503 only when the writer stops. /metrics is for the scraper's
bearer token (HEARTH_METRICS_TOKEN) or, with none set, for this machine only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from hearth import cli
from hearth.bootstrap import build_node, create_app
from hearth.core.metrics import NodeMetrics
from hearth.core.node import Node
from hearth.printing import service as printing
from hearth.testing.builders import a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.ports import closed_port
from hearth.testing.waiting import wait_until
from tests.integration.test_payments_fixtures import Till, open_till
from tests.unit.test_payment_fake_provider import FakeProvider

TOKEN = "scrape-me-secret"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def node(tmp_path: Any) -> Iterator[Node]:
    n = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", metrics_token=TOKEN))
    yield n
    n.close()


@pytest.fixture
def till(node: Node) -> Iterator[Till]:
    ids = a_small_restaurant(node)
    yield from open_till(node, ids, {})


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text exposition (None when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if m is None or m.group(1) != name:
            continue
        got = ",".join(sorted(filter(None, (m.group(2) or "").split(","))))
        if got == want:
            return float(m.group(3))
    return None


def test_ready_with_every_printer_dark_and_503_once_the_writer_stops(node: Node) -> None:
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    with closed_port() as port:  # nobody answers: the probe finds the printer offline
        node.writer.run(
            lambda tx: printing.add_printer(
                tx,
                printing.PrinterSpec("Hot printer", "127.0.0.1", port, station_id=stations["hot"]),
            )
        )
        with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
            body = wait_until(
                lambda: (b := client.get("/readyz").json())["modules"]["printing"] == "down" and b,
                what="the probe finding the printer dark",
            )
            r = client.get("/readyz")
            assert r.status_code == 200, r.text
            assert body["status"] == "ready"
            assert set(body["modules"]) >= {"ordering", "printing", "payments", "kitchen", "sync"}
            assert body["modules"]["ordering"] == "ready"
            assert body["modules"]["sync"] == "ready"  # not joined to an HQ: nothing owed

            client.portal.call(node.writer.stop)  # type: ignore[union-attr]
            r = client.get("/readyz")
            assert r.status_code == 503, r.text
            assert r.json()["modules"]["ordering"] == "down"
            assert client.get("/livez").status_code == 200  # the process still answers


def test_metrics_count_the_order_and_the_cash_payment_for_the_scraper(till: Till) -> None:
    client, ids = till.client, till.ids
    r = till.post(
        "/api/orders",
        {
            "channel": "dine_in",
            "table_id": ids.tables["A01"],
            "guests": 2,
            "lines": [{"item_id": ids.items["rice"]}],
            "submit": True,
        },
        who="W01",
    )
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    due = till.bill(order_id)["due"]
    paid = till.pay(order_id, tender="cash", amount=due, tendered=due)
    assert paid.json()["status"] == "succeeded", paid.text

    denied = client.get("/metrics")
    assert denied.status_code == 401, denied.text
    assert denied.json()["code"] == "not-signed-in"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = client.get("/metrics", headers=SCRAPER)
    assert r.status_code == 200, r.text
    text = r.text
    assert sample(text, "hearth_orders_total", channel="dine_in") == 1
    assert sample(text, "hearth_payments_total", tender="cash", outcome="succeeded") == 1
    assert (sample(text, "hearth_writer_commit_seconds_count") or 0) >= 2
    assert sample(text, "hearth_writer_up") == 1
    assert sample(text, "hearth_journal_seq") == till.seq()
    assert sample(text, "hearth_sync_backlog_events") == till.seq()  # no HQ: all waiting
    assert (sample(text, "hearth_disk_free_bytes") or 0) > 0
    assert (sample(text, "hearth_database_size_bytes", file="db") or 0) > 0


def test_without_a_token_metrics_are_served_only_to_this_machine(tmp_path: Any) -> None:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"))
    try:
        with TestClient(create_app(node=node), raise_server_exceptions=False) as remote:
            r = remote.get("/metrics")  # the test client's address is "testclient"
            assert r.status_code == 403 and r.json()["code"] == "permission-denied", r.text
        with TestClient(create_app(node=node), client=("127.0.0.1", 50000)) as local:
            assert local.get("/metrics").status_code == 200
    finally:
        node.close()


def test_two_nodes_in_one_process_count_apart(tmp_path: Any) -> None:
    a = build_node(fast_settings(f"sqlite:///{tmp_path}/a.db"))
    b = build_node(fast_settings(f"sqlite:///{tmp_path}/b.db"))
    try:
        a_small_restaurant(a)
        ma, mb = a.parts.get(NodeMetrics), b.parts.get(NodeMetrics)
        assert ma.registry is not mb.registry
        assert sample(mb.exposition().decode(), "hearth_journal_seq") == 0
        assert (sample(ma.exposition().decode(), "hearth_journal_seq") or 0) > 0
    finally:
        a.close()
        b.close()


def test_a_request_id_is_echoed_and_carried_by_the_log_lines_of_its_request(api: Any) -> None:
    lines: list[dict[str, Any]] = []

    def keep(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
        lines.append(dict(event))
        raise structlog.DropEvent

    old = structlog.get_config()
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, keep],
        wrapper_class=structlog.BoundLogger,
    )
    try:
        r = api.client.get("/livez", headers={"X-Request-ID": "till-3.retry-7"})
        assert r.headers["X-Request-ID"] == "till-3.retry-7"
        assert not [ln for ln in lines if ln["event"] == "http.request"], "good answers: quiet"
        # A refusal is what support looks up: its line carries the id the till was shown.
        refused = api.client.get("/api/orders", headers={"X-Request-ID": "till-3.retry-8"})
        fresh = api.client.get("/api/orders").headers["X-Request-ID"]
        evil = api.client.get("/livez", headers={"X-Request-ID": "a b<script>"})
    finally:
        structlog.configure(**old)
    assert refused.status_code == 401 and refused.headers["X-Request-ID"] == "till-3.retry-8"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert evil.headers["X-Request-ID"] != "a b<script>"  # not echoed into logs or headers
    ours = [ln for ln in lines if ln.get("request_id") == "till-3.retry-8"]
    assert ours and ours[0]["event"] == "http.request" and ours[0]["path"] == "/api/orders"
    assert ours[0]["status"] == 401
    assert any(ln.get("request_id") == fresh for ln in lines)


DOCS = Path(__file__).resolve().parents[2] / "docs"
METRIC = re.compile(r"\bhearth_[a-z0-9_]+\b")


def test_the_shipped_alert_rules_and_dashboard_use_only_metrics_a_node_exports(
    tmp_path: Any,
) -> None:
    rules = yaml.safe_load((DOCS / "prometheus-alerts.yml").read_text(encoding="utf-8"))
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] and rule["labels"]["severity"] in ("warning", "critical")
            assert rule["annotations"]["summary"], rule["alert"]
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for e in exprs for name in METRIC.findall(e)}
    assert len(used) >= 12, used

    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", metrics_token=TOKEN))
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    try:
        with closed_port() as port:
            node.writer.run(
                lambda tx: printing.add_printer(
                    tx,
                    printing.PrinterSpec(
                        "Hot printer", "127.0.0.1", port, station_id=stations["hot"]
                    ),
                )
            )
            alipay = FakeProvider("alipay", frozenset({"scan_code", "merchant_qr"}))
            for till in open_till(node, ids, {"alipay": alipay}):
                order = till.order("rice")
                due = till.bill(order["id"])["due"]
                paid = till.pay(order["id"], tender="cash", amount=due).json()
                assert paid["status"] == "succeeded", paid
                text = till.client.get("/metrics", headers=SCRAPER).text
    finally:
        node.close()
    exported = {s.name for fam in text_string_to_metric_families(text) for s in fam.samples}
    assert not used - exported, f"not exported by a node: {sorted(used - exported)}"


def test_json_logs_carry_the_request_id_one_object_a_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = structlog.get_config()
    monkeypatch.setenv("HEARTH_LOG_FORMAT", "json")
    try:
        cli._configure_logging("info")
        capsys.readouterr()
        with structlog.contextvars.bound_contextvars(request_id="till-9"):
            structlog.get_logger("hearth.test").info("order.placed", number=7)
        out = capsys.readouterr().out.strip().splitlines()
    finally:
        structlog.configure(**old)
    line = json.loads(out[-1])
    assert line["event"] == "order.placed" and line["request_id"] == "till-9"
    assert line["level"] == "info" and line["number"] == 7 and line["timestamp"].endswith("Z")
