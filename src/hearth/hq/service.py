"""HQ's use cases for stores: create, enrol, revoke, handshake, ingest, digests, journal,
restore, and the fleet. Each is one transaction; an ingest answers only after its commit.

The store's row is the lock: an ingest, handshake or restore starts by locking it
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every HQ transaction is BEGIN IMMEDIATE), so
two HQ workers handling the same store take turns, and different stores never wait on each
other.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row

from hearth.core.digest import GENESIS
from hearth.core.errors import Problem
from hearth.core.ids import new_id
from hearth.core.security import random_token, sha256_hex
from hearth.hq import domain as d
from hearth.hq.catalogue import latest_version
from hearth.hq.context import HQ, upsert
from hearth.hq.errors import HQError
from hearth.hq.tables import alarms, daily_activity, hq_events, quarantine, review, stores

STORE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
EVENT_COLUMNS = (
    "seq",
    "event_id",
    "store_id",
    "device_id",
    "stream",
    "stream_version",
    "type",
    "payload",
    "hlc",
    "actor",
    "recorded_at_ms",
)


def _split_secret(secret: str) -> tuple[str, str] | None:
    """Credentials and enrolment codes read ``<store_id>.<random>``: HQ finds the store by
    its primary key (a single-shard lookup under Citus) and compares the hash of the whole."""
    store_id, dot, rest = secret.rpartition(".")
    if not dot or not rest or not STORE_ID.match(store_id):
        return None
    return store_id, rest


def _lock(conn: Connection, store_id: str) -> Row[Any] | None:
    return conn.execute(
        sa.select(stores).where(stores.c.store_id == store_id).with_for_update()
    ).first()


def _now(hq: HQ) -> int:
    return hq.clock.now_ms()


# -- stores and enrolment --------------------------------------------------------------------


def create_store(hq: HQ, store_id: str, name: str) -> str:
    """A new store and its one-time enrolment code (HQ keeps only the hash)."""
    if not STORE_ID.match(store_id):
        raise HQError.STORE_ID_INVALID.problem(
            "Letters, digits, '-' and '_', at most 64, starting with a letter or digit.",
            field="store_id",
        )
    code = f"{store_id}.{random_token(18)}"
    now = _now(hq)
    with hq.engine.begin() as conn:
        done = conn.execute(
            upsert(conn, stores)
            .values(
                store_id=store_id,
                name=name,
                enrol_code_hash=sha256_hex(code),
                enrol_expires_at_ms=now + d.ENROL_CODE_TTL_MS,
                revoked=False,
                epoch=1,
                acked_seq=0,
                digest=GENESIS,
                created_at_ms=now,
            )
            .on_conflict_do_nothing()
            .returning(stores.c.store_id)
        ).first()
        if done is None:
            raise HQError.STORE_EXISTS.problem(
                f"Store {store_id!r} exists; issue it a new enrolment code instead.",
                field="store_id",
            )
    return code


def issue_enrol_code(hq: HQ, store_id: str) -> str:
    """A fresh code for an existing store (a new box, a lost code); the old code stops working."""
    code = f"{store_id}.{random_token(18)}"
    with hq.engine.begin() as conn:
        done = conn.execute(
            stores.update()
            .where(stores.c.store_id == store_id)
            .values(
                enrol_code_hash=sha256_hex(code), enrol_expires_at_ms=_now(hq) + d.ENROL_CODE_TTL_MS
            )
        )
        if done.rowcount != 1:
            raise HQError.STORE_NOT_FOUND.problem(f"There is no store {store_id!r} at HQ.")
    return code


@dataclass(frozen=True, slots=True)
class Enrolled:
    store_id: str
    credential: str
    epoch: int


def enrol(hq: HQ, code: str) -> Enrolled:
    """Trade a one-time code for the store's credential; the code is spent in the same
    transaction, so two boxes racing with one code get one credential between them."""
    parts = _split_secret(code)
    refused = HQError.ENROL_CODE_INVALID.problem(
        "Ask HQ for a new enrolment code for this store.", field="enrol_code"
    )
    if parts is None:
        raise refused
    store_id = parts[0]
    credential = f"{store_id}.{random_token(32)}"
    now = _now(hq)
    with hq.engine.begin() as conn:
        row = _lock(conn, store_id)
        if (
            row is None
            or row.enrol_code_hash is None
            or row.revoked
            or not _same(row.enrol_code_hash, sha256_hex(code))
        ):
            raise refused
        if not d.enrol_code_usable(row.enrol_expires_at_ms, now):
            raise HQError.ENROL_CODE_EXPIRED.problem(
                "Codes last 7 days. Ask HQ for a new one.", field="enrol_code"
            )
        conn.execute(
            stores.update()
            .where(stores.c.store_id == store_id)
            .values(
                credential_hash=sha256_hex(credential),
                enrol_code_hash=None,
                enrol_expires_at_ms=None,
                enrolled_at_ms=now,
                last_seen_at_ms=now,
            )
        )
        return Enrolled(store_id, credential, int(row.epoch))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def authenticate(hq: HQ, credential: str) -> str:
    """The store a credential belongs to; the only way a sync request names its store."""
    parts = _split_secret(credential)
    if parts is None:
        raise HQError.UNAUTHORIZED.problem("Send Authorization: Bearer <store credential>.")
    with hq.engine.connect() as conn:
        row = conn.execute(
            sa.select(stores.c.credential_hash, stores.c.revoked).where(
                stores.c.store_id == parts[0]
            )
        ).first()
    if (
        row is None
        or row.credential_hash is None
        or not _same(row.credential_hash, sha256_hex(credential))
    ):
        raise HQError.UNAUTHORIZED.problem("Enrol the store again with a code from HQ.")
    if row.revoked:
        raise HQError.REVOKED.problem("HQ revoked this store; nothing it sends is accepted.")
    return parts[0]


def revoke(hq: HQ, store_id: str) -> None:
    with hq.engine.begin() as conn:
        done = conn.execute(
            stores.update()
            .where(stores.c.store_id == store_id)
            .values(revoked=True, enrol_code_hash=None, enrol_expires_at_ms=None)
        )
        if done.rowcount != 1:
            raise HQError.STORE_NOT_FOUND.problem(f"There is no store {store_id!r} at HQ.")


# -- upload ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Acked:
    acked_seq: int
    digest: str


class _Collided(Exception):
    """An event of an all-new batch is already held (under another seq): decide it again."""


def ingest(hq: HQ, store_id: str, epoch: int, events: Sequence[dict[str, Any]]) -> Acked:
    """One batch, exactly once: checked against the cursor, inserted set-based, the cursor
    moved, all in one transaction; answered only after the commit."""
    for i, ev in enumerate(events):
        if ev["store_id"] != store_id:
            raise HQError.WRONG_STORE.problem(
                f"Event {i} names store {ev['store_id']!r}; this credential is {store_id!r}.",
                field=f"events[{i}].store_id",
            )
    d.check_batch_order([int(ev["seq"]) for ev in events])
    try:
        return _ingest(hq, store_id, epoch, events, look_up_ids=False)
    except _Collided:  # rolled back whole: nothing of the first try stays
        return _ingest(hq, store_id, epoch, events, look_up_ids=True)


def _ingest(
    hq: HQ, store_id: str, epoch: int, events: Sequence[dict[str, Any]], *, look_up_ids: bool
) -> Acked:
    """``ingest`` in one transaction. Without ``look_up_ids`` a batch that is all new is
    appended without first asking which of its event ids HQ holds: the insert's unique key
    answers that, and a short count (an id held under another seq, a divergence) raises
    ``_Collided`` so the batch is decided again, with the lookup, in a fresh transaction: the
    usual batch saves a query that probes the index once per event (the insert probes it
    anyway)."""
    now = _now(hq)
    refusal: Problem | None = None
    with hq.engine.begin() as conn:
        row = _lock(conn, store_id)
        if row is None or row.revoked:
            raise HQError.REVOKED.problem("HQ revoked this store; nothing it sends is accepted.")
        try:
            d.check_epoch(epoch, int(row.epoch))
        except Problem as fenced:
            if fenced.code == HQError.FENCED.code and events:
                _to_review(conn, store_id, epoch, events, now)
            refusal = fenced
        if refusal is None:
            cursor = int(row.acked_seq)
            decision = (
                d.decide_ingest(cursor, row.digest, events, {}, {})
                if not look_up_ids and events and int(events[0]["seq"]) > cursor
                else _decide(conn, store_id, cursor, row.digest, events)
            )
            if isinstance(decision, d.Append):
                if not _append(conn, store_id, epoch, decision, now):
                    raise _Collided
                if row.backlog_flat and decision.acked_seq >= int(row.reported_seq or 0):
                    _backlog_drained(conn, store_id, now)  # what the watch saw has arrived
                return Acked(decision.acked_seq, decision.digest)
            if isinstance(decision, d.Diverged):
                _raise_divergence(
                    conn,
                    store_id,
                    decision.first_differing_seq,
                    now,
                    f"event {decision.event_id} differs from HQ's copy",
                )
                refusal = HQError.DIVERGENCE.problem(
                    f"At seq {decision.first_differing_seq} the store sent event "
                    f"{decision.event_id}, which is not what HQ holds there. Uploading stops "
                    "until a person compares the two journals.",
                    extra={"first_differing_seq": decision.first_differing_seq},
                )
            elif isinstance(decision, d.Gap):
                refusal = HQError.GAP.problem(
                    f"HQ holds this store's events up to {decision.expected_seq - 1}; send "
                    f"from seq {decision.expected_seq}.",
                    extra={"expected_seq": decision.expected_seq},
                )
        conn.execute(
            stores.update().where(stores.c.store_id == store_id).values(last_seen_at_ms=now)
        )
        if refusal is None:
            assert isinstance(decision, d.Ack)
            return Acked(decision.acked_seq, decision.digest)
    raise refusal


def _decide(
    conn: Connection, store_id: str, cursor: int, digest: str, events: Sequence[dict[str, Any]]
) -> d.IngestDecision:
    held_at: dict[int, d.Held] = {}
    if events and int(events[0]["seq"]) <= cursor:
        lo, hi = int(events[0]["seq"]), min(int(events[-1]["seq"]), cursor)
        for r in conn.execute(
            sa.select(hq_events.c.seq, hq_events.c.event_id, hq_events.c.content_hash).where(
                hq_events.c.store_id == store_id, hq_events.c.seq.between(lo, hi)
            )
        ):
            held_at[int(r.seq)] = d.Held(int(r.seq), r.event_id, r.content_hash)
    new_ids = [str(ev["event_id"]) for ev in events if int(ev["seq"]) > cursor]
    held_ids: dict[str, int] = {}
    if new_ids:
        for h in conn.execute(
            sa.select(hq_events.c.event_id, hq_events.c.seq).where(
                hq_events.c.store_id == store_id, _one_of(conn, hq_events.c.event_id, new_ids)
            )
        ):
            held_ids[h.event_id] = int(h.seq)
    return d.decide_ingest(cursor, digest, events, held_at, held_ids)


def _one_of(conn: Connection, column: Any, values: list[str]) -> Any:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter: a 500-id IN
    list was the costliest statement of an ingest to build and parse (bench/sync.py)."""
    if conn.dialect.name != "postgresql":
        return column.in_(values)
    return column == sa.any_(sa.bindparam("ids", values, type_=ARRAY(sa.String)))


