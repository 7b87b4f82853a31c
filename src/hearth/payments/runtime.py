"""The payments runtime of one node: its providers, the provider router, the settler task.

It is one of the node's parts (``payments_of``). ``lifecycle.on_start`` builds it from settings
through the provider factory (``hearth.payments.providers.factory``) unless a test installed one
with its own providers first (``install``). Every provider call goes through ``call``, so the
router's health scores and breakers see each outcome.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog

from hearth.core.config import Settings
from hearth.core.node import Node
from hearth.payments.domain import METHOD_OF, WALLETS
from hearth.payments.provider_routing import Clock, ProviderRouter, counts_against
from hearth.payments.providers.base import (
    FailureKind,
    Provider,
    ProviderError,
    ProviderResult,
    ProviderStatus,
)
from hearth.payments.tables import payment_providers

log = structlog.get_logger(__name__)


def breaker_clock(node: Node) -> Clock:
    """The breakers' milliseconds: the node's monotonic clock, so a test steps a cool-down."""
    return lambda: node.clock.monotonic() * 1000


def default_tenders(provider: Provider) -> list[str]:
    """The tenders a provider can serve, from the methods it speaks."""
    return sorted(t.value for t, m in METHOD_OF.items() if m in provider.methods)


@dataclass
class PaymentsRuntime:
    settings: Settings
    providers: dict[str, Provider]
    routing: ProviderRouter
    task: asyncio.Task[None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def provider(self, name: str | None) -> Provider | None:
        return self.providers.get(name) if name else None

    def wallets_of(self, name: str) -> frozenset[str]:
        """Whose payment codes this provider may take. Adapters say so in their ``wallets``;
        a provider that does not say is taken to serve the wallet it is named after."""
        provider = self.providers.get(name)
        if provider is None:
            return frozenset()
        wallets = getattr(provider, "wallets", None)
        if wallets is None:
            wallets = {name} & set(WALLETS)
        return frozenset(wallets)

    def takes_wallet(self, name: str, wallet: str) -> bool:
        """May this provider take a payment code of ``wallet``?"""
        return wallet in self.wallets_of(name)

    async def call(
        self, name: str, coro: Coroutine[Any, Any, ProviderResult], timeout_s: float
    ) -> ProviderResult:
        """One provider call with a timeout; its outcome feeds the router's health and breaker.

        Whatever goes wrong comes out as a ``ProviderError`` whose kind says what the caller
        may conclude: a timeout may have charged, an outage did not, a decline is an answer."""
        try:
            result: ProviderResult = await asyncio.wait_for(coro, timeout=max(0.05, timeout_s))
        except TimeoutError:
            self.routing.record(name, ok=False, error="timeout")
            raise ProviderError(FailureKind.TIMEOUT, "no answer in time") from None
        except ProviderError as exc:
            self.routing.record(
                name, ok=not counts_against(exc.kind), error=f"{exc.kind.value}: {exc.message}"
            )
            raise
        except Exception as exc:  # an adapter bug is an outage of that provider, not a crash
            self.routing.record(name, ok=False, error=f"unavailable: {exc}")
            raise ProviderError(FailureKind.UNAVAILABLE, str(exc)) from exc
        unknown = result.status is ProviderStatus.UNKNOWN
        self.routing.record(name, ok=not unknown, error="unknown" if unknown else None)
        return result

    def configure(self, name: str, tenders: Sequence[str], priority: int, enabled: bool) -> None:
        s = self.settings
        self.routing.configure(
            name,
            tenders,
            priority,
            enabled,
            s.payment_breaker_failures,
            s.payment_breaker_cooldown_ms,
        )

    def load_config(self, node: Node) -> None:
        """The store's provider list: saved settings first, defaults for the rest."""
        with node.engine.connect() as conn:
            saved = {
                r.name: r
                for r in conn.execute(
                    sa.select(payment_providers).where(
                        payment_providers.c.store_id == node.settings.store_id
                    )
                )
            }
        for i, (name, provider) in enumerate(self.providers.items()):
            row = saved.get(name)
            if row is not None:
                self.configure(name, row.tenders, row.priority, row.enabled)
            else:
                self.configure(name, default_tenders(provider), (i + 1) * 10, True)


def make_runtime(
    settings: Settings, providers: Sequence[Provider], clock: Clock
) -> PaymentsRuntime:
    return PaymentsRuntime(settings, {p.name: p for p in providers}, ProviderRouter(clock))


def install(
    node: Node, providers: Sequence[Provider], clock: Clock | None = None
) -> PaymentsRuntime:
    """Give a node its providers before the app starts (tests, the demo, the fault suite)."""
    runtime = make_runtime(node.settings, providers, clock or breaker_clock(node))
    node.parts.put(runtime)
    return runtime


def providers_from_settings(settings: Settings) -> list[Provider]:
    """Ask the adapters' factory for the providers the settings configure; none if absent."""
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


def payments_of(node: Node) -> PaymentsRuntime:
    """The node's payments runtime, built from settings on first use."""

    def build() -> PaymentsRuntime:
        runtime = make_runtime(
            node.settings, providers_from_settings(node.settings), breaker_clock(node)
        )
        runtime.load_config(node)
        return runtime

    return node.parts.setdefault(PaymentsRuntime, build)
