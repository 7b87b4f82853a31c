"""What the three adapters share: the bill reference, emulator key fetching, the statement,
and turning transport failures into the interface's words.

The rule behind the error mapping: a charge whose answer never came back may have captured
money, so it becomes ``UNKNOWN`` (the caller queries, never charges again); a connection that
was refused or a 5xx means nothing was done and the provider is ``UNAVAILABLE``; a call that
ran out of time is ``TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import re
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from hearth.payments.providers.base import (
    FailureKind,
    ProviderError,
    ProviderResult,
    ProviderStatus,
    StatementEntry,
)

_BILL = re.compile(r"order\s+(\S+)")


def bill_of(description: str) -> str:
    """The bill a charge belongs to (``"order <id>"`` -> ``<id>``), sent to the provider in
    the description/metadata so its ledger can tell two captures for one bill apart."""
    m = _BILL.search(description)
    return m.group(1) if m else description


def lost_answer(op: str, provider: str, detail: str) -> ProviderResult:
    """A charge that may have captured: never report failure, let the caller query."""
    if op != "charge":
        raise ProviderError(FailureKind.TIMEOUT, f"{provider}: no answer ({detail})")
    return ProviderResult(
        ProviderStatus.UNKNOWN, message=f"{provider}: the answer was lost ({detail}); query it"
    )


def classify(exc: BaseException) -> str:
    """'refused' (nothing sent), 'timeout', or 'lost' (sent, the answer never came)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        text = str(cur)
        if (
            isinstance(cur, ConnectionRefusedError)
            or name in ("ConnectError", "NewConnectionError")
            or "Connection refused" in text
        ):
            return "refused"
        if (
            isinstance(cur, TimeoutError)
            or "timed out" in text.lower()
            or name in ("ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout")
        ):
            return "timeout"
        reason = getattr(cur, "reason", None)
        first = cur.args[0] if cur.args else None
        cur = (
            cur.__cause__
            or cur.__context__
            or (reason if isinstance(reason, BaseException) else None)
            or (first if isinstance(first, BaseException) else None)
        )
    return "lost"


def transport_failure(op: str, provider: str, exc: BaseException) -> ProviderResult:
    kind = classify(exc)
    if kind == "refused":
        raise ProviderError(FailureKind.UNAVAILABLE, f"{provider}: connection refused")
    if kind == "timeout":
        if op == "charge":
            return ProviderResult(
                ProviderStatus.UNKNOWN, message=f"{provider}: no answer in time; query it"
            )
        raise ProviderError(FailureKind.TIMEOUT, f"{provider}: no answer in time")
    return lost_answer(op, provider, type(exc).__name__)


def money_fen(text: object) -> int:
    """Alipay's yuan strings to fen; refuses anything that is not an amount."""
    try:
        d = Decimal(str(text))
    except InvalidOperation as exc:
        raise ProviderError(FailureKind.INVALID, f"bad amount {text!r}") from exc
    if d <= 0 or d != d.quantize(Decimal("0.01")):
        raise ProviderError(FailureKind.INVALID, f"bad amount {text!r}")
    return int(d * 100)


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def check_currency(currency: object) -> str:
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise ProviderError(FailureKind.INVALID, f"bad currency {currency!r}")
    return currency.upper()


class EmulatorKeySource:
    """Test keys from the emulator's ``/_emulator/keys``, fetched once on first use, so a node
    that starts before its emulator (``hearth demo``) still configures itself."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._keys: dict[str, str] | None = None
        self._lock = threading.Lock()

    def get(self) -> dict[str, str]:
        with self._lock:
            if self._keys is None:
                try:
                    r = httpx.get(f"{self.url}/_emulator/keys", timeout=2.0)
                    r.raise_for_status()
                except httpx.HTTPError as exc:
                    raise ProviderError(
                        FailureKind.UNAVAILABLE, f"emulator keys not reachable: {exc}"
                    ) from exc
                self._keys = {k: str(v) for k, v in r.json().items()}
            return self._keys

    async def aget(self) -> dict[str, str]:
        if self._keys is not None:
            return self._keys
        return await asyncio.to_thread(self.get)


async def emulator_statement(
    url: str, provider: str, since_ms: int, until_ms: int
) -> list[StatementEntry]:
    """The provider's statement for a window, as the emulator's statement endpoint keeps it."""
    if not url:
        raise ProviderError(FailureKind.UNAVAILABLE, "no statement source configured")
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            r = await client.get(
                f"{url.rstrip('/')}/_emulator/statement",
                params={"provider": provider, "since_ms": since_ms, "until_ms": until_ms},
            )
            r.raise_for_status()
    except httpx.HTTPError as exc:
        raise ProviderError(FailureKind.UNAVAILABLE, f"statement: {exc}") from exc
    entries: list[dict[str, Any]] = r.json()["entries"]
    return [
        StatementEntry(
            e["intent_id"],
            e["provider_ref"],
            e["kind"],
            int(e["amount"]),
            e["currency"],
            int(e["at_ms"]),
        )
        for e in entries
    ]
