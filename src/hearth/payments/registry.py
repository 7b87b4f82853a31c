"""The running payments engine of one node: its providers, the router, the background task.

It lives in ``node.extras["payments"]``. ``lifecycle.on_start`` builds it from settings through
the provider factory (``hearth.payments.providers.factory``) unless a test installed one with
its own providers first (``install``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog

from hearth.core.config import Settings
from hearth.node import Node
from hearth.payments.domain import METHOD_OF, WALLETS
from hearth.payments.providers.base import Provider
from hearth.payments.router import Clock, Router
from hearth.payments.tables import payment_providers

log = structlog.get_logger(__name__)
KEY = "payments"


def wall_ms() -> float:
    return time.monotonic() * 1000


def default_tenders(provider: Provider) -> list[str]:
    """The tenders a provider can serve, from the methods it speaks."""
    return sorted(t.value for t, m in METHOD_OF.items() if m in provider.methods)


@dataclass
class Engine:
    settings: Settings
    providers: dict[str, Provider]
    router: Router
    task: asyncio.Task[None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def provider(self, name: str | None) -> Provider | None:
        return self.providers.get(name) if name else None

    def takes_wallet(self, name: str, wallet: str) -> bool:
        """May this provider take a payment code of ``wallet``? Adapters say so in their
        ``wallets``; a provider that does not say is taken to serve the wallet it is named
        after."""
        provider = self.providers.get(name)
        if provider is None:
            return False
        wallets = getattr(provider, "wallets", None)
        if wallets is None:
            wallets = {name} & set(WALLETS)
        return wallet in wallets

    def configure(self, name: str, tenders: Sequence[str], priority: int,
                  enabled: bool) -> None:
        s = self.settings
        self.router.configure(name, tenders, priority, enabled, s.payment_breaker_failures,
                              s.payment_breaker_cooldown_ms)

    def load_config(self, node: Node) -> None:
        """The store's provider list: saved settings first, defaults for the rest."""
        with node.engine.connect() as conn:
            saved = {r.name: r for r in conn.execute(
                sa.select(payment_providers)
                .where(payment_providers.c.store_id == node.settings.store_id))}
        for i, (name, provider) in enumerate(self.providers.items()):
            row = saved.get(name)
            if row is not None:
                self.configure(name, row.tenders, row.priority, row.enabled)
            else:
                self.configure(name, default_tenders(provider), (i + 1) * 10, True)


def make_engine(settings: Settings, providers: Sequence[Provider],
                clock: Clock | None = None) -> Engine:
    return Engine(settings, {p.name: p for p in providers}, Router(clock or wall_ms))


def install(node: Node, providers: Sequence[Provider], clock: Clock | None = None) -> Engine:
    """Give a node its providers before the app starts (tests, the demo, the fault suite)."""
    engine = make_engine(node.settings, providers, clock)
    node.extras[KEY] = engine
    return engine


def providers_from_settings(settings: Settings) -> list[Provider]:
    """Ask the adapters' factory for the providers the settings configure; none if absent."""
    import importlib

    try:
        factory = importlib.import_module("hearth.payments.providers.factory")
    except ImportError:
        return []
    build = getattr(factory, "build_providers", None)
    if build is None:
        return []
    try:
        return list(build(settings))
    except Exception as exc:  # a mis-configured provider must not stop the till
        log.warning("payments.providers_not_built", error=str(exc))
        return []


def engine_of(node: Node) -> Engine:
    engine = node.extras.get(KEY)
    if not isinstance(engine, Engine):
        engine = make_engine(node.settings, providers_from_settings(node.settings))
        engine.load_config(node)
        node.extras[KEY] = engine
    return engine
