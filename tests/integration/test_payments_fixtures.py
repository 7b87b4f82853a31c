"""Shared set-up for the payment integration tests: a store with scripted providers installed
before the app starts (imported by the other test_payments_* files)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.node import Node
from hearth.core.tables import journal
from hearth.payments import runtime
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from tests.unit.test_payment_fake_provider import FakeProvider


@dataclass
class Till:
    client: TestClient
    ids: DemoIds
    node: Node
    providers: dict[str, FakeProvider]
    _tokens: dict[str, dict[str, str]]

    def login(self, code: str = "C01") -> dict[str, str]:
        if code not in self._tokens:
            r = self.client.post(
                "/api/auth/pin",
                json={"staff_code": code, "pin": self.ids.pins[code]},
                headers={"X-Terminal-Key": self.ids.terminal_key},
            )
            assert r.status_code == 200, r.text
            self._tokens[code] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self._tokens[code]

    def post(self, path: str, body: Any, key: str | None = None, who: str = "C01") -> Any:
        headers = {**self.login(who), "Idempotency-Key": key or uuid.uuid4().hex}
        return self.client.post(path, json=body, headers=headers)

    def get(self, path: str, who: str = "C01") -> Any:
        return self.client.get(path, headers=self.login(who))

    def order(self, *items: str, submit: bool = True) -> dict[str, Any]:
        spiced = ("gbjd", "mpdf")  # these need a spice choice
        lines = [
            {"item_id": self.ids.items[i]}
            | ({"modifier_option_ids": [self.ids.options["Mild"]]} if i in spiced else {})
            for i in items
        ]
        r = self.post(
            "/api/orders", {"channel": "takeaway", "lines": lines, "submit": submit}, who="W01"
        )
        assert r.status_code == 201, r.text
        self.login("C01")  # sign in now, so journal counts in the tests see only payments
        return dict(r.json())

    def pay(self, order_id: str, key: str | None = None, **body: Any) -> Any:
        return self.post(f"/api/orders/{order_id}/payments", body, key=key)

    def bill(self, order_id: str) -> dict[str, Any]:
        r = self.get(f"/api/orders/{order_id}/payments")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def seq(self) -> int:
        with self.node.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)

    def wait_for(self, payment_id: str, status: str, seconds: float = 8.0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            body = self.get(f"/api/payments/{payment_id}").json()
            if body["status"] == status:
                return body
            time.sleep(0.1)
        raise AssertionError(f"payment stayed {body.get('status')}, wanted {status}")


def make_node(tmp_path: Any, **settings: Any) -> Node:
    defaults: dict[str, Any] = {
        "payment_call_timeout_ms": 300,
        "payment_budget_ms": 1500,
        "payment_settle_interval_ms": 200,
    }
    defaults.update(settings)
    return build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", **defaults))


@pytest.fixture
def providers() -> dict[str, FakeProvider]:
    return {
        "alipay": FakeProvider("alipay", frozenset({"scan_code", "merchant_qr"})),
        "wechat": FakeProvider("wechat", frozenset({"scan_code", "merchant_qr"})),
        "card": FakeProvider("card", frozenset({"card"})),
    }


def open_till(node: Node, ids: DemoIds, providers: dict[str, FakeProvider]) -> Iterator[Till]:
    runtime.install(node, list(providers.values()))
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        yield Till(client, ids, node, providers, {})


@pytest.fixture
def till(tmp_path: Any, providers: dict[str, FakeProvider]) -> Iterator[Till]:
    node = make_node(tmp_path)
    ids = a_small_restaurant(node)
    yield from open_till(node, ids, providers)
    node.close()
