"""Where a provider tender goes next: the failover decision, as a pure function of the attempt.

``service.take_payment`` carries it out — decide, call, record, decide again — so the rules live
here with no provider, database or clock, and the hypothesis tests drive them through every
chain of failures. The rules, as the cashier sees them:

- A decline is the customer's money saying no: it is the answer, never a reason to switch.
- One request tries a provider at most once. A timeout or a lost answer may have charged, so
  that intent is left ``unknown`` for the settler to query (and reverse if the bill was paid
  meanwhile); it is never charged again. The next provider gets a new intent.
- A scanned payment code belongs to one wallet and goes only to that wallet's providers; when
  they are down, the cashier is told to switch method (our QR, which any wallet scans, or a
  card) while one is up.
- Within the time budget, and when the store allows it, the next provider is tried at once;
  otherwise the answer suggests it. A provider whose breaker is open is passed over.
- When nothing is reachable, a tender the store takes offline is accepted on trust (the caller
  checks the risk limits) and forwarded later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hearth.payments.domain import Tender
from hearth.payments.messages import text
from hearth.payments.providers.base import FailureKind, ProviderStatus

# Left of this much budget a call could not get an answer back in time: stop and say so.
MIN_BUDGET_MS = 100
# Another way to pay when a scanned code's wallet is down, in the order it is suggested.
SWITCH_TO = (Tender.WALLET_QR, Tender.CARD)


class Outcome(StrEnum):
    """How one provider call ended, as far as failover is concerned."""

    DOWN = "down"  # refused or a 5xx: the adapters guarantee nothing was done
    UNKNOWN = "unknown"  # a timeout or a lost answer: it may have charged; settled later
    DECLINED = "declined"  # an answer of no (declined, an invalid request): it stands
    ANSWERED = "answered"  # captured, or waiting for the customer to confirm


FINAL = frozenset({Outcome.DECLINED, Outcome.ANSWERED})


def outcome_of_error(kind: FailureKind) -> Outcome:
    if kind in (FailureKind.DECLINED, FailureKind.INVALID):
        return Outcome.DECLINED
    return Outcome.DOWN if kind is FailureKind.UNAVAILABLE else Outcome.UNKNOWN


def outcome_of_answer(status: ProviderStatus) -> Outcome:
    if status in (ProviderStatus.SUCCEEDED, ProviderStatus.PENDING):
        return Outcome.ANSWERED
    return Outcome.UNKNOWN if status is ProviderStatus.UNKNOWN else Outcome.DECLINED


@dataclass(frozen=True)
class Candidate:
    """A provider that may take this tender, as its breaker stands now."""

    name: str
    admits: bool = True  # the breaker lets a call through now
    open: bool = False  # the breaker is open (a provider known to be down)
    wallets: frozenset[str] = frozenset()  # whose scanned payment codes it takes


@dataclass(frozen=True)
class Tried:
    provider: str
    outcome: Outcome


@dataclass(frozen=True)
class Attempt:
    """Everything the decision needs: one tender request, so far."""

    tender: Tender
    candidates: tuple[Candidate, ...]  # in the store's order
    tried: tuple[Tried, ...] = ()  # in the order they were tried
    budget_left_ms: float = 3_000
    auto_failover: bool = True  # the store lets the next provider be tried without asking
    code_wallet: str | None = None  # a scanned code's wallet: only its providers take it
    other_methods: tuple[tuple[Tender, str], ...] = ()  # (tender, provider) nothing says is down
    offline_allowed: bool = False  # the store takes this tender offline


@dataclass(frozen=True)
class Fallback:
    """What the cashier is offered instead: a tender, maybe its provider, and why."""

    tender: str
    provider: str | None
    reason: tuple[str, str]

    def to_json(self) -> dict[str, str | None]:
        return {
            "tender": self.tender,
            "provider": self.provider,
            "reason_zh": self.reason[0],
            "reason_en": self.reason[1],
        }


@dataclass(frozen=True)
class TryProvider:
    provider: str
    note: tuple[str, str]  # what the cashier reads while it is tried
    switched: bool  # the chain moved past a provider that failed or is down


@dataclass(frozen=True)
class Done:
    """The last answer stands: captured, waiting on the customer, or declined."""


@dataclass(frozen=True)
class GoOffline:
    provider: str  # whose intent it is once forwarded


class Stop(StrEnum):
    NO_PROVIDER = "no_provider"  # nothing is set up for this tender
    WALLET_NOT_HERE = "wallet_not_here"  # no provider here takes this code's wallet
    SUGGEST_BACKUP = "suggest_backup"  # a provider not yet tried may take it: the cashier asks
    SWITCH_METHOD = "switch_method"  # the code's wallet is down: another method is up
    ALL_DOWN = "all_down"  # take cash or stored value


@dataclass(frozen=True)
class GiveUp:
    stop: Stop
    fallback: Fallback
    wallet_down: bool = False  # a scanned code whose wallet's providers are all down


Decision = TryProvider | Done | GoOffline | GiveUp


def decide(a: Attempt) -> Decision:
    """What to do next with a tender request, given what its providers did so far."""
    routes = [c for c in a.candidates if a.code_wallet is None or a.code_wallet in c.wallets]
    if not routes:
        return _no_route(a)
    if a.tried and a.tried[-1].outcome in FINAL:
        return Done()
    tried = {t.provider for t in a.tried}
    names = [r.name for r in routes]
    # One pass down the store's order: a provider passed over is not come back to.
    start = names.index(a.tried[-1].provider) + 1 if a.tried else 0
    skipped = [n for n in names[:start] if n not in tried]
    failed = a.tried[-1].provider if a.tried else None
    for route in routes[start:]:
        if a.budget_left_ms <= MIN_BUDGET_MS:
            break
        if not route.admits:
            skipped.append(route.name)
            continue
        if failed is not None and not a.auto_failover:
            break
        if failed is not None:
            note = text("switched", failed, route.name)
        elif skipped:
            note = text("switched_open", skipped[0], route.name)
        else:
            note = text("pending", route.name)
        return TryProvider(route.name, note, switched=bool(failed or skipped))
    return _nothing_took_it(
        a, routes, tried | set(skipped), failed or (skipped[0] if skipped else routes[0].name)
    )


def _switch(a: Attempt, exclude: set[str]) -> tuple[Tender, str] | None:
    return next(((t, p) for t, p in a.other_methods if p not in exclude), None)


def _no_route(a: Attempt) -> GiveUp:
    if a.code_wallet is None:
        return GiveUp(Stop.NO_PROVIDER, Fallback("cash", None, text("no_provider")))
    why = text("wallet_not_here", a.code_wallet)
    other = _switch(a, set())
    fallback = Fallback(other[0].value, other[1], why) if other else Fallback("cash", None, why)
    return GiveUp(Stop.WALLET_NOT_HERE, fallback)


def _nothing_took_it(
    a: Attempt, routes: list[Candidate], reached: set[str], last: str
) -> GoOffline | GiveUp:
    """Every provider was tried, passed over, or is out of time. ``reached``: tried or found
    down; ``last``: the provider the cashier hears about (the one that failed last)."""
    unreached = [r for r in routes if r.name not in reached]
    switch = _switch(a, {r.name for r in routes}) if a.code_wallet is not None else None
    if a.offline_allowed and not unreached and switch is None:
        return GoOffline(routes[0].name)
    # A backup is one this request has not tried (nor found down): never the one that failed.
    backup = next((r.name for r in unreached if r.name != last and not r.open), None)
    if backup is not None:
        return GiveUp(
            Stop.SUGGEST_BACKUP,
            Fallback(a.tender.value, backup, text("suggest", last, backup)),
            wallet_down=switch is not None,
        )
    if switch is not None and a.code_wallet is not None:
        key = "switch_qr" if switch[0] is Tender.WALLET_QR else "switch_card"
        return GiveUp(
            Stop.SWITCH_METHOD,
            Fallback(switch[0].value, switch[1], text(key, a.code_wallet)),
            wallet_down=True,
        )
    return GiveUp(Stop.ALL_DOWN, Fallback("cash", None, text("all_down")))