def _append(conn: Connection, store_id: str, epoch: int, decision: d.Append, now: int) -> bool:
    """Insert the batch and move the cursor (and last seen) with it; False when an event of
    the batch was already held (the caller then rolls the transaction back)."""
    if _insert_events(conn, decision.rows, epoch, now) != len(decision.rows):
        return False
    conn.execute(
        stores.update()
        .where(stores.c.store_id == store_id)
        .values(acked_seq=decision.acked_seq, digest=decision.digest, last_seen_at_ms=now)
    )
    activity = d.project_activity(decision.rows)
    if activity.refused:
        conn.execute(
            upsert(conn, quarantine)
            .values(
                [
                    {
                        "store_id": store_id,
                        "event_id": r.event_id,
                        "seq": r.seq,
                        "type": r.type,
                        "reason": r.reason,
                        "quarantined_at_ms": now,
                    }
                    for r in activity.refused
                ]
            )
            .on_conflict_do_nothing()
        )
    if activity.counts:
        stmt = upsert(conn, daily_activity).values(
            [
                {"store_id": store_id, "business_date": day, "orders": o, "payments": p}
                for day, (o, p) in sorted(activity.counts.items())
            ]
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[daily_activity.c.store_id, daily_activity.c.business_date],
                set_={
                    "orders": daily_activity.c.orders + stmt.excluded.orders,
                    "payments": daily_activity.c.payments + stmt.excluded.payments,
                },
            )
        )
    return True


