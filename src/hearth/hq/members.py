"""HQ owns members' balances: it projects the member events every store uploads into chain-wide
member tables, and answers each store's members feed (balances and that store's offline
allowance per member).

Members are chain-wide, so these tables are keyed by ``member_id``, not ``store_id``: in
sharded PostgreSQL they are distributed by ``member_id`` (a member's profile, ledger and
balance co-located on one shard), while the per-store projection cursor stays keyed by
``store_id`` like the journal (docs/scale-out.md, "Members"). Ingest is untouched: it stores
raw events as before, single-shard by store; the projection here reads them afterwards
(``catch_up``, run before every feed answer and member read), so a member event can never slow
or break an upload.

The ledger's key is the store's ``(ref, line, rule, member, account)``: a store's replayed or
resent event posts nothing twice here either. A stored-value charge or refund payments made on
a member's account is split here by HQ's own balances (paid-in first, refunds back in the
proportion their charge took): HQ's split is the one reports use.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.engine import Connection

from hearth.core.api import Strict
from hearth.core.errors import ErrorCode
from hearth.hq.api import HQDep, OwnerDep, StoreDep
from hearth.hq.context import HQ, upsert
from hearth.hq.idempotency import IdempotencyDep
from hearth.hq.member_tables import (
    hq_member_allowances,
    hq_member_balances,
    hq_member_cursors,
    hq_member_feed,
    hq_member_ledger,
    hq_members,
)
from hearth.hq.tables import hq_events, stores

DEFAULT_ALLOWANCE = 20_000  # ¥200 a day per member per store, unless HQ sets another
CHAIN = "*"  # the allowance row that is the chain's default
FEED_PAGE = 1000
CATCH_UP_PAGE = 5000
MEMBER_EVENTS = (
    "MemberJoined",
    "MembersImported",
    "MemberUpdated",
    "MemberLedgerPosted",
    "StoredValueAccountOpened",
    "StoredValueChanged",
)


class HQMembersError(ErrorCode):
    MEMBER_NOT_FOUND = ("hq-member-not-found", 404, "No such member", "没有该会员")


# -- projecting ----------------------------------------------------------------------------------


def _pro_rata(amount: int, a: int, b: int) -> tuple[int, int]:
    if a + b <= 0:
        return amount, 0
    first = amount * a // (a + b)
    if (amount * a) % (a + b) * 2 >= (a + b):
        first += 1
    return first, amount - first


class _Projector:
    """One catch-up's work, in one transaction: entries to post and members touched."""

    def __init__(self, conn: Connection, now: int) -> None:
        self.conn = conn
        self.now = now
        self.touched: set[str] = set()

    def balance(self, member_id: str) -> Any:
        return self.conn.execute(
            sa.select(hq_member_balances).where(hq_member_balances.c.member_id == member_id)
        ).first()

    def member(self, m: dict[str, Any], store_id: str) -> None:
        self.conn.execute(
            upsert(self.conn, hq_members)
            .values(
                member_id=m["id"],
                code=m.get("code") or m["id"][-10:],
                phone=m.get("phone"),
                name=m.get("name") or "",
                birthday=m.get("birthday"),
                tier=m.get("tier"),
                tags=list(m.get("tags") or []),
                home_store_id=m.get("home_store_id") or store_id,
                updated_at_ms=self.now,
            )
            .on_conflict_do_nothing(index_elements=["member_id"])
        )
        self.conn.execute(
            upsert(self.conn, hq_member_balances)
            .values(member_id=m["id"], points=0, paid=0, bonus=0, version=0)
            .on_conflict_do_nothing(index_elements=["member_id"])
        )
        self.touched.add(m["id"])

    def post(self, ev: Any, entries: list[dict[str, Any]]) -> None:
        for e in entries:
            if not e["delta"] or self.balance(e["member_id"]) is None:
                continue
            inserted = self.conn.execute(
                upsert(self.conn, hq_member_ledger)
                .values(
                    member_id=e["member_id"],
                    ref=e["ref"],
                    line=e["line"],
                    rule=e["rule"],
                    account=e["account"],
                    delta=e["delta"],
                    kind=e["kind"],
                    store_id=ev.store_id,
                    seq=ev.seq,
                    at_ms=ev.recorded_at_ms,
                )
                .on_conflict_do_nothing(
                    index_elements=["member_id", "ref", "line", "rule", "account"]
                )
                # rowcount is -1 here on PostgreSQL: ask for the row instead
                .returning(hq_member_ledger.c.member_id)
            ).first()
            if inserted:
                col = hq_member_balances.c[e["account"]]
                self.conn.execute(
                    hq_member_balances.update()
                    .where(hq_member_balances.c.member_id == e["member_id"])
                    .values({col: col + e["delta"]})
                )
                self.touched.add(e["member_id"])

    def stored_value(self, ev: Any) -> None:
        p = ev.payload
        reason, member_id, delta = p.get("reason"), p["account_id"], int(p["delta"])
        if reason in ("member_top_up", "hq_sync", "member_merge"):
            return
        bal = self.balance(member_id)
        if bal is None:
            return

        def entry(account: str, amount: int, ref: str, kind: str) -> dict[str, Any]:
            return {
                "member_id": member_id,
                "account": account,
                "delta": amount,
                "ref": ref,
                "line": "",
                "rule": kind,
                "kind": kind,
            }

        if reason == "charge":
            need = -delta
            from_paid = min(need, max(int(bal.paid), 0))
            from_bonus = min(need - from_paid, max(int(bal.bonus), 0))
            from_paid = need - from_bonus
            ref = f"pay:{p['payment_id']}"
            self.post(
                ev,
                [
                    entry("paid", -from_paid, ref, "spend"),
                    entry("bonus", -from_bonus, ref, "spend"),
                ],
            )
        elif reason == "refund":
            took = self.conn.execute(
                sa.select(hq_member_ledger.c.account, hq_member_ledger.c.delta)
                .where(hq_member_ledger.c.member_id == member_id)
                .where(hq_member_ledger.c.ref == f"pay:{p['payment_id']}")
            ).all()
            tp = -sum(r.delta for r in took if r.account == "paid")
            tb = -sum(r.delta for r in took if r.account == "bonus")
            back_paid, back_bonus = _pro_rata(delta, tp, tb)
            ref = f"refund:{ev.event_id}"
            self.post(
                ev,
                [
                    entry("paid", back_paid, ref, "refund"),
                    entry("bonus", back_bonus, ref, "refund"),
                ],
            )
        else:
            self.post(ev, [entry("paid", delta, f"ev:{ev.event_id}", "top_up")])

    def apply(self, ev: Any) -> None:
        p = ev.payload
        if ev.type == "MemberJoined":
            self.member(p["member"], ev.store_id)
        elif ev.type == "MembersImported":
            for m in p["members"]:
                self.member(m, ev.store_id)
        elif ev.type == "StoredValueAccountOpened" and not p.get("member"):
            self.member({"id": p["account_id"], "name": p.get("name")}, ev.store_id)
        elif ev.type == "MemberUpdated":
            fields = {k: v for k, v in p["fields"].items() if k in hq_members.c}
            if fields:
                self.conn.execute(
                    hq_members.update()
                    .where(hq_members.c.member_id == p["member_id"])
                    .values(updated_at_ms=self.now, **fields)
                )
                self.touched.add(p["member_id"])
        elif ev.type == "MemberLedgerPosted":
            self.post(ev, p["entries"])
        elif ev.type == "StoredValueChanged":
            self.stored_value(ev)


