"""Members' projectors: profiles, consents, the ledger and its balances, HQ's figures and
allowances, rules, coupons. A rebuild replays the same events into the same rows.

A stored-value account opened through payments without a member (``/payments/accounts``, the
accounts that predate members) becomes a member here too, with the account's id: there is one
notion of a member's stored value, whichever door opened it.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.members import domain as d
from hearth.members.tables import (
    coupon_templates,
    coupons,
    member_balances,
    member_consents,
    member_ledger,
    member_rules,
    members,
)

projectors = ProjectorRegistry()
projectors.owns(
    members,
    member_consents,
    member_ledger,
    member_balances,
    member_rules,
    coupon_templates,
    coupons,
)


def _insert_member(conn: Connection, ev: Event, m: dict[str, Any]) -> None:
    phone = m.get("phone")
    conn.execute(
        members.insert().values(
            id=m["id"],
            code=m["code"],
            phone=phone,
            phone_rev=d.reversed_digits(phone) if phone else None,
            name=m["name"],
            birthday=m.get("birthday"),
            tier=m.get("tier"),
            tags=list(m.get("tags") or []),
            consent_version=None,
            status="active",
            merged_into=None,
            home_store_id=m.get("home_store_id") or ev.store_id,
            lifetime_points=0,
            created_at_ms=ev.recorded_at_ms,
            updated_at_ms=ev.recorded_at_ms,
        )
    )
    conn.execute(
        member_balances.insert().values(
            member_id=m["id"], points=0, paid=0, bonus=0, allowance_used=0
        )
    )


@projectors.on("MemberJoined")
def _joined(conn: Connection, ev: Event) -> None:
    _insert_member(conn, ev, ev.payload["member"])


@projectors.on("MembersImported")
def _imported(conn: Connection, ev: Event) -> None:
    """A thousand members per event, written with the driver's executemany: an import of
    100,000 spends its time in the database, not in building statement parameters."""
    rows = ev.payload["members"]
    at, store = ev.recorded_at_ms, ev.store_id
    _bulk(
        conn,
        members,
        [
            (
                m["id"],
                m["code"],
                m["phone"],
                d.reversed_digits(m["phone"]),
                m["name"],
                m.get("birthday"),
                m.get("tier"),
                json.dumps(m.get("tags") or [], ensure_ascii=False),
                None,
                "active",
                None,
                store,
                0,
                at,
                at,
            )
            for m in rows
        ],
    )
    _bulk(
        conn,
        member_balances,
        [(m["id"], 0, 0, 0, None, None, None, None, None, None, 0) for m in rows],
    )


def _bulk(conn: Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    """INSERT every column of ``table`` (in declaration order) for each tuple, straight to the
    driver's executemany (JSON columns already encoded)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = ", ".join(mark for _ in table.columns)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', rows)


@projectors.on("StoredValueAccountOpened")
def _legacy_account(conn: Connection, ev: Event) -> None:
    """An account payments opened on its own is a member with the account's id; its phone is
    kept when it is a valid, unused number (else the member is found by code or name)."""
    p = ev.payload
    if p.get("member"):
        return  # opened by members for a member it has just written
    phone = None
    if p.get("phone"):
        try:
            phone = d.normalise_phone(p["phone"])
        except d.PhoneInvalid:
            phone = None
    if (
        phone is not None
        and conn.execute(sa.select(members.c.id).where(members.c.phone == phone)).first()
    ):
        phone = None
    member = {
        "id": p["account_id"],
        "code": d.member_code(p["account_id"]),
        "phone": phone,
        "name": p["name"],
    }
    _insert_member(conn, ev, member)


@projectors.on("MemberUpdated")
def _updated(conn: Connection, ev: Event) -> None:
    p = ev.payload
    values = dict(p["fields"])
    if "phone" in values:
        values["phone_rev"] = d.reversed_digits(values["phone"]) if values["phone"] else None
    conn.execute(
        members.update()
        .where(members.c.id == p["member_id"])
        .values(updated_at_ms=ev.recorded_at_ms, **values)
    )


@projectors.on("MemberConsentSet")
def _consent(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        member_consents.insert().values(
            member_id=p["member_id"],
            seq=ev.seq,
            version=p["version"],
            granted=p["granted"],
            source=p["source"],
            at_ms=ev.recorded_at_ms,
        )
    )
    conn.execute(
        members.update()
        .where(members.c.id == p["member_id"])
        .values(consent_version=p["version"] if p["granted"] else None)
    )


