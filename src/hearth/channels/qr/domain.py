"""Table QR codes: a signed, rotatable token that says which table a diner is sitting at.

The token is ``<table id>.<version>.<signature>``. Rotating a table's token bumps its version,
so a photo of last month's QR code stops working while the new sticker works at once. The
signature uses the store node's own key, so a diner cannot forge another table's code.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from hearth.channels.qr.errors import QrError
from hearth.core.errors import Problem
from hearth.core.security import TokenSigner


@dataclass(frozen=True, slots=True)
class TableToken:
    table_id: str
    version: int


def make_table_token(signer: TokenSigner, table_id: str, version: int) -> str:
    body = f"{table_id}.{version}"
    return f"{body}.{signer.mac('table:' + body)}"


def read_table_token(signer: TokenSigner, token: str) -> TableToken | None:
    """The table and version of a genuine token; None for anything forged or malformed."""
    try:
        table_id, version_text, mac = token.rsplit(".", 2)
        version = int(version_text)
    except ValueError:
        return None
    if not table_id or version < 1 or len(token) > 200:
        return None
    if not signer.verify_mac(f"table:{table_id}.{version}", mac):
        return None
    return TableToken(table_id, version)


# -- table sessions and what one phone may do ----------------------------------------------------
# A photographed code must not open the kitchen: a diner's change is allowed only inside the
# table's current session (ordering/sessions.py), within the store's quantity caps and rate, and
# a send the staff did not expect (a self-seated table's first, or one above the store's total)
# waits for a staff confirmation. These are the pure rules; the service applies them.

TABLE_CLOSED = QrError.TABLE_CLOSED.problem(
    "Ask a waiter to seat you, then scan again.",
    extra={
        "message_zh": "本桌暂未开台。请请服务员为您安排座位，然后重新扫码。",
        "message_en": "This table is closed. Ask a waiter to seat you, then scan again.",
    },
)

SELF_SEATED = "self-seated"  # the first send of a table a diner's scan seated
OVER_THRESHOLD = "over-threshold"  # a send that takes the order above the store's total


@dataclass(frozen=True, slots=True)
class DinerLimits:
    """The store's limits on diners' phones (store settings ``qr_*``)."""

    max_per_line: int = 20
    max_per_order: int = 60
    changes_per_minute: int = 20
    confirm_above: int = 100_000  # fen; 0: no send waits for its total
    self_seating: bool = False


def check_session(current: str | None, given: str | None) -> None:
    """A change is allowed only with the table's current session: none (the table is not
    seated) or an ended one (the party before) is refused, and nothing is written."""
    if current is None or not given or given != current:
        raise TABLE_CLOSED


def may_self_seat(limits: DinerLimits, table_status: str) -> bool:
    """A diner's scan seats a table only where the store allows it and the table is free
    (not still waiting to be cleared after the last party)."""
    return limits.self_seating and table_status == "free"


def check_quantities(new: Sequence[int], on_order: int, limits: DinerLimits) -> None:
    """Each new line within the per-line cap, and the order (``on_order`` portions already on
    it) within the per-order cap; refused naming the field."""
    for i, quantity in enumerate(new):
        if quantity > limits.max_per_line:
            raise QrError.QUANTITY_OVER_LIMIT.problem(
                f"At most {limits.max_per_line} of a dish at once; ask a waiter for more.",
                field=f"lines[{i}].quantity",
            )
    if on_order + sum(new) > limits.max_per_order:
        raise QrError.ORDER_OVER_LIMIT.problem(
            f"One order holds at most {limits.max_per_order} portions "
            f"({on_order} already on it); ask a waiter for more.",
            field="lines",
        )


def hold_reason(
    limits: DinerLimits, *, self_seated: bool, total: int, approved_total: int
) -> str | None:
    """Why a diner's send must wait for staff, or None to send it now. ``approved_total`` is
    the order total at the staff's last confirmation: what phones add beyond it may reach the
    store's limit before staff look again, so no confirmation lets more than the limit through
    unseen, and a party ordering a second round is not stopped for every drink."""
    if self_seated:
        return SELF_SEATED
    if limits.confirm_above and total - approved_total > limits.confirm_above:
        return OVER_THRESHOLD
    return None


def rate_decision(
    hits: tuple[int, ...], now_ms: int, limit: int, window_ms: int = 60_000
) -> tuple[tuple[int, ...], int | None]:
    """A sliding window: the hits still inside the window after this one, and None if it is
    allowed, or the milliseconds until it would be (the hit is then not counted)."""
    recent = tuple(t for t in hits if now_ms - window_ms < t <= now_ms)
    if len(recent) >= limit:
        return recent, max(1, recent[-limit] + window_ms - now_ms)
    return (*recent, now_ms), None


class RateLimiter:
    """Per-key sliding windows held in memory (a key is a table or a kiosk). The clock is the
    caller's: every call passes ``now_ms``."""

    def __init__(self, window_ms: int = 60_000, max_keys: int = 10_000) -> None:
        self.window_ms = window_ms
        self.max_keys = max_keys
        self._hits: dict[str, tuple[int, ...]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now_ms: int, limit: int) -> int | None:
        """Count one change for ``key``; None if allowed, else milliseconds to wait."""
        with self._lock:
            hits, wait = rate_decision(self._hits.get(key, ()), now_ms, limit, self.window_ms)
            if len(self._hits) >= self.max_keys and key not in self._hits:
                self._hits = {
                    k: v for k, v in self._hits.items() if v and now_ms - v[-1] < self.window_ms
                }
            self._hits[key] = hits
            return wait


def too_many(wait_ms: int, who: str = "This table") -> Problem:
    """The refusal of a change over the rate, with how long to wait (``Retry-After``)."""
    seconds = max(1, -(-wait_ms // 1000))
    return QrError.TOO_MANY_CHANGES.problem(
        f"{who} sent too many changes in a minute. Wait {seconds} seconds and "
        "try again, or ask a member of staff.",
        extra={"retry_after_s": seconds, "headers": {"Retry-After": str(seconds)}},
    )