def catch_up(hq: HQ) -> int:
    """Project every store's member events HQ holds and has not projected yet; returns how
    many. One transaction per page, holding the feed counter's row: two HQ workers take turns."""
    total = 0
    while True:
        with hq.engine.begin() as conn:
            counter = _lock_feed(conn)
            work = _pending(conn)
            if not work:
                return total
            proj = _Projector(conn, hq.clock.now_ms())
            for store_id, upto, events in work:
                for ev in events:
                    proj.apply(ev)
                _move_cursor(conn, store_id, upto)
                total += len(events)
            if proj.touched:
                version = counter + 1
                conn.execute(hq_member_feed.update().values(version=version))
                conn.execute(
                    hq_member_balances.update()
                    .where(hq_member_balances.c.member_id.in_(proj.touched))
                    .values(version=version)
                )


def _lock_feed(conn: Connection) -> int:
    q = sa.select(hq_member_feed.c.version).where(hq_member_feed.c.id == 1)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    value = conn.execute(q).scalar()
    if value is None:
        conn.execute(
            upsert(conn, hq_member_feed)
            .values(id=1, version=0)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        return _lock_feed(conn)
    return int(value)


def _pending(conn: Connection) -> list[tuple[str, int, list[Any]]]:
    """Per store: the member events after its member cursor, up to what HQ holds (a page)."""
    rows = conn.execute(
        sa.select(stores.c.store_id, stores.c.acked_seq, hq_member_cursors.c.seq)
        .select_from(
            stores.outerjoin(hq_member_cursors, hq_member_cursors.c.store_id == stores.c.store_id)
        )
        .where(stores.c.acked_seq > sa.func.coalesce(hq_member_cursors.c.seq, 0))
    ).all()
    out = []
    for store_id, acked, cursor in rows:
        after = int(cursor or 0)
        events = conn.execute(
            sa.select(hq_events)
            .where(hq_events.c.store_id == store_id)
            .where(hq_events.c.seq > after)
            .where(hq_events.c.seq <= acked)
            .where(hq_events.c.type.in_(MEMBER_EVENTS))
            .order_by(hq_events.c.seq)
            .limit(CATCH_UP_PAGE)
        ).all()
        upto = int(events[-1].seq) if len(events) == CATCH_UP_PAGE else int(acked)
        out.append((str(store_id), upto, list(events)))
    return out


def _move_cursor(conn: Connection, store_id: str, seq: int) -> None:
    conn.execute(
        upsert(conn, hq_member_cursors)
        .values(store_id=store_id, seq=seq)
        .on_conflict_do_update(index_elements=["store_id"], set_={"seq": seq})
    )


# -- reading -------------------------------------------------------------------------------------


def allowance_of(conn: Connection, member_ids: list[str]) -> dict[str, int]:
    rows = conn.execute(
        sa.select(hq_member_allowances).where(
            hq_member_allowances.c.member_id.in_([*member_ids, CHAIN])
        )
    ).all()
    caps = {r.member_id: int(r.daily_cap) for r in rows}
    default = caps.get(CHAIN, DEFAULT_ALLOWANCE)
    return {m: caps.get(m, default) for m in member_ids}


def feed(hq: HQ, store_id: str, after: int) -> dict[str, Any]:
    """Members whose balance or profile changed after feed version ``after``: HQ's balances,
    this store's allowance for each, and the store's own seq HQ's figures include (the till
    adds what it did after that)."""
    catch_up(hq)
    with hq.engine.connect() as conn:
        rows = conn.execute(
            sa.select(hq_members, hq_member_balances)
            .select_from(
                hq_members.join(
                    hq_member_balances, hq_member_balances.c.member_id == hq_members.c.member_id
                )
            )
            .where(hq_member_balances.c.version > after)
            .order_by(hq_member_balances.c.version, hq_members.c.member_id)
            .limit(FEED_PAGE)
        ).all()
        acked = conn.execute(
            sa.select(hq_member_cursors.c.seq).where(hq_member_cursors.c.store_id == store_id)
        ).scalar()
        latest = conn.execute(sa.select(hq_member_feed.c.version)).scalar() or 0
        caps = allowance_of(conn, [r.member_id for r in rows])
    return {
        "acked_seq": int(acked or 0),
        "latest": int(latest),
        "members": [
            {
                "member_id": r.member_id,
                "code": r.code,
                "phone": r.phone,
                "name": r.name,
                "birthday": r.birthday,
                "tier": r.tier,
                "tags": list(r.tags or []),
                "home_store_id": r.home_store_id,
                "points": int(r.points),
                "paid": int(r.paid),
                "bonus": int(r.bonus),
                "allowance": caps[r.member_id],
                "version": int(r.version),
            }
            for r in rows
        ],
    }


def set_allowance(hq: HQ, member_id: str, daily_cap: int) -> None:
    """A member's daily offline allowance at each store (``*``: the chain default). The
    change reaches stores with the member's next feed entry."""
    with hq.engine.begin() as conn:
        conn.execute(
            upsert(conn, hq_member_allowances)
            .values(member_id=member_id, daily_cap=daily_cap)
            .on_conflict_do_update(index_elements=["member_id"], set_={"daily_cap": daily_cap})
        )
        counter = _lock_feed(conn)
        q = hq_member_balances.update().values(version=counter + 1)
        if member_id != CHAIN:
            q = q.where(hq_member_balances.c.member_id == member_id)
        conn.execute(q)
        conn.execute(hq_member_feed.update().values(version=counter + 1))


def member_figures(hq: HQ, member_id: str) -> dict[str, Any] | None:
    catch_up(hq)
    with hq.engine.connect() as conn:
        row = conn.execute(
            sa.select(hq_member_balances).where(hq_member_balances.c.member_id == member_id)
        ).first()
        if row is None:
            return None
        return {
            "member_id": member_id,
            "points": int(row.points),
            "paid": int(row.paid),
            "bonus": int(row.bonus),
            "allowance": allowance_of(conn, [member_id])[member_id],
        }


# -- routes --------------------------------------------------------------------------------------

sync = APIRouter(prefix="/sync/v1", tags=["sync"])
api = APIRouter(prefix="/api/hq/members", tags=["hq"])


@sync.get("/members", summary="Members' balances and this store's allowances after version V")
def pull_members(
    hq: HQDep, store_id: StoreDep, after: Annotated[int, Query(ge=0, le=2**53)] = 0
) -> dict[str, Any]:
    return feed(hq, store_id, after)


class AllowanceBody(Strict):
    member_id: str = Field(min_length=1, max_length=36, description='A member, or "*"')
    daily_cap: int = Field(ge=0, le=100_000_000)


@api.post("/allowance", summary="A member's (or the chain's) daily offline allowance per store")
def allowance(
    body: AllowanceBody, hq: HQDep, owner: OwnerDep, idem: IdempotencyDep
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        set_allowance(hq, body.member_id, body.daily_cap)
        return body.model_dump()

    return idem.once(owner, body, run)


@api.get("/{member_id}", summary="A member's balances as HQ holds them")
def get_member(member_id: str, hq: HQDep, owner: OwnerDep) -> dict[str, Any]:
    figures = member_figures(hq, member_id)
    if figures is None:
        raise HQMembersError.MEMBER_NOT_FOUND.problem(f"HQ has heard of no member {member_id}.")
    return figures