@projectors.on("MemberLedgerPosted")
def _posted(conn: Connection, ev: Event) -> None:
    _post(conn, ev, [d.Entry.from_json(e) for e in ev.payload["entries"]])


def _post(conn: Connection, ev: Event, entries: list[d.Entry]) -> None:
    if not entries:
        return
    conn.execute(
        member_ledger.insert(),
        [
            {
                "member_id": e.member_id,
                "account": e.account.value,
                "delta": e.delta,
                "ref": e.ref,
                "line": e.line,
                "rule": e.rule,
                "kind": e.kind,
                "store_id": ev.store_id,
                "seq": ev.seq,
                "at_ms": ev.recorded_at_ms,
            }
            for e in entries
        ],
    )
    sums: dict[str, dict[str, int]] = {}
    earned: dict[str, int] = {}
    for e in entries:
        acc = sums.setdefault(e.member_id, {"points": 0, "paid": 0, "bonus": 0})
        acc[e.account.value] += e.delta
        if e.account is d.Account.POINTS and e.kind in ("earn", "reverse"):
            earned[e.member_id] = earned.get(e.member_id, 0) + e.delta
    b = member_balances.c
    for member_id, acc in sums.items():
        conn.execute(
            member_balances.update()
            .where(b.member_id == member_id)
            .values(
                points=b.points + acc["points"],
                paid=b.paid + acc["paid"],
                bonus=b.bonus + acc["bonus"],
            )
        )
    for member_id, pts in earned.items():
        conn.execute(
            members.update()
            .where(members.c.id == member_id)
            .values(lifetime_points=members.c.lifetime_points + pts)
        )


def effective(conn: Connection, member_id: str) -> dict[str, int]:
    """A member's points, paid-in and bonus as the till should see them: HQ's figures plus
    what this store posted after the seq HQ's figures include; this store's own sums while
    HQ has not spoken (a standalone store owns its members' balances)."""
    bal = conn.execute(
        sa.select(member_balances).where(member_balances.c.member_id == member_id)
    ).first()
    if bal is None:
        return {"points": 0, "paid": 0, "bonus": 0}
    if bal.hq_points is None:
        return {"points": int(bal.points), "paid": int(bal.paid), "bonus": int(bal.bonus)}
    rows = conn.execute(
        sa.select(member_ledger.c.account, sa.func.sum(member_ledger.c.delta))
        .where(member_ledger.c.member_id == member_id)
        .where(member_ledger.c.seq > bal.hq_acked_seq)
        .group_by(member_ledger.c.account)
    ).all()
    since = {str(a): int(v or 0) for a, v in rows}
    return {
        "points": int(bal.hq_points) + since.get("points", 0),
        "paid": int(bal.hq_paid) + since.get("paid", 0),
        "bonus": int(bal.hq_bonus) + since.get("bonus", 0),
    }


def _sv_entries(conn: Connection, ev: Event) -> list[d.Entry]:
    """The ledger entries of a stored-value change payments made on a member's account (a
    charge at checkout, its refund, a top-up through /payments/accounts): paid-in is spent
    first, a refund gives back in the proportion its charge took. Keyed by the payment (or the
    event), so a replay posts nothing twice."""
    p = ev.payload
    reason = p.get("reason")
    member_id = p["account_id"]
    if reason in ("member_top_up", "hq_sync", "member_merge"):
        return []  # members posted these itself, or they are not money moving
    if (
        conn.execute(
            sa.select(member_balances.c.member_id).where(member_balances.c.member_id == member_id)
        ).first()
        is None
    ):
        return []
    delta = int(p["delta"])
    if reason == "charge":
        now = effective(conn, member_id)
        from_paid, from_bonus = d.spend_split(-delta, now["paid"], now["bonus"])
        ref = f"pay:{p['payment_id']}"
        entries = [
            d.Entry(member_id, d.Account.PAID, -from_paid, ref, "", "spend", "spend"),
            d.Entry(member_id, d.Account.BONUS, -from_bonus, ref, "", "spend", "spend"),
        ]
    elif reason == "refund":
        took = conn.execute(
            sa.select(member_ledger.c.account, member_ledger.c.delta).where(
                member_ledger.c.ref == f"pay:{p['payment_id']}"
            )
        ).all()
        took_paid = -sum(r.delta for r in took if r.account == "paid")
        took_bonus = -sum(r.delta for r in took if r.account == "bonus")
        back_paid, back_bonus = d.refund_split(delta, took_paid, took_bonus)
        ref = f"refund:{ev.event_id}"
        entries = [
            d.Entry(member_id, d.Account.PAID, back_paid, ref, "", "refund", "refund"),
            d.Entry(member_id, d.Account.BONUS, back_bonus, ref, "", "refund", "refund"),
        ]
    else:  # a top-up or adjustment through payments: all paid-in
        entries = [
            d.Entry(member_id, d.Account.PAID, delta, f"ev:{ev.event_id}", "", "top_up", "top_up")
        ]
    return [e for e in entries if e.delta]