_ROW_COLUMNS = (*EVENT_COLUMNS, "content_hash", "digest")


def _insert_events(conn: Connection, rows: Sequence[dict[str, Any]], epoch: int, now: int) -> int:
    """How many of ``rows`` went in (an event already held is skipped, never doubled).

    On PostgreSQL the batch is COPY'd into a per-connection staging table and moved with one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING``: a 500-row ``VALUES`` statement (8,000
    parameters) cost more to build and parse than to run, 1 s a batch (bench/sync.py).
    RETURNING counts what went in (psycopg reports no rowcount for ON CONFLICT), as one number
    rather than a row per event."""
    if conn.dialect.name != "postgresql":
        values = [
            {
                **{c: r[c] for c in _ROW_COLUMNS},
                "epoch": epoch,
                "received_at_ms": now,
            }
            for r in rows
        ]
        return len(
            conn.execute(
                upsert(conn, hq_events)
                .values(values)
                .on_conflict_do_nothing()
                .returning(hq_events.c.seq)
            ).all()
        )
    names = ", ".join((*_ROW_COLUMNS, "epoch", "received_at_ms"))
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    payload_at = _ROW_COLUMNS.index("payload")
    # hq_events_stage: a temporary table every PostgreSQL connection of HQ creates when it
    # opens (db.make_hq_engine), emptied at each commit.
    with dbapi.cursor() as cur, cur.copy(f"COPY hq_events_stage ({names}) FROM STDIN") as cp:
        for r in rows:
            out = [r[c] for c in _ROW_COLUMNS]
            out[payload_at] = orjson.dumps(out[payload_at]).decode()
            out.append(epoch)
            out.append(now)
            cp.write_row(out)
    return int(
        conn.exec_driver_sql(
            f"WITH added AS (INSERT INTO hq_events ({names}) SELECT {names} FROM hq_events_stage "
            "ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM added"
        ).scalar_one()
    )


