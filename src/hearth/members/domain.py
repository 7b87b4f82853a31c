"""Members' rules, pure: phones, masks, points rules, tiers, the one ledger of points and stored
value, stored-value spending order, the offline allowance, pro-rata splits.

No I/O and no clock: the service reads the time and the rows and hands them in, so every rule
here is tested with hypothesis over any sequence of operations (tests/unit/test_members_*).

The ledger has three accounts per member: ``points``, ``paid`` (stored value the guest paid
in) and ``bonus`` (stored value given on top, 充值送). Every entry is keyed by
``(ref, line, rule)`` plus the member and account it moves: ``ref`` is the order (or top-up,
redemption, adjustment) it came from, ``line`` the order line ("" when it is about the whole
order), ``rule`` the rule that produced it. A retried or replayed event produces the same keys,
and the ledger keeps the first (the database's unique constraint says the same), so nothing is
ever earned twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

# -- phones ----------------------------------------------------------------------------------

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
CN_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PUNCTUATION = re.compile(r"[\s\-().]")


class PhoneInvalid(ValueError):
    """The text is not a phone number we can store as E.164."""


def normalise_phone(raw: str, default_country: str = "86") -> str:
    """E.164 (``+8613812341234``) from what a person types: an 11-digit Chinese mobile
    (``138 1234 1234``), ``0086…``, or any ``+<country><number>`` of 8 to 15 digits."""
    text = _PUNCTUATION.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        if CN_MOBILE.fullmatch(text) and default_country == "86":
            text = "+86" + text
        else:
            raise PhoneInvalid(
                f"{raw!r} is not a phone number: give an 11-digit mobile (13812341234) or "
                "the number with its country code (+8613812341234)."
            )
    if not text.isascii() or not E164.fullmatch(text):
        raise PhoneInvalid(
            f"{raw!r} is not a phone number in international form (+ country code, 8-15 digits)."
        )
    if text.startswith("+86") and not CN_MOBILE.fullmatch(text[3:]):
        raise PhoneInvalid(f"{raw!r} is not a Chinese mobile number (11 digits starting with 1).")
    return text


def national(phone: str) -> str:
    """The number as people say it: without +86 for China, else the whole E.164."""
    return phone[3:] if phone.startswith("+86") else phone


def mask_phone(phone: str | None) -> str | None:
    """``138****1234``: the first 3 and last 4 digits of the national number, the middle
    starred; shorter numbers keep only their last 4."""
    if phone is None:
        return None
    n = national(phone)
    if len(n) >= 11:
        return n[:3] + "*" * (len(n) - 7) + n[-4:]
    return "*" * max(0, len(n) - 4) + n[-4:]


def reversed_digits(phone: str) -> str:
    """The digits backwards: a suffix search is a prefix search on this (an index range)."""
    if phone[:1] == "+" and phone[1:].isdigit():
        return phone[:0:-1]  # E.164: the digits after "+", backwards
    return "".join(c for c in reversed(phone) if c.isdigit())


def digits_query(raw: str) -> str:
    """The digits of what a cashier typed to find a member (at least 3)."""
    text = _PUNCTUATION.sub("", raw.strip()).lstrip("+")
    if not text.isascii() or not text.isdigit() or len(text) < 3:
        raise PhoneInvalid("Type at least 3 digits of the member's phone number.")
    return text


CODE_LEN = 10
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed from a card
# Two code characters per step (31² pairs): the same code as one at a time, in half the steps.
_PAIRS = [b + a for a in CODE_ALPHABET for b in CODE_ALPHABET]
_PAIR_BASE = len(CODE_ALPHABET) ** 2


def member_code(member_id: str) -> str:
    """The 10-character code on a member's card or QR, from the id's random bits (stable; 31^10
    codes, so a million members collide with odds near 1 in 1,600; the database's unique index
    has the last word)."""
    n = int(member_id.replace("-", "")[-16:], 16)
    out = []
    for _ in range(CODE_LEN // 2):
        n, r = divmod(n, _PAIR_BASE)
        out.append(_PAIRS[r])
    return "".join(out)


# -- the ledger ------------------------------------------------------------------------------


class Account(StrEnum):
    POINTS = "points"
    PAID = "paid"  # stored value the guest paid in (refundable, reported as a liability)
    BONUS = "bonus"  # stored value the chain gave on top


@dataclass(frozen=True, slots=True)
class Entry:
    member_id: str
    account: Account
    delta: int
    ref: str  # the order, top-up, redemption or adjustment it came from
    line: str  # the order line ("" for the whole order)
    rule: str  # the rule or reason that produced it
    kind: str  # earn, redeem, reverse, top_up, spend, refund, adjust, sync

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.ref, self.line, self.rule, self.member_id, self.account.value)

    def to_json(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "account": self.account.value,
            "delta": self.delta,
            "ref": self.ref,
            "line": self.line,
            "rule": self.rule,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Entry:
        return cls(
            d["member_id"],
            Account(d["account"]),
            int(d["delta"]),
            d["ref"],
            d["line"],
            d["rule"],
            d["kind"],
        )


class LedgerRefused(ValueError):
    """An operation the ledger will not take: it would leave a balance below what is allowed."""


@dataclass
class Ledger:
    """One member's entries and balances, in memory: the rules the service applies to the rows
    it read, and what the property tests drive. ``floor`` is how far below zero stored value
    may go: 0 on the store, minus the sum of allowances granted offline at HQ."""

    entries: dict[tuple[str, str, str, str, str], Entry] = field(default_factory=dict)

    def balance(self, account: Account, member_id: str | None = None) -> int:
        return sum(
            e.delta
            for e in self.entries.values()
            if e.account is account and (member_id is None or e.member_id == member_id)
        )

    def stored_value(self, member_id: str | None = None) -> int:
        return self.balance(Account.PAID, member_id) + self.balance(Account.BONUS, member_id)

    def post(self, entries: Iterable[Entry], floor: int = 0, points_floor: int = 0) -> list[Entry]:
        """Add the entries not already held (by key); all or none. Refused when stored value
        would end below ``floor`` or points below ``points_floor``, unless the entries only
        take back (a refund's reversal never waits on the balance: it may leave a member's
        points below zero, a debt their next visit pays off, and nothing else can)."""
        new = [e for e in entries if e.key not in self.entries]
        fresh: dict[tuple[str, str, str, str, str], Entry] = {}
        for e in new:
            fresh.setdefault(e.key, e)
        if all(e.kind == "reverse" for e in fresh.values()):
            self.entries.update(fresh)
            return list(fresh.values())
        for m in {e.member_id for e in fresh.values()}:
            mine = [e for e in fresh.values() if e.member_id == m]
            points = self.balance(Account.POINTS, m) + sum(
                e.delta for e in mine if e.account is Account.POINTS
            )
            if points < points_floor and any(
                e.account is Account.POINTS and e.delta < 0 for e in mine
            ):
                raise LedgerRefused(f"Not enough points: this needs {points_floor - points} more.")
            value = self.stored_value(m) + sum(
                e.delta for e in mine if e.account is not Account.POINTS
            )
            if value < floor and any(e.account is not Account.POINTS and e.delta < 0 for e in mine):
                raise LedgerRefused("Not enough stored value.")
        self.entries.update(fresh)
        return list(fresh.values())

    def of_ref(self, ref: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.ref == ref]


# -- points rules ----------------------------------------------------------------------------


class RuleKind(StrEnum):
    PER_YUAN = "per_yuan"  # points per yuan (100 fen) of a line's net amount
    PER_VISIT = "per_visit"  # points per paid order
    PER_ITEM = "per_item"  # points per unit of one item
    DOUBLE_DAY = "double_day"  # a multiplier on given weekdays or dates
    BIRTHDAY = "birthday"  # a bonus on the member's birthday (or a multiplier that day)


@dataclass(frozen=True, slots=True)
class PointsRule:
    id: str
    kind: RuleKind
    points: int = 1  # per yuan, per visit, per item, or the birthday bonus
    item_id: str | None = None  # per_item
    multiplier_pct: int = 200  # double_day / birthday: 200 = double
    weekdays: tuple[int, ...] = ()  # double_day: 0 = Monday
    dates: tuple[str, ...] = ()  # double_day: "MM-DD"
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "points": self.points,
            "item_id": self.item_id,
            "multiplier_pct": self.multiplier_pct,
            "weekdays": list(self.weekdays),
            "dates": list(self.dates),
            "active": self.active,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PointsRule:
        return cls(
            id=d["id"],
            kind=RuleKind(d["kind"]),
            points=int(d.get("points", 1)),
            item_id=d.get("item_id"),
            multiplier_pct=int(d.get("multiplier_pct", 200)),
            weekdays=tuple(d.get("weekdays") or ()),
            dates=tuple(d.get("dates") or ()),
            active=bool(d.get("active", True)),
        )


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    name_zh: str
    name_en: str
    threshold: int  # lifetime points earned to reach it
    multiplier_pct: int = 100  # points earned at this tier, 150 = half again
    discount_bp: int = 0  # a member discount at checkout, in basis points

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "threshold": self.threshold,
            "multiplier_pct": self.multiplier_pct,
            "discount_bp": self.discount_bp,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Tier:
        return cls(
            d["key"],
            d["name_zh"],
            d["name_en"],
            int(d["threshold"]),
            int(d.get("multiplier_pct", 100)),
            int(d.get("discount_bp", 0)),
        )


def tier_for(lifetime_points: int, tiers: Sequence[Tier]) -> Tier | None:
    """The highest tier whose threshold the member's lifetime points reach."""
    reached = [t for t in tiers if lifetime_points >= t.threshold]
    return max(reached, key=lambda t: t.threshold) if reached else None


