"""Which provider to try, in which order: health scores and circuit breakers per provider.

The provider router (not a web router): pure apart from a clock passed in, so the tests drive it
with a fake clock. A provider that
times out or is unreachable a few times in a row opens its breaker: the router stops sending it
payments (each would cost the cashier a timeout) and sends them to the backup at once. After a
cool-down one trial payment goes through (half-open); its outcome closes or re-opens the breaker.
A decline is the provider working normally and never counts against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from hearth.payments.providers.base import FailureKind

Clock = Callable[[], float]  # milliseconds


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class Breaker:
    failures_to_open: int = 3
    cooldown_ms: float = 15_000
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at_ms: float = 0.0
    trial_in_flight: bool = False

    def current(self, now_ms: float) -> BreakerState:
        if self.state is BreakerState.OPEN and now_ms - self.opened_at_ms >= self.cooldown_ms:
            return BreakerState.HALF_OPEN
        return self.state

    def allow(self, now_ms: float) -> bool:
        """May a call go out now? In half-open only one trial call at a time."""
        state = self.current(now_ms)
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        if self.trial_in_flight:
            return False
        self.state = BreakerState.HALF_OPEN
        self.trial_in_flight = True
        return True

    def success(self) -> None:
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.trial_in_flight = False

    def failure(self, now_ms: float) -> None:
        self.trial_in_flight = False
        self.failures += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.failures_to_open:
            self.state = BreakerState.OPEN
            self.opened_at_ms = now_ms


@dataclass
class Health:
    """Exponentially weighted share of calls that got a usable answer (1 = all)."""

    alpha: float = 0.2
    score: float = 1.0

    def record(self, ok: bool) -> None:
        self.score = (1 - self.alpha) * self.score + self.alpha * (1.0 if ok else 0.0)


@dataclass
class Route:
    """One provider as the store configured it, with its live health."""

    name: str
    tenders: frozenset[str]
    priority: int = 100
    enabled: bool = True
    breaker: Breaker = field(default_factory=Breaker)
    health: Health = field(default_factory=Health)
    last_error: str | None = None

    def to_json(self, now_ms: float) -> dict[str, object]:
        return {
            "name": self.name,
            "tenders": sorted(self.tenders),
            "state": self.breaker.current(now_ms).value,
            "health": round(self.health.score, 3),
            "last_error": self.last_error,
            "enabled": self.enabled,
            "priority": self.priority,
        }


def counts_against(kind: FailureKind | None) -> bool:
    """Timeouts and outages count against a provider; declines and our own bad requests not."""
    return kind in (FailureKind.TIMEOUT, FailureKind.UNAVAILABLE)


@dataclass
class ProviderRouter:
    clock: Clock
    routes: dict[str, Route] = field(default_factory=dict)

    def configure(
        self,
        name: str,
        tenders: Iterable[str],
        priority: int,
        enabled: bool,
        failures_to_open: int = 3,
        cooldown_ms: float = 15_000,
    ) -> None:
        route = self.routes.get(name)
        if route is None:
            route = Route(
                name, frozenset(tenders), priority, enabled, Breaker(failures_to_open, cooldown_ms)
            )
            self.routes[name] = route
        else:
            route.tenders, route.priority, route.enabled = frozenset(tenders), priority, enabled

    def candidates(self, tender: str, prefer: str | None = None) -> list[Route]:
        """Enabled providers for a tender, by priority; ``prefer`` (a wallet) goes first."""
        found = [r for r in self.routes.values() if r.enabled and tender in r.tenders]
        found.sort(key=lambda r: (r.name != prefer, r.priority, r.name))
        return found

    def allow(self, name: str) -> bool:
        """May a call go out to ``name`` now? Claims the half-open trial when it is free."""
        return self.routes[name].breaker.allow(self.clock())

    def admits(self, name: str) -> bool:
        """Would ``allow`` say yes now? Asks without claiming a half-open trial, so a failover
        decision can look at every provider and claim only the one it picks."""
        breaker = self.routes[name].breaker
        state = breaker.current(self.clock())
        return state is BreakerState.CLOSED or (
            state is BreakerState.HALF_OPEN and not breaker.trial_in_flight
        )

    def record(self, name: str, *, ok: bool, error: str | None = None) -> None:
        """Record one call's outcome: ``ok`` means the provider answered (even a decline)."""
        route = self.routes.get(name)
        if route is None:
            return
        route.health.record(ok)
        if ok:
            route.breaker.success()
        else:
            route.breaker.failure(self.clock())
            route.last_error = error

    def presumed_up(self, name: str) -> bool:
        """Nothing says it is down: enabled, breaker closed and its last call answered."""
        route = self.routes.get(name)
        return (
            route is not None
            and route.enabled
            and route.breaker.failures == 0
            and route.breaker.current(self.clock()) is BreakerState.CLOSED
        )

    def state(self, name: str) -> BreakerState:
        return self.routes[name].breaker.current(self.clock())

    def to_json(self) -> list[dict[str, object]]:
        now = self.clock()
        return [
            r.to_json(now) for r in sorted(self.routes.values(), key=lambda r: (r.priority, r.name))
        ]
