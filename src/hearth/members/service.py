"""Members' use cases: join, find, update, consent, unmask; earn, redeem and reverse points;
top up and spend stored value (checked against HQ's offline allowance); coupons.

Reads take a connection, changes take the writer's ``Tx`` and append events (projected in the
same transaction by members/projections.py). Phones leave this module masked unless the caller
asked to unmask, which is itself an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.calendar import business_date, local_time
from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.members import domain as d
from hearth.members.errors import MembersError
from hearth.members.projections import effective
from hearth.members.tables import (
    coupon_templates,
    coupons,
    member_balances,
    member_consents,
    member_ledger,
    member_rules,
    members,
)
from hearth.ordering.domain import DiscountKind, LineState, OrderStatus
from hearth.ordering.projections import load_order
from hearth.ordering.service import Context, apply_discount
from hearth.payments.tables import stored_value_accounts
from hearth.sync.tables import sync_state

log = structlog.get_logger(__name__)

DEFAULT_ALLOWANCE = 20_000  # ¥200 a day per member, until HQ says otherwise
DEFAULT_POINTS_PER_YUAN_OFF = 100  # 100 points = ¥1 off, until a "setting" rule says otherwise
PAID_STATES = frozenset({OrderStatus.PAID, OrderStatus.CLOSED})


@dataclass(frozen=True, slots=True)
class Who:
    """Who acts, when, in which time zone (from the API layer)."""

    actor: str | None
    now_ms: int
    timezone: str = "Asia/Shanghai"


def stream(member_id: str) -> str:
    return f"member:{member_id}"


# -- reading ---------------------------------------------------------------------------------


def _row(conn: Connection, member_id: str) -> Any:
    row = conn.execute(sa.select(members).where(members.c.id == member_id)).first()
    if row is None:
        raise not_found(MembersError.MEMBER_NOT_FOUND, member_id)
    return row


def _active(conn: Connection, member_id: str) -> Any:
    row = _row(conn, member_id)
    if row.status != "active":
        where = f" into {row.merged_into}" if row.merged_into else ""
        raise MembersError.MEMBER_GONE.problem(f"This member was {row.status}{where}.")
    return row


def member_json(row: Any, balance: Any = None, *, unmask: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "code": row.code,
        "phone": row.phone if unmask else d.mask_phone(row.phone),
        "phone_masked": not unmask,
        "name": row.name,
        "birthday": row.birthday,
        "tier": row.tier,
        "tags": list(row.tags or []),
        "consent_version": row.consent_version,
        "status": row.status,
        "lifetime_points": row.lifetime_points,
        "created_at_ms": row.created_at_ms,
    }
    if balance is not None:
        out.update(balance)
    return out


def offline(conn: Connection) -> bool:
    """The store is enrolled with an HQ that is not answering now (standalone stores own
    their members' balances and are never "offline")."""
    row = conn.execute(sa.select(sync_state.c.unreachable_since_ms, sync_state.c.status)).first()
    return row is not None and (row.unreachable_since_ms is not None or row.status != "ok")


def _allowance_used_today(bal: Any, today: str) -> int:
    return int(bal.allowance_used) if bal is not None and bal.allowance_date == today else 0


def spendable(conn: Connection, member_id: str, today: str) -> d.Spendable:
    """What the till may take from stored value: HQ's figure plus what this store did since
    (the stored-value account payments charges keeps that figure), and the allowance."""
    bal = conn.execute(
        sa.select(member_balances).where(member_balances.c.member_id == member_id)
    ).first()
    sv = conn.execute(
        sa.select(stored_value_accounts.c.balance).where(stored_value_accounts.c.id == member_id)
    ).scalar()
    allowance = bal.allowance if bal is not None and bal.allowance is not None else None
    return d.Spendable(
        hq_balance=int(sv or 0),
        unacked=0,
        offline=offline(conn),
        allowance=DEFAULT_ALLOWANCE if allowance is None else int(allowance),
        allowance_used=_allowance_used_today(bal, today),
    )


def balance_json(conn: Connection, member_id: str, today: str) -> dict[str, Any]:
    bal = conn.execute(
        sa.select(member_balances).where(member_balances.c.member_id == member_id)
    ).first()
    s = spendable(conn, member_id, today)
    hq_sv = None if bal is None or bal.hq_paid is None else int(bal.hq_paid) + int(bal.hq_bonus)
    return effective(conn, member_id) | {
        "stored_value": s.balance,
        "hq_stored_value": hq_sv,
        "hq_points": bal.hq_points if bal else None,
        "offline": s.offline,
        "allowance": s.allowance,
        "allowance_left": max(0, s.allowance - s.allowance_used),
        "spend_limit": s.limit,
    }


def get_member(
    conn: Connection, member_id: str, today: str, *, unmask: bool = False
) -> dict[str, Any]:
    row = _row(conn, member_id)
    return member_json(row, balance_json(conn, member_id, today), unmask=unmask)


def ledger(conn: Connection, member_id: str, limit: int = 200) -> list[dict[str, Any]]:
    _row(conn, member_id)
    rows = conn.execute(
        sa.select(member_ledger)
        .where(member_ledger.c.member_id == member_id)
        .order_by(member_ledger.c.seq.desc(), member_ledger.c.id.desc())
        .limit(limit)
    )
    return [
        {
            "account": r.account,
            "delta": r.delta,
            "ref": r.ref,
            "line": r.line,
            "rule": r.rule,
            "kind": r.kind,
            "store_id": r.store_id,
            "seq": r.seq,
            "at_ms": r.at_ms,
        }
        for r in rows
    ]


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def find(conn: Connection, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Members a cashier is looking for: by member code (exact), by phone prefix (the start of
    the national number, ``138…``) or suffix (its last digits, ``…1234``), or by name. Phone
    lookups are index ranges on ``phone`` and ``phone_rev``, never a scan."""
    text = q.strip()
    c = members.c
    found: dict[str, Any] = {}
    base = sa.select(members).where(c.status == "active")
    code = text.upper()
    if len(code) == d.CODE_LEN and all(ch in d.CODE_ALPHABET for ch in code):
        for r in conn.execute(base.where(c.code == code)):
            found[r.id] = r
    digits = text.replace(" ", "").replace("-", "").lstrip("+")
    if digits.isascii() and digits.isdigit():
        if len(digits) < 3:
            raise MembersError.PHONE_INVALID.problem(
                "Type at least 3 digits of the member's phone number.", field="q"
            )
        prefix = digits if text.startswith("+") else "86" + digits
        lo = "+" + prefix
        for r in conn.execute(
            base.where(c.phone >= lo)
            .where(c.phone < _next_prefix(lo))
            .order_by(c.phone)
            .limit(limit)
        ):
            found.setdefault(r.id, r)
        rev = digits[::-1]
        # Eight digits or more are the start of a number, not its end: one range is enough.
        for r in (
            ()
            if len(digits) >= 8
            else conn.execute(
                base.where(c.phone_rev >= rev)
                .where(c.phone_rev < _next_prefix(rev))
                .order_by(c.phone_rev)
                .limit(limit)
            )
        ):
            found.setdefault(r.id, r)
    elif text and not found:
        for r in conn.execute(
            base.where(c.name >= text)
            .where(c.name < _next_prefix(text))
            .order_by(c.name)
            .limit(limit)
        ):
            found.setdefault(r.id, r)
    return [member_json(r) for r in list(found.values())[:limit]]


def list_members(conn: Connection, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    c = members.c
    total = conn.execute(sa.select(sa.func.count()).select_from(members)).scalar() or 0
    rows = conn.execute(
        sa.select(
            members, member_balances.c.points, member_balances.c.paid, member_balances.c.bonus
        )
        .select_from(members.outerjoin(member_balances, member_balances.c.member_id == c.id))
        .order_by(c.created_at_ms.desc(), c.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return {
        "total": total,
        "members": [
            member_json(
                r, {"points": r.points or 0, "stored_value": (r.paid or 0) + (r.bonus or 0)}
            )
            for r in rows
        ],
    }


def consents(conn: Connection, member_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(member_consents)
        .where(member_consents.c.member_id == member_id)
        .order_by(member_consents.c.seq)
    )
    return [
        {"version": r.version, "granted": r.granted, "source": r.source, "at_ms": r.at_ms}
        for r in rows
    ]


# -- rules -------------------------------------------------------------------------------------


def _bodies(conn: Connection, kind: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(member_rules.c.body)
        .where(member_rules.c.kind == kind)
        .order_by(member_rules.c.id)
    )
    return [dict(r.body) for r in rows]


def points_rules(conn: Connection) -> list[d.PointsRule]:
    return [d.PointsRule.from_json(b) for b in _bodies(conn, "points")]


def tiers(conn: Connection) -> list[d.Tier]:
    return sorted((d.Tier.from_json(b) for b in _bodies(conn, "tier")), key=lambda t: t.threshold)


def top_up_tiers(conn: Connection) -> list[d.TopUpTier]:
    return [d.TopUpTier(int(b["pay"]), int(b["bonus"])) for b in _bodies(conn, "top_up")]


def points_per_yuan_off(conn: Connection) -> int:
    for b in _bodies(conn, "setting"):
        if b.get("id") == "redeem":
            return int(b["points_per_yuan"])
    return DEFAULT_POINTS_PER_YUAN_OFF


def rules_json(conn: Connection) -> dict[str, Any]:
    return {
        "points": [r.to_json() for r in points_rules(conn)],
        "tiers": [t.to_json() for t in tiers(conn)],
        "top_up": [{"pay": t.pay, "bonus": t.bonus} for t in top_up_tiers(conn)],
        "points_per_yuan_off": points_per_yuan_off(conn),
    }


def set_rule(tx: Tx, kind: str, rule_id: str, body: dict[str, Any] | None, who: Who) -> None:
    """Set (or with ``body`` None, remove) one points rule, tier, top-up tier or setting."""
    if kind == "tier" and body is None:
        used = tx.conn.execute(
            sa.select(members.c.id).where(members.c.tier == rule_id).limit(1)
        ).first()
        if used:
            raise MembersError.RULE_INVALID.problem(
                f"Members hold tier {rule_id!r}; move them first.", field="id"
            )
    tx.append(
        "member-rules", "MemberRuleSet", {"kind": kind, "id": rule_id, "body": body}, who.actor
    )


def checked_rule(kind: str, rule_id: str, body: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rule as the domain reads it back (so a stored rule always loads), or a 422 saying
    what is wrong with it."""
    if body is None:
        return None
    try:
        if kind == "points":
            rule = d.PointsRule.from_json({**body, "id": rule_id})
            if rule.points < 0 or rule.multiplier_pct <= 0:
                raise ValueError("points and multiplier_pct must not be negative")
            if rule.kind is d.RuleKind.PER_ITEM and not rule.item_id:
                raise ValueError("a per-item rule needs item_id")
            return rule.to_json()
        if kind == "tier":
            tier = d.Tier.from_json({**body, "key": rule_id})
            if (
                tier.threshold < 0
                or tier.multiplier_pct <= 0
                or not 0 <= tier.discount_bp <= 10_000
            ):
                raise ValueError("threshold >= 0, multiplier_pct > 0, discount_bp 0-10000")
            return tier.to_json()
        if kind == "top_up":
            pay, bonus = int(body["pay"]), int(body["bonus"])
            if pay <= 0 or not 0 <= bonus <= pay:
                raise ValueError("pay > 0 and a bonus between 0 and pay")
            return {"pay": pay, "bonus": bonus}
        if rule_id == "redeem":
            rate = int(body["points_per_yuan"])
            if rate <= 0:
                raise ValueError("points_per_yuan must be positive")
            return {"id": "redeem", "points_per_yuan": rate}
        raise ValueError(f"unknown setting {rule_id!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise MembersError.RULE_INVALID.problem(f"{kind} {rule_id}: {exc}", field="body") from None


def tier_keys(conn: Connection) -> set[str]:
    return {t.key for t in tiers(conn)}


# -- profiles ----------------------------------------------------------------------------------


def phone_of(raw: str, field: str = "phone") -> str:
    try:
        return d.normalise_phone(raw)
    except d.PhoneInvalid as exc:
        raise MembersError.PHONE_INVALID.problem(str(exc), field=field) from None


def _check_phone_free(conn: Connection, phone: str, but: str | None = None) -> None:
    row = conn.execute(sa.select(members.c.id).where(members.c.phone == phone)).first()
    if row is not None and row.id != but:
        raise MembersError.PHONE_TAKEN.problem(
            f"Member {d.member_code(row.id)} already has {d.mask_phone(phone)}; find them instead.",
            field="phone",
        )


def _check_tier(conn: Connection, tier: str | None) -> None:
    if tier is not None and tier not in tier_keys(conn):
        raise MembersError.TIER_UNKNOWN.problem(
            f"There is no tier {tier!r}; known: {sorted(tier_keys(conn)) or 'none'}.", field="tier"
        )


def check_birthday(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if len(value) == 5:
            date.fromisoformat("2000-" + value)
        else:
            date.fromisoformat(value)
    except ValueError:
        raise MembersError.RULE_INVALID.problem(
            f"{value!r} is not a birthday: give YYYY-MM-DD or MM-DD.", field="birthday"
        ) from None
    return value


def join(
    tx: Tx,
    who: Who,
    *,
    phone: str,
    name: str,
    birthday: str | None = None,
    tier: str | None = None,
    tags: list[str] | None = None,
    consent_version: int | None = None,
    source: str = "till",
) -> str:
    """A new member, with their stored-value account (the same id) and, when given, their
    marketing consent. The phone is the key: a second member with it is refused."""
    e164 = phone_of(phone)
    _check_phone_free(tx.conn, e164)
    _check_tier(tx.conn, tier)
    member_id = new_id()
    tx.append(
        stream(member_id),
        "MemberJoined",
        {
            "member": {
                "id": member_id,
                "code": d.member_code(member_id),
                "phone": e164,
                "name": name,
                "birthday": check_birthday(birthday),
                "tier": tier,
                "tags": sorted(set(tags or [])),
                "home_store_id": tx.store_id,
            },
            "source": source,
        },
        who.actor,
    )
    tx.append(
        f"account:{member_id}",
        "StoredValueAccountOpened",
        {"account_id": member_id, "name": name, "phone": d.mask_phone(e164), "member": True},
        who.actor,
    )
    if consent_version is not None:
        set_consent(tx, who, member_id, consent_version, True, source)
    return member_id


def update(tx: Tx, who: Who, member_id: str, fields: dict[str, Any]) -> None:
    _active(tx.conn, member_id)
    out = dict(fields)
    if "phone" in out:
        out["phone"] = phone_of(out["phone"])
        _check_phone_free(tx.conn, out["phone"], but=member_id)
    if "tier" in out:
        _check_tier(tx.conn, out["tier"])
    if "birthday" in out:
        check_birthday(out["birthday"])
    if "tags" in out:
        out["tags"] = sorted(set(out["tags"]))
    if out:
        tx.append(
            stream(member_id), "MemberUpdated", {"member_id": member_id, "fields": out}, who.actor
        )


def set_consent(tx: Tx, who: Who, member_id: str, version: int, granted: bool, source: str) -> None:
    """Marketing consent, apart from membership: each grant or withdrawal is kept with the
    version of the text the member agreed to."""
    _active(tx.conn, member_id)
    tx.append(
        stream(member_id),
        "MemberConsentSet",
        {"member_id": member_id, "version": version, "granted": granted, "source": source},
        who.actor,
    )


def unmask(tx: Tx, who: Who, member_id: str, reason: str) -> dict[str, Any]:
    """The whole phone number, for a manager who needs it; the look is journaled (who, when,
    why) and the log says only that it happened."""
    row = _row(tx.conn, member_id)
    tx.append(
        stream(member_id),
        "MemberPhoneUnmasked",
        {"member_id": member_id, "reason": reason},
        who.actor,
    )
    log.info("member.phone_unmasked", member=row.code, by=who.actor)
    return {"id": row.id, "phone": row.phone}


# -- the ledger ----------------------------------------------------------------------------------


def _held_keys(conn: Connection, entries: list[d.Entry]) -> set[tuple[str, str, str, str, str]]:
    refs = {e.ref for e in entries}
    if not refs:
        return set()
    c = member_ledger.c
    rows = conn.execute(
        sa.select(c.ref, c.line, c.rule, c.member_id, c.account).where(c.ref.in_(refs))
    )
    return {(r.ref, r.line, r.rule, r.member_id, r.account) for r in rows}


def _ledger_of(conn: Connection, member_ids: set[str]) -> dict[str, d.Ledger]:
    """Each member's balances as a Ledger (one synthetic entry per account: the checks need
    the sums, not every row)."""
    out = {m: d.Ledger() for m in member_ids}
    for m, led in out.items():
        for acc, amount in effective(conn, m).items():
            led.entries[("balance", "", "", m, acc)] = d.Entry(
                m, d.Account(acc), amount, "balance", "", "", "balance"
            )
    return out


def post(
    tx: Tx,
    who: Who,
    entries: list[d.Entry],
    stream_id: str,
    floor: int = 0,
    points_floor: int = 0,
) -> list[d.Entry]:
    """Post the entries the ledger does not hold yet (all or none), refused when a balance
    would go below what is allowed. Returns what was new."""
    held = _held_keys(tx.conn, entries)
    fresh = [e for e in entries if e.key not in held]
    if not fresh:
        return []
    ledgers = _ledger_of(tx.conn, {e.member_id for e in fresh})
    for m, led in ledgers.items():
        try:
            led.post([e for e in fresh if e.member_id == m], floor, points_floor)
        except d.LedgerRefused as exc:
            code = (
                MembersError.POINTS_TOO_LOW
                if "points" in str(exc)
                else MembersError.BALANCE_TOO_LOW
            )
            raise code.problem(str(exc)) from None
    tx.append(stream_id, "MemberLedgerPosted", {"entries": [e.to_json() for e in fresh]}, who.actor)
    return fresh


def _visit(tx: Tx, order_id: str, member_id: str, who: Who) -> d.Visit:
    order = load_order(tx.conn, order_id, tx.store_id)
    if order is None:
        raise not_found(MembersError.ORDER_NOT_FOUND, order_id)
    if order.status not in PAID_STATES:
        raise MembersError.ORDER_NOT_PAID.problem(
            f"Order {order.number} is {order.status.value}: points are earned once it is paid."
        )
    row = _active(tx.conn, member_id)
    local = local_time(who.now_ms, who.timezone)
    lines = tuple(
        d.SoldLine(ln.id, ln.item_id, ln.quantity, ln.gross - ln.discount_amount)
        for ln in order.lines
        if ln.state is not LineState.VOIDED
    )
    # The order discount is shared over the lines, so per-yuan points are on what was paid.
    total_net = sum(ln.net for ln in lines)
    order_off = order.totals().order_discount
    if order_off and total_net > 0:
        cut = d.pro_rata(order_off, [max(1, ln.net) for ln in lines])
        lines = tuple(
            d.SoldLine(ln.id, ln.item_id, ln.quantity, ln.net - c)
            for ln, c in zip(lines, cut, strict=True)
        )
    birthday = row.birthday[-5:] if row.birthday else None
    return d.Visit(order_id, member_id, lines, local.weekday(), local.strftime("%m-%d"), birthday)


def earn(
    tx: Tx, who: Who, order_id: str, member_ids: list[str], weights: list[int] | None = None
) -> dict[str, Any]:
    """Points for a paid order: one member, or a split bill's members in proportion to
    ``weights`` (what each paid). Asking again earns nothing more."""
    if not member_ids or len(set(member_ids)) != len(member_ids):
        raise MembersError.SPLIT_INVALID.problem("Name each member once.", field="member_ids")
    if weights is not None and (len(weights) != len(member_ids) or sum(weights) <= 0):
        raise MembersError.SPLIT_INVALID.problem(
            "Give one positive share per member.", field="weights"
        )
    other = tx.conn.execute(
        sa.select(member_ledger.c.member_id)
        .where(member_ledger.c.ref == order_id)
        .where(member_ledger.c.kind == "earn")
        .where(member_ledger.c.member_id.not_in(member_ids))
        .limit(1)
    ).first()
    if other is not None:
        raise MembersError.ORDER_ALREADY_EARNED.problem(
            f"Order {order_id} already earned points for member {d.member_code(other.member_id)}."
        )
    first = member_ids[0]
    visit = _visit(tx, order_id, first, who)
    for m in member_ids[1:]:
        _active(tx.conn, m)
    row = _row(tx.conn, first)
    tier = next((t for t in tiers(tx.conn) if t.key == row.tier), None)
    entries = d.earn(visit, points_rules(tx.conn), tier)
    if len(member_ids) > 1:
        entries = d.split(entries, member_ids, weights or [1] * len(member_ids))
    fresh = post(tx, who, entries, f"order-points:{order_id}")
    _promote(tx, who, member_ids)
    return {
        "order_id": order_id,
        "earned": sum(e.delta for e in fresh),
        "entries": [e.to_json() for e in fresh],
    }


def _promote(tx: Tx, who: Who, member_ids: list[str]) -> None:
    """Move members up to the tier their lifetime points reach (never down by itself)."""
    ts = tiers(tx.conn)
    if not ts:
        return
    for m in member_ids:
        row = _row(tx.conn, m)
        reached = d.tier_for(int(row.lifetime_points), ts)
        current = next((t for t in ts if t.key == row.tier), None)
        if reached is not None and (current is None or reached.threshold > current.threshold):
            tx.append(
                stream(m),
                "MemberUpdated",
                {"member_id": m, "fields": {"tier": reached.key}},
                who.actor,
            )


def reverse_order(tx: Tx, who: Who, order_id: str, line_ids: list[str] | None) -> dict[str, Any]:
    """A refund takes back exactly what the order earned (of the refunded lines, or all)."""
    rows = tx.conn.execute(sa.select(member_ledger).where(member_ledger.c.ref == order_id)).all()
    earned = [
        d.Entry(r.member_id, d.Account(r.account), r.delta, r.ref, r.line, r.rule, r.kind)
        for r in rows
    ]
    entries = d.reverse(earned, set(line_ids) if line_ids is not None else None)
    fresh = post(tx, who, entries, f"order-points:{order_id}", floor=-(2**53))
    return {"order_id": order_id, "reversed": -sum(e.delta for e in fresh)}


def redeem(
    tx: Tx, who: Who, member_id: str, order_id: str, points: int, redemption_id: str
) -> dict[str, Any]:
    """Points for money off an order: the points leave the ledger and the order gets the
    discount in one transaction, or neither happens."""
    _active(tx.conn, member_id)
    rate = points_per_yuan_off(tx.conn)
    try:
        off = d.redeem_points(points, rate)
    except ValueError as exc:
        raise MembersError.RULE_INVALID.problem(str(exc), field="points") from None
    order = load_order(tx.conn, order_id, tx.store_id)
    if order is None:
        raise not_found(MembersError.ORDER_NOT_FOUND, order_id)
    entry = d.Entry(
        member_id,
        d.Account.POINTS,
        -points,
        f"redeem:{redemption_id}",
        order_id,
        "points_off",
        "redeem",
    )
    fresh = post(tx, who, [entry], stream(member_id))
    if fresh:
        apply_discount(
            tx,
            Context(who.actor, who.now_ms, who.timezone),
            order_id,
            line_id=None,
            kind=DiscountKind.AMOUNT,
            value=off,
            reason=f"points:{points}",
            approved_by=None,
            limit_bp=10_000,
        )
    return {"member_id": member_id, "order_id": order_id, "points": points, "off": off}


# -- stored value --------------------------------------------------------------------------------


def ensure_account(tx: Tx, member_id: str, name: str, phone: str | None) -> None:
    """The member's stored-value account in payments (same id), opened on first use: an
    imported member gets one when first topped up, not 100,000 at import."""
    held = tx.conn.execute(
        sa.select(stored_value_accounts.c.id).where(stored_value_accounts.c.id == member_id)
    ).first()
    if held is None:
        tx.append(
            f"account:{member_id}",
            "StoredValueAccountOpened",
            {"account_id": member_id, "name": name, "phone": d.mask_phone(phone), "member": True},
            None,
        )


def import_members(tx: Tx, who: Who, rows: list[dict[str, str]]) -> dict[str, Any]:
    """All rows or none: every row is checked first (bad phone, duplicate in the file or of a
    member, unknown tier, bad birthday) and any problem refuses the whole file with the
    report; a clean file becomes members in events of 1,000."""
    phones: dict[str, str] = {}
    for r in rows:
        given = r.get("phone") or ""
        try:
            phones[given] = d.normalise_phone(given)
        except d.PhoneInvalid:
            continue
    taken: set[str] = set()
    listed = sorted(set(phones.values()))
    for i in range(0, len(listed), 1000):
        taken.update(
            p
            for (p,) in tx.conn.execute(
                sa.select(members.c.phone).where(members.c.phone.in_(listed[i : i + 1000]))
            )
        )
    valid, problems = d.validate_import(rows, taken, tier_keys(tx.conn), phones)
    if problems:
        raise MembersError.IMPORT_INVALID.problem(
            f"{len(problems)} problem(s) in {len(rows)} rows; nothing was imported. "
            "Correct the rows in the report and import the file again.",
            extra={
                "rows": len(rows),
                "problems": len(problems),
                "report": [p.to_json() for p in problems[:1000]],
            },
        )
    for i in range(0, len(valid), 1000):
        chunk = []
        for m in valid[i : i + 1000]:
            member_id = new_id()
            chunk.append(m | {"id": member_id, "code": d.member_code(member_id)})
        tx.append("members:import", "MembersImported", {"members": chunk}, who.actor)
    return {"rows": len(rows), "imported": len(valid), "problems": 0, "report": []}


def top_up(tx: Tx, who: Who, member_id: str, amount: int, top_up_id: str) -> dict[str, Any]:
    """Money paid in, with the bonus of the tier it reaches (充值送), kept apart: the ledger
    has a ``paid`` and a ``bonus`` entry; payments' account (what the tender charges) grows
    by both."""
    row = _active(tx.conn, member_id)
    ensure_account(tx, member_id, row.name, row.phone)
    bonus = d.bonus_for(amount, top_up_tiers(tx.conn))
    entries = [
        d.Entry(member_id, d.Account.PAID, amount, f"top_up:{top_up_id}", "", "top_up", "top_up")
    ]
    if bonus:
        entries.append(
            d.Entry(member_id, d.Account.BONUS, bonus, f"top_up:{top_up_id}", "", "bonus", "top_up")
        )
    fresh = post(tx, who, entries, stream(member_id))
    if fresh:
        tx.append(
            f"account:{member_id}",
            "StoredValueChanged",
            {
                "account_id": member_id,
                "delta": amount + bonus,
                "reason": "member_top_up",
                "payment_id": None,
            },
            who.actor,
        )
    return {"member_id": member_id, "paid": amount, "bonus": bonus}


def check_charge(tx: Tx, account_id: str, need: int, settings: Any) -> None:
    """Called by payments before a stored-value charge on a member's account: refused
    offline beyond HQ's allowance for this store, with a clear message; a charge taken offline
    is counted against the allowance."""
    row = tx.conn.execute(
        sa.select(members.c.status, members.c.merged_into).where(members.c.id == account_id)
    ).first()
    if row is None:
        return
    if row.status != "active":
        into = f" into member {d.member_code(row.merged_into)}" if row.merged_into else ""
        raise MembersError.MEMBER_GONE.problem(
            f"This member was {row.status}{into}: find the member again and charge that one."
        )
    today = business_date(tx.journal.wall_ms(), getattr(settings, "timezone", "Asia/Shanghai"))
    s = spendable(tx.conn, account_id, today)
    why = d.check_spend(s, need)
    if why is not None:
        code = (
            MembersError.ALLOWANCE_EXCEEDED
            if s.offline and need <= s.balance
            else MembersError.BALANCE_TOO_LOW
        )
        raise code.problem(why, field="amount")
    if s.offline:
        tx.append(
            stream(account_id),
            "MemberAllowanceUsed",
            {"member_id": account_id, "amount": need, "date": today},
            None,
        )


def _row_or_none(conn: Connection, member_id: str) -> Any:
    return conn.execute(sa.select(members.c.id).where(members.c.id == member_id)).first()


# -- coupons ---------------------------------------------------------------------------------------

COUPON_KINDS = ("money_off", "percent_off", "free_item", "member_price")


def set_template(tx: Tx, who: Who, body: dict[str, Any]) -> str:
    kind = body["kind"]
    if kind not in COUPON_KINDS:
        raise MembersError.COUPON_TEMPLATE_INVALID.problem(f"Unknown kind {kind!r}.", field="kind")
    if kind == "percent_off" and not 1 <= body["value"] <= 100:
        raise MembersError.COUPON_TEMPLATE_INVALID.problem(
            "A percent off is between 1 and 100.", field="value"
        )
    if kind in ("free_item", "member_price") and not body.get("item_id"):
        raise MembersError.COUPON_TEMPLATE_INVALID.problem("Choose the item.", field="item_id")
    template_id = body.get("id") or new_id()
    tx.append(
        "coupon-templates",
        "CouponTemplateSet",
        {
            "id": template_id,
            "kind": kind,
            "name_zh": body["name_zh"],
            "name_en": body["name_en"],
            "value": body["value"],
            "threshold": body.get("threshold", 0),
            "item_id": body.get("item_id"),
            "valid_days": body.get("valid_days", 30),
            "active": body.get("active", True),
        },
        who.actor,
    )
    return str(template_id)


def templates(conn: Connection) -> list[dict[str, Any]]:
    return [
        dict(r._mapping)
        for r in conn.execute(sa.select(coupon_templates).order_by(coupon_templates.c.name_en))
    ]


def issue_coupon(
    tx: Tx,
    who: Who,
    template_id: str,
    member_id: str,
    reason: str,
    from_order_id: str | None = None,
) -> str:
    t = tx.conn.execute(
        sa.select(coupon_templates).where(coupon_templates.c.id == template_id)
    ).first()
    if t is None or not t.active:
        raise not_found(MembersError.COUPON_TEMPLATE_NOT_FOUND, template_id)
    _active(tx.conn, member_id)
    coupon_id = new_id()
    tx.append(
        f"coupon:{coupon_id}",
        "CouponIssued",
        {
            "id": coupon_id,
            "template_id": template_id,
            "member_id": member_id,
            "expires_at_ms": who.now_ms + int(t.valid_days) * 86_400_000,
            "reason": reason,
            "from_order_id": from_order_id,
        },
        who.actor,
    )
    return coupon_id


def member_coupons(conn: Connection, member_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            coupons,
            coupon_templates.c.kind,
            coupon_templates.c.name_zh,
            coupon_templates.c.name_en,
            coupon_templates.c.value,
            coupon_templates.c.threshold,
        )
        .select_from(coupons.join(coupon_templates, coupon_templates.c.id == coupons.c.template_id))
        .where(coupons.c.member_id == member_id)
        .order_by(coupons.c.issued_at_ms.desc())
    )
    return [dict(r._mapping) for r in rows]


def redeem_coupon(tx: Tx, who: Who, coupon_id: str, order_id: str) -> dict[str, Any]:
    """Use a coupon on an order, once: the single writer runs one redemption at a time and
    the second finds the coupon already redeemed (two tills at once: exactly one wins)."""
    row = tx.conn.execute(sa.select(coupons).where(coupons.c.id == coupon_id)).first()
    if row is None:
        raise not_found(MembersError.COUPON_NOT_FOUND, coupon_id)
    if row.status != "issued":
        raise MembersError.COUPON_NOT_USABLE.problem(
            f"This coupon is {row.status}"
            + (f" (order {row.redeemed_order_id})." if row.redeemed_order_id else ".")
        )
    if row.expires_at_ms <= who.now_ms:
        raise MembersError.COUPON_EXPIRED.problem("This coupon has expired.")
    t = tx.conn.execute(
        sa.select(coupon_templates).where(coupon_templates.c.id == row.template_id)
    ).first()
    if t is None:
        raise not_found(MembersError.COUPON_TEMPLATE_NOT_FOUND, row.template_id)
    order = load_order(tx.conn, order_id, tx.store_id)
    if order is None:
        raise not_found(MembersError.ORDER_NOT_FOUND, order_id)
    subtotal = order.totals().subtotal
    if subtotal < t.threshold:
        raise MembersError.COUPON_NOT_USABLE.problem(
            f"This coupon needs a spend of ¥{t.threshold / 100:.2f}; "
            f"the order is ¥{subtotal / 100:.2f}."
        )
    ctx = Context(who.actor, who.now_ms, who.timezone)
    if t.kind == "money_off":
        kind, value = DiscountKind.AMOUNT, int(t.value)
    elif t.kind == "percent_off":
        kind, value = DiscountKind.PERCENT, int(t.value) * 100
    else:  # free item / member price: money off the item's line
        line = next((ln for ln in order.live_lines if ln.item_id == t.item_id), None)
        if line is None:
            raise MembersError.COUPON_NOT_USABLE.problem(
                "Add the coupon's item to the order first."
            )
        off = line.unit_price if t.kind == "free_item" else max(0, line.unit_price - int(t.value))
        kind, value = DiscountKind.AMOUNT, off
    tx.append(
        f"coupon:{coupon_id}", "CouponRedeemed", {"id": coupon_id, "order_id": order_id}, who.actor
    )
    apply_discount(
        tx,
        ctx,
        order_id,
        line_id=None,
        kind=kind,
        value=value,
        reason=f"coupon:{coupon_id}",
        approved_by=None,
        limit_bp=10_000,
    )
    return {"coupon_id": coupon_id, "order_id": order_id, "kind": t.kind}


def void_coupon(tx: Tx, who: Who, coupon_id: str) -> None:
    row = tx.conn.execute(sa.select(coupons).where(coupons.c.id == coupon_id)).first()
    if row is None:
        raise not_found(MembersError.COUPON_NOT_FOUND, coupon_id)
    if row.status != "issued":
        raise MembersError.COUPON_NOT_USABLE.problem(f"This coupon is already {row.status}.")
    tx.append(f"coupon:{coupon_id}", "CouponVoided", {"id": coupon_id}, who.actor)


# -- PIPL: a member's data, and erasure on request -------------------------------------------------


def export(tx: Tx, who: Who, member_id: str) -> dict[str, Any]:
    """Everything held about one member (PIPL Art. 45), phone unmasked since it goes to the
    member; the export is journaled like an unmasking."""
    row = _row(tx.conn, member_id)
    tx.append(stream(member_id), "MemberExported", {"member_id": member_id}, who.actor)
    return {
        "member": member_json(row, unmask=True),
        "consents": consents(tx.conn, member_id),
        "ledger": ledger(tx.conn, member_id, limit=100_000),
        "coupons": member_coupons(tx.conn, member_id),
    }


def erase(tx: Tx, who: Who, member_id: str, reason: str) -> None:
    """Delete a member's personal data on request (PIPL Art. 47): phone, name, birthday,
    tags and consents go; the money ledger stays, under the member's opaque id, so the
    chain's books still add up."""
    row = _row(tx.conn, member_id)
    if row.status == "erased":
        raise MembersError.MEMBER_GONE.problem("This member's data was already erased.")
    tx.append(
        stream(member_id), "MemberErased", {"member_id": member_id, "reason": reason}, who.actor
    )


# -- merging duplicates ------------------------------------------------------------------------

MERGE_UNDO_MS = 30 * 86_400_000


def _moves(conn: Connection, from_id: str) -> dict[str, int]:
    return effective(conn, from_id)


def merge(tx: Tx, who: Who, from_id: str, into_id: str) -> dict[str, Any]:
    """Fold a duplicate into the member kept: points, paid-in and bonus move by ledger
    entries (so both ledgers still add up), coupons move, the duplicate is marked merged.
    Undone within 30 days by ``unmerge``."""
    if from_id == into_id:
        raise MembersError.MERGE_INVALID.problem("A member cannot be merged into itself.")
    src = _active(tx.conn, from_id)
    _active(tx.conn, into_id)
    merge_id = new_id()
    moved = _moves(tx.conn, from_id)
    ref = f"merge:{merge_id}"
    entries = []
    for acc, amount in moved.items():
        if amount:
            entries += [
                d.Entry(from_id, d.Account(acc), -amount, ref, "", "out", "merge"),
                d.Entry(into_id, d.Account(acc), amount, ref, "", "in", "merge"),
            ]
    post(tx, who, entries, stream(into_id), floor=-(2**53))
    ensure_account(tx, into_id, src.name, None)
    value = moved["paid"] + moved["bonus"]
    if value:
        for account, delta in ((from_id, -value), (into_id, value)):
            tx.append(
                f"account:{account}",
                "StoredValueChanged",
                {
                    "account_id": account,
                    "delta": delta,
                    "reason": "member_merge",
                    "payment_id": None,
                },
                who.actor,
            )
    moved_coupons = [
        r.id
        for r in tx.conn.execute(
            sa.select(coupons.c.id)
            .where(coupons.c.member_id == from_id)
            .where(coupons.c.status == "issued")
        )
    ]
    tx.append(
        stream(from_id),
        "MemberMerged",
        {
            "merge_id": merge_id,
            "from_id": from_id,
            "into_id": into_id,
            "moved": moved,
            "coupons": moved_coupons,
            "undo_until_ms": who.now_ms + MERGE_UNDO_MS,
        },
        who.actor,
    )
    return {"merge_id": merge_id, "from_id": from_id, "into_id": into_id, "moved": moved}


def unmerge(tx: Tx, who: Who, from_id: str) -> dict[str, Any]:
    """Undo a merge within 30 days: exactly what moved moves back (the kept member's balance
    may go below zero if they spent it meanwhile: the reversal is shown, never hidden)."""
    from hearth.core.tables import journal

    row = tx.conn.execute(
        sa.select(journal.c.payload)
        .where(journal.c.stream == stream(from_id))
        .where(journal.c.type == "MemberMerged")
        .order_by(journal.c.seq.desc())
        .limit(1)
    ).first()
    member = _row(tx.conn, from_id)
    if row is None or member.status != "merged":
        raise MembersError.MERGE_INVALID.problem("This member is not merged into another.")
    p = row.payload
    if who.now_ms > p["undo_until_ms"]:
        raise MembersError.MERGE_INVALID.problem(
            "A merge can be undone for 30 days; this one is older."
        )
    into_id, merge_id = p["into_id"], p["merge_id"]
    ref = f"unmerge:{merge_id}"
    entries = []
    for acc, amount in p["moved"].items():
        if amount:
            entries += [
                d.Entry(into_id, d.Account(acc), -amount, ref, "", "out", "merge"),
                d.Entry(from_id, d.Account(acc), amount, ref, "", "in", "merge"),
            ]
    post(tx, who, entries, stream(from_id), floor=-(2**53), points_floor=-(2**53))
    value = p["moved"]["paid"] + p["moved"]["bonus"]
    if value:
        for account, delta in ((into_id, -value), (from_id, value)):
            tx.append(
                f"account:{account}",
                "StoredValueChanged",
                {
                    "account_id": account,
                    "delta": delta,
                    "reason": "member_merge",
                    "payment_id": None,
                },
                who.actor,
            )
    tx.append(
        stream(from_id),
        "MemberMergeUndone",
        {"merge_id": merge_id, "from_id": from_id, "into_id": into_id, "coupons": p["coupons"]},
        who.actor,
    )
    return {"merge_id": merge_id, "from_id": from_id, "into_id": into_id, "undone": True}
