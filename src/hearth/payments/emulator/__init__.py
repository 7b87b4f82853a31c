"""A local payment-provider emulator: Alipay's gateway, WeChat Pay v3 and a Stripe-shaped card
acquirer on one real HTTP server, with its own ledger and fault injection.

No real provider can be reached from a store's test bench, so tests, the benchmark and the demo
point the real SDKs at this server instead. Start it in-process::

    emu = Emulator().start()      # 127.0.0.1, ephemeral port; emu.url, emu.keys
    ...
    emu.stop()

or as a process: ``python -m hearth.payments.emulator --port 8765``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from hearth.core.config import Settings
from hearth.payments.emulator import alipay_gateway, card_acquirer, control, wechat_api
from hearth.payments.emulator.signing import EmulatorKeys, generate_keys
from hearth.payments.emulator.state import CutConnectionMiddleware, EmulatorState

__all__ = ["Emulator", "EmulatorKeys", "asgi_app", "create_app", "demo_sidecar"]


def create_app(state: EmulatorState) -> FastAPI:
    app = FastAPI(
        title="Hearth payment provider emulator", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.include_router(alipay_gateway.router(state))
    app.include_router(wechat_api.router(state))
    app.include_router(card_acquirer.router(state))
    app.include_router(control.router(state))
    return app


def asgi_app(state: EmulatorState) -> ASGIApp:
    """The app as served: outermost, the middleware that can cut a connection (it needs
    uvicorn's own ``send`` to reach the socket, so nothing may wrap it)."""
    return CutConnectionMiddleware(create_app(state))


class Emulator:
    """The emulator on its own uvicorn loop in a daemon thread."""

    def __init__(
        self,
        port: int = 0,
        keys: EmulatorKeys | None = None,
        seed: int = 0,
        stripe_webhook_url: str | None = None,
        qr_autopay_ms: int = 300,
    ) -> None:
        self.state = EmulatorState(keys or generate_keys())
        self.state.faults.reset(seed)
        self.state.stripe_webhook_url = stripe_webhook_url
        self.state.qr_autopay_ms = qr_autopay_ms
        self.app = asgi_app(self.state)
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def keys(self) -> EmulatorKeys:
        return self.state.keys

    @property
    def port(self) -> int:
        assert self._sock is not None, "start() first"
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Emulator:
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto says TCP, and without it Nagle + delayed ACK add 40 ms to kept-alive calls.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", self._port))
        sock.listen(512)
        self._sock = sock
        config = uvicorn.Config(
            self.app, log_level="critical", lifespan="off", timeout_graceful_shutdown=1, backlog=512
        )
        self._server = uvicorn.Server(config)
        server = self._server

        def run() -> None:
            async def serve() -> None:
                try:
                    await server.serve(sockets=[sock])
                finally:
                    await self.state.aclose()

            asyncio.run(serve())

        self._thread = threading.Thread(target=run, name="payment-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("payment emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Conveniences over the control endpoints, usable from any thread.
    def fault(self, provider: str, mode: str, **kw: Any) -> None:
        r = httpx.post(
            f"{self.url}/_emulator/faults",
            json={"provider": provider, "mode": mode, **kw},
            timeout=5,
        )
        r.raise_for_status()

    def clear_faults(self) -> None:
        self.state.faults.reset()

    def ledger(self) -> dict[str, Any]:
        snap = self.state.ledger.snapshot()
        snap["callbacks_sent"] = self.state.callbacks_sent
        return snap

    def reset(self, seed: int | None = None) -> None:
        self.state.reset(seed)

    def settings_env(self, prefix: str = "HEARTH_") -> dict[str, str]:
        """Environment for a node process pointed at this emulator (keys included)."""

        env = {f"{prefix}PAYMENT_EMULATOR_URL": self.url}
        for k, v in self.keys.to_dict().items():
            if f"payment_{k}" in Settings.model_fields:  # never the provider's own keys
                env[f"{prefix}PAYMENT_{k.upper()}"] = v
        return env


def demo_sidecar(port: int = 8765) -> Emulator:
    """Start the emulator for ``hearth demo`` on a fixed port (falls back to a free one)."""
    try:
        return Emulator(port=port).start()
    except OSError:
        return Emulator().start()
