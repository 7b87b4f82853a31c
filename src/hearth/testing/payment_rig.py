"""A real store node process wired to a payment emulator: what the fault suite and the payments
benchmark drive. The node builds its providers with the real adapter factory from environment
settings, so every payment goes HTTP -> node -> SDK -> emulator, and callbacks come back the
same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hearth.bootstrap import build_node
from hearth.payments.emulator import Emulator
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess

# Plain dishes (no modifier needed), price in fen.
DISHES = {"rice": 300, "plum": 600}


@dataclass
class PaymentRig:
    workdir: Path
    node_settings: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    emulator: Emulator | None = None
    node: NodeProcess | None = None
    ids: DemoIds | None = None
    _auth: dict[str, dict[str, str]] = field(default_factory=dict)

    def start(self) -> PaymentRig:
        self.workdir.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{self.workdir}/store.db"
        local = build_node(fast_settings(db_url))
        self.ids = a_small_restaurant(local)
        local.close()
        self.emulator = Emulator(seed=self.seed, qr_autopay_ms=200).start()
        self.node = NodeProcess(db_url, log=self.workdir / "node.log")
        callbacks = f"{self.node.base_url}/api/payments/callbacks/{{provider}}"
        self.emulator.state.stripe_webhook_url = callbacks.format(provider="card")
        env = self.emulator.settings_env() | {"HEARTH_PAYMENT_NOTIFY_URL_TEMPLATE": callbacks}
        self.node.env = env | {f"HEARTH_{k.upper()}": v for k, v in self.node_settings.items()}
        self.node.start()
        return self

    def stop(self) -> None:
        if self.node is not None:
            self.node.stop()
        if self.emulator is not None:
            self.emulator.stop()

    @property
    def url(self) -> str:
        assert self.node is not None
        return self.node.base_url

    def auth(self, code: str) -> dict[str, str]:
        assert self.ids is not None
        if code not in self._auth:
            r = httpx.post(
                f"{self.url}/api/auth/pin",
                json={"staff_code": code, "pin": self.ids.pins[code]},
                headers={"X-Terminal-Key": self.ids.terminal_key},
                timeout=10,
            )
            r.raise_for_status()
            self._auth[code] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self._auth[code]

    async def order(self, client: httpx.AsyncClient, dishes: dict[str, int]) -> tuple[str, int]:
        """A submitted takeaway order; returns (id, total)."""
        assert self.ids is not None
        lines = [{"item_id": self.ids.items[k], "quantity": q} for k, q in dishes.items()]
        r = await client.post(
            f"{self.url}/api/orders",
            json={"channel": "takeaway", "lines": lines, "submit": True},
            headers=self.auth("W01") | {"Idempotency-Key": uuid.uuid4().hex},
        )
        r.raise_for_status()
        body = r.json()
        return str(body["id"]), int(
            body.get("total") or sum(DISHES[k] * q for k, q in dishes.items())
        )

    async def pay(
        self, client: httpx.AsyncClient, order_id: str, body: dict[str, Any], key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        r = await client.post(
            f"{self.url}/api/orders/{order_id}/payments",
            json=body,
            headers=self.auth("C01") | {"Idempotency-Key": key or uuid.uuid4().hex},
        )
        return r.status_code, dict(r.json())

    async def bill(self, client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
        r = await client.get(f"{self.url}/api/orders/{order_id}/payments", headers=self.auth("C01"))
        r.raise_for_status()
        return dict(r.json())

    async def providers(self, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        r = await client.get(f"{self.url}/api/payments/providers", headers=self.auth("C01"))
        r.raise_for_status()
        return list(r.json())