def _to_review(
    conn: Connection, store_id: str, epoch: int, events: Sequence[dict[str, Any]], now: int
) -> None:
    conn.execute(
        upsert(conn, review)
        .values(
            [
                {
                    "store_id": store_id,
                    "epoch": epoch,
                    "event_id": str(ev["event_id"]),
                    "seq": int(ev["seq"]),
                    "body": dict(ev),
                    "received_at_ms": now,
                }
                for ev in events
            ]
        )
        .on_conflict_do_nothing()
    )


def _raise_divergence(
    conn: Connection, store_id: str, seq: int | None, now: int, detail: str
) -> None:
    """One open divergence alarm per store; a report naming an earlier seq lowers it."""
    open_alarm = conn.execute(
        sa.select(alarms).where(
            alarms.c.store_id == store_id,
            alarms.c.kind == "divergence",
            alarms.c.cleared_at_ms.is_(None),
        )
    ).first()
    if open_alarm is None:
        conn.execute(
            alarms.insert().values(
                store_id=store_id,
                alarm_id=new_id(),
                kind="divergence",
                first_differing_seq=seq,
                detail=detail[:500],
                raised_at_ms=now,
            )
        )
    elif seq is not None and (
        open_alarm.first_differing_seq is None or seq < open_alarm.first_differing_seq
    ):
        conn.execute(
            alarms.update()
            .where(alarms.c.store_id == store_id, alarms.c.alarm_id == open_alarm.alarm_id)
            .values(first_differing_seq=seq, detail=detail[:500])
        )


def open_divergence(conn: Connection, store_id: str) -> Row[Any] | None:
    return conn.execute(
        sa.select(alarms).where(
            alarms.c.store_id == store_id,
            alarms.c.kind == "divergence",
            alarms.c.cleared_at_ms.is_(None),
        )
    ).first()


def report_divergence(hq: HQ, store_id: str, first_differing_seq: int) -> None:
    """The store found where the two journals part: the alarm names that seq."""
    with hq.engine.begin() as conn:
        _raise_divergence(
            conn,
            store_id,
            first_differing_seq,
            _now(hq),
            f"the store reports the journals part at seq {first_differing_seq}",
        )


# -- handshake, digests, journal, restore ----------------------------------------------------