@dataclass(frozen=True, slots=True)
class SoldLine:
    """What earning needs of an order line: its id, item, units and what was paid for it."""

    id: str
    item_id: str
    quantity: int
    net: int  # after discounts, in fen


@dataclass(frozen=True, slots=True)
class Visit:
    """The order being earned on, and the day it is on (from the service's clock)."""

    order_id: str
    member_id: str
    lines: tuple[SoldLine, ...]
    weekday: int  # 0 = Monday
    month_day: str  # "MM-DD"
    birthday: str | None  # the member's "MM-DD", if given


def _multiplier(rules: Sequence[PointsRule], visit: Visit, tier: Tier | None) -> int:
    pct = tier.multiplier_pct if tier else 100
    for r in rules:
        if not r.active:
            continue
        if r.kind is RuleKind.DOUBLE_DAY and (
            visit.weekday in r.weekdays or visit.month_day in r.dates
        ):
            pct = pct * r.multiplier_pct // 100
    return pct


def earn(visit: Visit, rules: Sequence[PointsRule], tier: Tier | None = None) -> list[Entry]:
    """The points an order earns, one entry per (line, rule): the same order earns the same
    entries every time it is asked, so a retry or a replay adds nothing."""
    pct = _multiplier(rules, visit, tier)
    out: list[Entry] = []

    def add(line: str, rule: PointsRule, base: int) -> None:
        pts = base * pct // 100
        if pts > 0:
            out.append(
                Entry(visit.member_id, Account.POINTS, pts, visit.order_id, line, rule.id, "earn")
            )

    for r in rules:
        if not r.active:
            continue
        if r.kind is RuleKind.PER_YUAN:
            for ln in visit.lines:
                add(ln.id, r, max(0, ln.net) // 100 * r.points)
        elif r.kind is RuleKind.PER_ITEM:
            for ln in visit.lines:
                if ln.item_id == r.item_id and ln.quantity > 0:
                    add(ln.id, r, ln.quantity * r.points)
        elif r.kind is RuleKind.PER_VISIT and visit.lines:
            add("", r, r.points)
        elif r.kind is RuleKind.BIRTHDAY and visit.birthday == visit.month_day and visit.lines:
            out.append(
                Entry(visit.member_id, Account.POINTS, r.points, visit.order_id, "", r.id, "earn")
            )
    return out


def reverse(entries: Iterable[Entry], lines: set[str] | None = None) -> list[Entry]:
    """What a refund takes back: exactly the entries the order earned (all of them, or those of
    the refunded lines; a whole-order entry goes only with a whole refund), each keyed by its
    own key under ``reverse:``, so refunding twice takes back once."""
    out = []
    for e in entries:
        if e.kind != "earn" or e.delta <= 0:
            continue
        if lines is not None and e.line not in lines:
            continue
        out.append(replace(e, delta=-e.delta, rule=f"reverse:{e.rule}", kind="reverse"))
    return out


def pro_rata(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` shared in proportion to ``weights`` (largest remainder): the shares are
    whole, never negative, and add up to exactly ``amount``."""
    if amount < 0:
        return [-s for s in pro_rata(-amount, weights)]
    total = sum(weights)
    if total <= 0 or not weights:
        raise ValueError("weights must be positive")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    shares = [amount * w // total for w in weights]
    rest = amount - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[:rest]:
        shares[i] += 1
    return shares


def split(entries: Sequence[Entry], members: Sequence[str], weights: Sequence[int]) -> list[Entry]:
    """A split bill's points: each entry of the whole order shared between the members who
    paid, in proportion to what each paid; every share keeps the entry's (order, line, rule)
    with its own member, so the shares add up to what one member would have earned."""
    out = []
    for e in entries:
        for m, share in zip(members, pro_rata(e.delta, weights), strict=True):
            if share:
                out.append(replace(e, member_id=m, delta=share))
    return out


# -- points for money off --------------------------------------------------------------------


def redeem_points(points: int, points_per_yuan: int) -> int:
    """The money off (fen) ``points`` buy: whole yuan only, so the rate is exact."""
    if points <= 0 or points_per_yuan <= 0:
        raise ValueError("points and the rate must be positive")
    if points % points_per_yuan:
        raise ValueError(f"redeem points in multiples of {points_per_yuan} (one yuan each)")
    return points // points_per_yuan * 100


# -- stored value ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopUpTier:
    pay: int  # fen paid in at least
    bonus: int  # fen given on top


def bonus_for(amount: int, tiers: Sequence[TopUpTier]) -> int:
    """充值送: the bonus of the highest tier the amount reaches (pay 500, get 50)."""
    reached = [t for t in tiers if amount >= t.pay]
    return max(reached, key=lambda t: t.pay).bonus if reached else 0


def spend_split(amount: int, paid: int, bonus: int) -> tuple[int, int]:
    """How a spend is taken from the two stored-value accounts: **paid-in first, then bonus**.

    Why this order: the paid-in balance is the chain's debt to the guest (refundable, reported
    as a liability); using it first brings the debt down soonest and leaves the bonus (which
    costs the chain nothing until spent) for last. A spend beyond both comes from paid-in
    (the offline allowance: the balance goes negative there, never in bonus)."""
    if amount < 0:
        raise ValueError("a spend is positive")
    from_paid = min(amount, max(paid, 0))
    from_bonus = min(amount - from_paid, max(bonus, 0))
    from_paid += amount - from_paid - from_bonus
    return from_paid, from_bonus


def refund_split(amount: int, took_paid: int, took_bonus: int) -> tuple[int, int]:
    """A refund of (part of) a spend gives back in the proportion the spend took: a full
    refund gives back exactly what was taken from each account."""
    if took_paid + took_bonus <= 0:
        return amount, 0
    p, b = pro_rata(amount, [took_paid, took_bonus])
    return p, b


@dataclass(frozen=True, slots=True)
class Spendable:
    """What the till may take from a member's stored value now, and why not more."""

    hq_balance: int  # HQ's figure at its last word
    unacked: int  # this store's changes HQ has not yet acknowledged (spends negative)
    offline: bool
    allowance: int  # HQ's grant to this store for this member, per day
    allowance_used: int  # spent here today while offline

    @property
    def balance(self) -> int:
        """The till's figure: HQ's balance plus what this store did since HQ last heard."""
        return self.hq_balance + self.unacked

    @property
    def limit(self) -> int:
        if not self.offline:
            return max(0, self.balance)
        return max(0, min(self.balance, self.allowance - self.allowance_used))


def check_spend(s: Spendable, amount: int) -> str | None:
    """None when the spend may go ahead, else why not (the refusal's message)."""
    if amount <= 0:
        return "A stored-value spend must be more than zero."
    if amount <= s.limit:
        return None
    if s.offline and amount <= s.balance:
        left = max(0, s.allowance - s.allowance_used)
        return (
            f"HQ cannot be reached: offline this store may take at most ¥{left / 100:.2f} more "
            f"from this member's stored value today (allowance ¥{s.allowance / 100:.2f}). "
            "Take the rest another way."
        )
    have = max(0, s.balance) / 100
    return f"The member's stored value is ¥{have:.2f}; this needs ¥{amount / 100:.2f}."


# -- import ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int  # 1 = the first data row (the header is row 0)
    field: str
    code: str  # phone-invalid, phone-duplicate, phone-taken, tier-unknown, name-missing, …
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}


def _birthday_ok(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value if len(value) == 10 else "2000-" + value)
    except ValueError:
        return False
    return len(value) in (5, 10)


_TAG_SEPARATORS = re.compile(r"[;,，；|]")


def validate_import(
    rows: Sequence[Mapping[str, str]],
    taken: set[str],
    tiers: set[str],
    phones: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """Every row checked (not only up to the first bad one): the members to create, and a
    problem per bad field. ``taken`` holds the E.164 phones members already have."""
    out: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(rows, start=1):
        bad = False
        name = (raw.get("name") or "").strip()
        if not name or len(name) > 80:
            problems.append(RowProblem(i, "name", "name-missing", "Give a name (1-80 characters)."))
            bad = True
        try:
            given = raw.get("phone") or ""
            phone = phones[given] if phones and given in phones else normalise_phone(given)
        except PhoneInvalid as exc:
            problems.append(RowProblem(i, "phone", "phone-invalid", str(exc)))
            phone, bad = "", True
        if phone and phone in seen:
            problems.append(
                RowProblem(i, "phone", "phone-duplicate", f"Same phone as row {seen[phone]}.")
            )
            bad = True
        elif phone and phone in taken:
            problems.append(
                RowProblem(i, "phone", "phone-taken", "A member already has this phone.")
            )
            bad = True
        if phone:
            seen.setdefault(phone, i)
        tier = (raw.get("tier") or "").strip() or None
        if tier is not None and tier not in tiers:
            problems.append(RowProblem(i, "tier", "tier-unknown", f"No tier {tier!r}."))
            bad = True
        birthday = (raw.get("birthday") or "").strip() or None
        if birthday is not None and not _birthday_ok(birthday):
            problems.append(
                RowProblem(i, "birthday", "birthday-invalid", "Give YYYY-MM-DD or MM-DD.")
            )
            bad = True
        text = raw.get("tags") or ""
        tags = sorted({t.strip() for t in _TAG_SEPARATORS.split(text) if t.strip()}) if text else []
        if not bad:
            out.append(
                {"phone": phone, "name": name, "birthday": birthday, "tier": tier, "tags": tags}
            )
    return out, problems
