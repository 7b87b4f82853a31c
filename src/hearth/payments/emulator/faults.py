"""Fault injection: what can go wrong between a store and a payment provider, on demand.

Modes (per provider, each with a probability; ``seconds`` bounds how long a rule lives):
- ``slow``: answer after ``delay_ms``.
- ``timeout``: hold the request ``delay_ms`` (default 30 s), then cut the connection; nothing
  was processed. The client only sees that it got no answer.
- ``error_5xx``: 503 at once; nothing processed.
- ``lost_answer``: the charge IS processed (money captured), then the connection is cut before
  the answer leaves. The client must query, never charge again.
- ``decline``: the customer's side refuses the charge.
- ``down``: every call to that provider gets 503 for ``seconds``.
- ``duplicate_callbacks``: every async notification is sent 2-3 times.
- ``out_of_order_callbacks``: notifications are delayed at random and a stale "still waiting"
  one is sent after the final one.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

MODES = (
    "slow",
    "timeout",
    "error_5xx",
    "lost_answer",
    "decline",
    "down",
    "duplicate_callbacks",
    "out_of_order_callbacks",
)
OPS = ("charge", "query", "refund", "reverse")
# By default a mode only touches the calls where it means something.
DEFAULT_OPS: dict[str, tuple[str, ...]] = {
    "lost_answer": ("charge",),
    "decline": ("charge",),
}


@dataclass
class FaultRule:
    provider: str
    mode: str
    probability: float = 1.0
    delay_ms: int = 0
    until: float | None = None  # monotonic deadline; None = until cleared
    ops: tuple[str, ...] = OPS

    def live(self, now: float) -> bool:
        return self.until is None or now < self.until

    def to_dict(self) -> dict[str, Any]:
        left = None if self.until is None else max(0.0, self.until - time.monotonic())
        return {
            "provider": self.provider,
            "mode": self.mode,
            "probability": self.probability,
            "delay_ms": self.delay_ms,
            "seconds_left": left,
            "ops": list(self.ops),
        }


@dataclass(frozen=True)
class Decision:
    delay_s: float = 0.0
    reject: str | None = None  # "down" | "error_5xx" | "timeout"
    hold_s: float = 0.0  # for "timeout": how long to hold before cutting
    lost_answer: bool = False
    decline: bool = False
    modes: tuple[str, ...] = ()


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.rng = random.Random(seed)

    def reset(self, seed: int | None = None) -> None:
        with self._lock:
            self.rules.clear()
            if seed is not None:
                self.rng.seed(seed)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Add a rule; ``mode: "none"`` clears the provider's rules. Raises ValueError."""
        provider = str(spec.get("provider", ""))
        mode = str(spec.get("mode", ""))
        if provider not in ("alipay", "wechat", "card", "*"):
            raise ValueError(f"unknown provider {provider!r}")
        if mode == "none":
            with self._lock:
                self.rules = [r for r in self.rules if provider not in ("*", r.provider)]
            return FaultRule(provider, "none")
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        probability = float(spec.get("probability", 1.0))
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within 0..1")
        seconds = spec.get("seconds")
        if mode == "down" and seconds is None:
            seconds = 30
        delay_ms = int(
            spec.get("delay_ms")
            or (30_000 if mode == "timeout" else 1_000 if mode == "slow" else 0)
        )
        ops = tuple(spec.get("ops") or DEFAULT_OPS.get(mode, OPS))
        if not set(ops) <= set(OPS):
            raise ValueError(f"ops must be within {', '.join(OPS)}")
        until = None if seconds is None else time.monotonic() + float(seconds)
        providers = ("alipay", "wechat", "card") if provider == "*" else (provider,)
        with self._lock:
            for p in providers:
                self.rules = [r for r in self.rules if not (r.provider == p and r.mode == mode)]
                self.rules.append(FaultRule(p, mode, probability, delay_ms, until, ops))
        return FaultRule(provider, mode, probability, delay_ms, until, ops)

    def listing(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            return [r.to_dict() for r in self.rules if r.live(now)]

    def _fires(self, rule: FaultRule) -> bool:
        return rule.probability >= 1.0 or self.rng.random() < rule.probability

    def decide(self, provider: str, op: str) -> Decision:
        now = time.monotonic()
        delay = 0.0
        modes: list[str] = []
        reject: str | None = None
        hold = 0.0
        lost = decline = False
        with self._lock:
            for r in self.rules:
                if r.provider != provider or not r.live(now) or op not in r.ops:
                    continue
                if r.mode in ("duplicate_callbacks", "out_of_order_callbacks"):
                    continue
                if not self._fires(r):
                    continue
                if r.mode == "slow":
                    delay += r.delay_ms / 1000
                elif r.mode in ("down", "error_5xx") and reject is None:
                    reject = r.mode
                elif r.mode == "timeout" and reject is None:
                    reject, hold = "timeout", r.delay_ms / 1000
                elif r.mode == "lost_answer":
                    lost = True
                elif r.mode == "decline":
                    decline = True
                else:
                    continue
                modes.append(r.mode)
        if reject is not None:  # nothing gets processed: the other modes did not happen
            modes = [m for m in modes if m in ("slow", reject)]
            lost = decline = False
        return Decision(delay, reject, hold, lost, decline, tuple(modes))

    def callback_modes(self, provider: str) -> set[str]:
        now = time.monotonic()
        with self._lock:
            return {
                r.mode
                for r in self.rules
                if r.provider == provider
                and r.live(now)
                and r.mode in ("duplicate_callbacks", "out_of_order_callbacks")
                and self._fires(r)
            }

    def jitter(self, upto_s: float) -> float:
        with self._lock:
            return self.rng.random() * upto_s