def handshake(
    hq: HQ, store_id: str, epoch: int, seq: int, digest: str, catalogue_version: int | None
) -> dict[str, Any]:
    """Where HQ stands for this store, and whether the store may go on uploading."""
    now = _now(hq)
    with hq.engine.begin() as conn:
        row = _lock(conn, store_id)
        if row is None:
            raise HQError.UNAUTHORIZED.problem("Enrol the store again with a code from HQ.")
        status: str = "ok"
        first: int | None = None
        if epoch < int(row.epoch):
            status = "fenced"
        elif epoch > int(row.epoch):
            d.check_epoch(epoch, int(row.epoch))
        else:
            if 0 <= seq <= int(row.acked_seq) and digest != _digest_at(conn, store_id, seq):
                _raise_divergence(
                    conn, store_id, None, now, f"the store's digest at seq {seq} is not HQ's"
                )
            alarm = open_divergence(conn, store_id)
            if alarm is not None:
                status, first = "diverged", alarm.first_differing_seq
        values: dict[str, Any] = {"last_seen_at_ms": now}
        if status != "fenced":
            values.update(last_handshake_at_ms=now, reported_seq=seq)
            if catalogue_version is not None:
                values["catalogue_version"] = catalogue_version
            seen = d.watch_backlog(
                row.handshake_backlog,
                int(row.backlog_flat or 0),
                row.last_handshake_at_ms,
                seq - int(row.acked_seq),
                now,
            )
            values.update(handshake_backlog=seen.backlog, backlog_flat=seen.flat)
            _watch_alarm(conn, store_id, seen, now)
        conn.execute(stores.update().where(stores.c.store_id == store_id).values(**values))
    body: dict[str, Any] = {
        "store_id": store_id,
        "epoch": int(row.epoch),
        "acked_seq": int(row.acked_seq),
        "digest_at_acked": row.digest,
        "catalogue_version": latest_version(hq, store_id),
        "status": status,
    }
    if status == "diverged":
        body["first_differing_seq"] = first
    return body


def _backlog_drained(conn: Connection, store_id: str, now: int) -> None:
    conn.execute(
        stores.update()
        .where(stores.c.store_id == store_id)
        .values(backlog_flat=0, handshake_backlog=0)
    )
    _watch_alarm(conn, store_id, d.BacklogSeen(0, 0, "clear"), now)


def _watch_alarm(conn: Connection, store_id: str, seen: d.BacklogSeen, now: int) -> None:
    """One open backlog alarm per store: raised when the watch says so, cleared when the
    backlog shrinks or empties."""
    is_open = (
        alarms.c.store_id == store_id,
        alarms.c.kind == "backlog",
        alarms.c.cleared_at_ms.is_(None),
    )
    if seen.alarm == "clear":
        conn.execute(alarms.update().where(*is_open).values(cleared_at_ms=now))
    elif (
        seen.alarm == "raise"
        and conn.execute(sa.select(alarms.c.alarm_id).where(*is_open)).first() is None
    ):
        conn.execute(
            alarms.insert().values(
                store_id=store_id,
                alarm_id=new_id(),
                kind="backlog",
                first_differing_seq=None,
                detail=(
                    f"The store reaches HQ but its backlog of {seen.backlog} event(s) has not "
                    f"shrunk over {seen.flat + 1} handshakes: its uploads are refused or lost."
                ),
                raised_at_ms=now,
            )
        )


def _digest_at(conn: Connection, store_id: str, seq: int) -> str:
    if seq == 0:
        return GENESIS
    got = conn.execute(
        sa.select(hq_events.c.digest).where(
            hq_events.c.store_id == store_id, hq_events.c.seq == seq
        )
    ).scalar()
    return str(got) if got is not None else ""


def digests(hq: HQ, store_id: str, first: int, last: int) -> list[dict[str, Any]]:
    if first < 1 or last < first or last - first + 1 > d.MAX_DIGEST_RANGE:
        raise HQError.RANGE_INVALID.problem(
            f"from must be 1 or more, to at least from, and at most {d.MAX_DIGEST_RANGE} "
            "seqs at once.",
            field="from",
        )
    with hq.engine.connect() as conn:
        rows = conn.execute(
            sa.select(hq_events.c.seq, hq_events.c.digest)
            .where(hq_events.c.store_id == store_id, hq_events.c.seq.between(first, last))
            .order_by(hq_events.c.seq)
        )
        return [{"seq": int(r.seq), "digest": r.digest} for r in rows]


_PAYLOAD_TEXT = sa.cast(hq_events.c.payload, sa.Text)


