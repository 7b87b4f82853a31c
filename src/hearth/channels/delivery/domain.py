"""Delivery-platform rules, pure: mapping a platform's order onto our menu, what to do with an
order when it arrives, the delivery order's state machine, and order pacing.

No database, HTTP or clock here: the caller passes ``now_ms`` and the counts it read, so every
rule is tested in milliseconds (tests/unit/test_delivery_domain.py, with hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hearth.channels.delivery.errors import DeliveryError

WINDOW_MS = 15 * 60_000  # the pacing cap counts platform orders in the last 15 minutes


class Platform(StrEnum):
    MEITUAN = "meituan"
    DOUYIN = "douyin"


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for staff to accept (or for the timeout)
    HELD = "held"  # arrived late after an outage: waits for a manager to release it
    ACCEPTED = "accepted"  # sent to the kitchen
    REJECTED = "rejected"  # refused by staff or by the timeout
    CANCELLED = "cancelled"  # cancelled by the platform


S = DeliveryState
TRANSITIONS: Mapping[DeliveryState, frozenset[DeliveryState]] = {
    S.PENDING: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED}),
    S.HELD: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}


def check_transition(state: DeliveryState, to: DeliveryState, platform_order_id: str) -> None:
    if to not in TRANSITIONS[state]:
        raise DeliveryError.DELIVERY_ORDER_STATE.problem(
            f"Platform order {platform_order_id} is {state.value}; it cannot become {to.value}."
        )


# -- the platform's order, as both platforms' parsers hand it over ------------------------------
@dataclass(frozen=True, slots=True)
class PlatformLine:
    sku: str
    quantity: int
    unit_price: int  # fen, the platform's price
    name: str = ""


@dataclass(frozen=True, slots=True)
class PlatformOrder:
    platform: Platform
    platform_order_id: str
    created_at_ms: int  # when the customer ordered, by the platform's clock
    lines: tuple[PlatformLine, ...]
    total: int  # fen, what the platform says the food costs
    paid: int  # fen, what the customer paid the platform
    note: str = ""

    @property
    def items_total(self) -> int:
        return sum(ln.unit_price * ln.quantity for ln in self.lines)


@dataclass(frozen=True, slots=True)
class ItemMapping:
    """Which of our item, spec and modifier options a platform SKU stands for."""

    item_id: str
    spec_id: str | None = None
    modifier_option_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MappedLine:
    sku: str
    mapping: ItemMapping
    quantity: int
    platform_unit_price: int


def map_lines(
    order: PlatformOrder, mappings: Mapping[str, ItemMapping]
) -> tuple[list[MappedLine], list[str]]:
    """Our lines for a platform order, and the SKUs we do not know (refuse the order if any)."""
    mapped: list[MappedLine] = []
    unknown: list[str] = []
    for ln in order.lines:
        m = mappings.get(ln.sku)
        if m is None:
            if ln.sku not in unknown:
                unknown.append(ln.sku)
        else:
            mapped.append(MappedLine(ln.sku, m, ln.quantity, ln.unit_price))
    return mapped, unknown


# -- pacing ------------------------------------------------------------------------------------
class PacingState(StrEnum):
    NORMAL = "normal"
    SLOWED = "slowed"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class PacingRules:
    window_cap: int = 30
    slow_at_lines: int = 40
    pause_at_lines: int = 80
    base_minutes: int = 25
    step_minutes: int = 5
    step_lines: int = 10


@dataclass(frozen=True, slots=True)
class Pacing:
    state: PacingState
    quoted_minutes: int
    message_zh: str
    message_en: str
    held_orders: int = 0
    orders_in_window: int = 0
    open_lines: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "quoted_minutes": self.quoted_minutes,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "held_orders": self.held_orders,
            "orders_in_window": self.orders_in_window,
            "open_lines": self.open_lines,
        }


def quoted_minutes(rules: PacingRules, open_lines: int) -> int:
    """Quoted prep time: the base below the first threshold, then one step longer for every
    ``step_lines`` open lines beyond it (so the quote grows in steps, never jumps back)."""
    if open_lines < rules.slow_at_lines:
        return rules.base_minutes
    steps = 1 + (open_lines - rules.slow_at_lines) // max(1, rules.step_lines)
    return rules.base_minutes + steps * rules.step_minutes


def decide_pacing(
    rules: PacingRules, *, orders_in_window: int, open_lines: int, held: int = 0
) -> Pacing:
    """Whether the store takes platform orders now, and the prep time it quotes."""
    minutes = quoted_minutes(rules, open_lines)

    def pacing(state: PacingState, zh: str, en: str) -> Pacing:
        return Pacing(
            state,
            minutes,
            zh,
            en,
            held_orders=held,
            orders_in_window=orders_in_window,
            open_lines=open_lines,
        )

    if open_lines >= rules.pause_at_lines:
        return pacing(
            PacingState.PAUSED,
            f"厨房已满（{open_lines} 道菜在做），外卖暂停接单",
            f"Kitchen full ({open_lines} dishes open): delivery intake paused",
        )
    if orders_in_window >= rules.window_cap:
        return pacing(
            PacingState.PAUSED,
            f"15 分钟内已接 {orders_in_window} 单外卖，暂停接单",
            f"{orders_in_window} delivery orders in 15 minutes: intake paused",
        )
    if minutes > rules.base_minutes:
        return pacing(
            PacingState.SLOWED,
            f"厨房繁忙，外卖出餐时间延长至 {minutes} 分钟",
            f"Kitchen busy: delivery prep time quoted at {minutes} minutes",
        )
    return pacing(
        PacingState.NORMAL,
        f"外卖正常接单，出餐约 {minutes} 分钟",
        f"Taking delivery orders, about {minutes} minutes",
    )


# -- what happens to an order that arrives ------------------------------------------------------
class Intake(StrEnum):
    REFUSE_BUSY = "refuse_busy"
    HOLD = "hold"
    ACCEPT = "accept"  # auto-accept: straight to the kitchen
    AWAIT = "await"  # wait for staff to accept, until the timeout


@dataclass(frozen=True, slots=True)
class IntakeRules:
    auto_accept: bool = False
    backlog_ms: int = 10 * 60_000


def decide_intake(rules: IntakeRules, pacing: Pacing, *, created_at_ms: int, now_ms: int) -> Intake:
    """Late orders (a backlog after an outage) are held whatever the pacing: a manager decides
    when the kitchen can take them. Fresh orders are refused while intake is paused."""
    if now_ms - created_at_ms > rules.backlog_ms:
        return Intake.HOLD
    if pacing.state is PacingState.PAUSED:
        return Intake.REFUSE_BUSY
    return Intake.ACCEPT if rules.auto_accept else Intake.AWAIT


def timestamp_fresh(sent_at_ms: int, now_ms: int, window_ms: int) -> bool:
    """Replay protection: a signed request is only good within ``window_ms`` of our clock."""
    return abs(now_ms - sent_at_ms) <= window_ms


# -- status callbacks ---------------------------------------------------------------------------
class CallbackStatus(StrEnum):
    ACCEPTED = "accepted"
    READY = "ready"
    CANCELLED = "cancelled"


def callback_backoff_s(attempts: int, *, base: float = 0.5, cap: float = 60.0) -> float:
    """Wait before the next try of a callback the platform did not take: doubling, capped."""
    return float(min(cap, base * (2 ** max(0, attempts - 1))))


@dataclass(frozen=True, slots=True)
class PriceCheck:
    ours: int
    platform: int
    mismatch: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mismatch", self.ours != self.platform)