@projectors.on("StoredValueChanged")
def _stored_value_changed(conn: Connection, ev: Event) -> None:
    _post(conn, ev, _sv_entries(conn, ev))


@projectors.on("MemberHqFigures")
def _hq_figures(conn: Connection, ev: Event) -> None:
    """HQ's word on members' balances and this store's allowance (the members feed)."""
    b = member_balances.c
    for f in ev.payload["members"]:
        conn.execute(
            member_balances.update()
            .where(b.member_id == f["member_id"])
            .values(
                hq_points=f["points"],
                hq_paid=f["paid"],
                hq_bonus=f["bonus"],
                hq_acked_seq=f["acked_seq"],
                allowance=f["allowance"],
            )
        )
    conn.execute(
        member_rules.delete().where(member_rules.c.kind == "feed").where(member_rules.c.id == "hq")
    )
    conn.execute(
        member_rules.insert().values(
            kind="feed", id="hq", body={"version": ev.payload.get("version", 0)}
        )
    )


@projectors.on("MemberAllowanceUsed")
def _allowance_used(conn: Connection, ev: Event) -> None:
    p = ev.payload
    b = member_balances.c
    row = conn.execute(sa.select(b.allowance_date).where(b.member_id == p["member_id"])).first()
    same_day = row is not None and row.allowance_date == p["date"]
    conn.execute(
        member_balances.update()
        .where(b.member_id == p["member_id"])
        .values(
            allowance_date=p["date"],
            allowance_used=(b.allowance_used if same_day else 0) + p["amount"],
        )
    )


@projectors.on("MemberRuleSet")
def _rule(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        member_rules.delete()
        .where(member_rules.c.kind == p["kind"])
        .where(member_rules.c.id == p["id"])
    )
    if p.get("body") is not None:
        conn.execute(member_rules.insert().values(kind=p["kind"], id=p["id"], body=p["body"]))


@projectors.on("CouponTemplateSet")
def _template(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(coupon_templates.delete().where(coupon_templates.c.id == p["id"]))
    conn.execute(coupon_templates.insert().values(**p))


@projectors.on("CouponIssued")
def _issued(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        coupons.insert().values(
            id=p["id"],
            template_id=p["template_id"],
            member_id=p["member_id"],
            status="issued",
            issued_at_ms=ev.recorded_at_ms,
            expires_at_ms=p["expires_at_ms"],
            reason=p["reason"],
            from_order_id=p.get("from_order_id"),
        )
    )


@projectors.on("CouponRedeemed")
def _coupon_redeemed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        coupons.update()
        .where(coupons.c.id == p["id"])
        .values(
            status="redeemed", redeemed_order_id=p["order_id"], redeemed_at_ms=ev.recorded_at_ms
        )
    )


@projectors.on("CouponVoided")
def _coupon_voided(conn: Connection, ev: Event) -> None:
    conn.execute(coupons.update().where(coupons.c.id == ev.payload["id"]).values(status="void"))


@projectors.on("MemberErased")
def _erased(conn: Connection, ev: Event) -> None:
    member_id = ev.payload["member_id"]
    conn.execute(
        members.update()
        .where(members.c.id == member_id)
        .values(
            phone=None,
            phone_rev=None,
            name="—",
            birthday=None,
            tags=[],
            consent_version=None,
            status="erased",
            updated_at_ms=ev.recorded_at_ms,
        )
    )
    conn.execute(member_consents.delete().where(member_consents.c.member_id == member_id))


@projectors.on("MemberMerged")
def _merged(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        members.update()
        .where(members.c.id == p["from_id"])
        .values(status="merged", merged_into=p["into_id"], updated_at_ms=ev.recorded_at_ms)
    )
    for coupon_id in p["coupons"]:
        conn.execute(
            coupons.update().where(coupons.c.id == coupon_id).values(member_id=p["into_id"])
        )


@projectors.on("MemberMergeUndone")
def _unmerged(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        members.update()
        .where(members.c.id == p["from_id"])
        .values(status="active", merged_into=None, updated_at_ms=ev.recorded_at_ms)
    )
    for coupon_id in p["coupons"]:
        conn.execute(
            coupons.update().where(coupons.c.id == coupon_id).values(member_id=p["from_id"])
        )