def journal(hq: HQ, store_id: str, after: int, limit: int) -> bytes:
    """The store's events as HQ holds them, for a box being rebuilt from HQ: the answer's
    JSON, each payload as the JSON text HQ stored (never decoded and encoded again: that was
    most of HQ's work for a restore's pages, bench/sync.py)."""
    if after < 0 or not 1 <= limit <= d.MAX_JOURNAL_PAGE:
        raise HQError.RANGE_INVALID.problem(
            f"after must be 0 or more and limit 1 to {d.MAX_JOURNAL_PAGE}.", field="limit"
        )
    cols = [_PAYLOAD_TEXT if c == "payload" else hq_events.c[c] for c in EVENT_COLUMNS]
    with hq.engine.connect() as conn:
        acked = conn.execute(
            sa.select(stores.c.acked_seq).where(stores.c.store_id == store_id)
        ).scalar()
        rows = conn.execute(
            sa.select(*cols, hq_events.c.digest)
            .where(hq_events.c.store_id == store_id, hq_events.c.seq > after)
            .order_by(hq_events.c.seq)
            .limit(limit)
        ).all()
    names = (*EVENT_COLUMNS, "digest")
    payload_at = EVENT_COLUMNS.index("payload")
    events = []
    for r in rows:
        ev = dict(zip(names, r, strict=True))
        ev["payload"] = orjson.Fragment(r[payload_at])
        events.append(ev)
    return orjson.dumps({"events": events, "acked_seq": int(acked or 0)})


def restore(hq: HQ, store_id: str) -> dict[str, Any]:
    """A new box takes over the store's history: a new epoch, and the old one is fenced."""
    now = _now(hq)
    with hq.engine.begin() as conn:
        row = _lock(conn, store_id)
        if row is None:
            raise HQError.UNAUTHORIZED.problem("Enrol the store again with a code from HQ.")
        epoch = int(row.epoch) + 1
        conn.execute(
            stores.update()
            .where(stores.c.store_id == store_id)
            .values(epoch=epoch, last_seen_at_ms=now)
        )
        conn.execute(
            alarms.insert().values(
                store_id=store_id,
                alarm_id=new_id(),
                kind="fenced",
                first_differing_seq=None,
                detail=f"restored from HQ at seq {row.acked_seq}: epoch {epoch - 1} fenced",
                raised_at_ms=now,
            )
        )
        return {"epoch": epoch, "acked_seq": int(row.acked_seq), "digest": row.digest}


# -- the fleet -------------------------------------------------------------------------------


def fleet(hq: HQ) -> list[dict[str, Any]]:
    """Every store with what an owner watches: last seen, cursor, backlog, alarms."""
    with hq.engine.connect() as conn:
        open_alarms: dict[str, list[dict[str, Any]]] = {}
        for a in conn.execute(
            sa.select(alarms)
            .where(alarms.c.cleared_at_ms.is_(None))
            .order_by(alarms.c.raised_at_ms)
        ):
            open_alarms.setdefault(a.store_id, []).append(
                {
                    "alarm_id": a.alarm_id,
                    "kind": a.kind,
                    "first_differing_seq": a.first_differing_seq,
                    "detail": a.detail,
                    "raised_at_ms": a.raised_at_ms,
                }
            )
        quarantined: dict[str, int] = dict(
            conn.execute(
                sa.select(quarantine.c.store_id, sa.func.count()).group_by(quarantine.c.store_id)
            ).all()
        )
        activity: dict[str, list[dict[str, Any]]] = {}
        for r in conn.execute(
            sa.select(daily_activity).order_by(daily_activity.c.business_date.desc())
        ):
            activity.setdefault(r.store_id, []).append(
                {"business_date": r.business_date, "orders": r.orders, "payments": r.payments}
            )
        out = []
        for s in conn.execute(sa.select(stores).order_by(stores.c.store_id)):
            backlog = (
                max(0, int(s.reported_seq) - int(s.acked_seq))
                if s.reported_seq is not None
                else None
            )
            out.append(
                {
                    "store_id": s.store_id,
                    "name": s.name,
                    "enrolled": s.credential_hash is not None,
                    "revoked": bool(s.revoked),
                    "epoch": int(s.epoch),
                    "acked_seq": int(s.acked_seq),
                    "digest": s.digest,
                    "reported_seq": s.reported_seq,
                    "backlog": backlog,
                    "last_seen_at_ms": s.last_seen_at_ms,
                    "last_handshake_at_ms": s.last_handshake_at_ms,
                    "catalogue_version": s.catalogue_version,
                    "alarms": open_alarms.get(s.store_id, []),
                    "quarantined": int(quarantined.get(s.store_id, 0)),
                    "activity": activity.get(s.store_id, [])[:7],
                }
            )
        return out
