"""Use cases of the store's side of HQ sync: enrol, upload, handshake, catalogue pull, restore.

The store moves its cursor only on HQ's answer, and only forward, in the writer's transaction:
a lost answer is a harmless resend, two uploaders (the node's loop and ``hearth sync now``)
cannot move it backwards, and nothing here can lose or repeat an event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from hearth.core.db import (
    WRITER_FLAG,
    clear_conn_cache,
    insert_rows,
    mark_writer,
    select_rows,
    update_rows,
)
from hearth.core.digest import GENESIS, chain, content_hash, first_difference, next_digest
from hearth.core.errors import Problem
from hearth.core.journal import Event, ProjectorRegistry, read_events
from hearth.core.tables import journal
from hearth.core.writer import Command, Tx
from hearth.menu import tables as menu_tables
from hearth.menu.service import pinyin_of
from hearth.ordering.projections import catalogue_version
from hearth.sync import domain
from hearth.sync.client import HqClient, HqRefused, HqUnavailable
from hearth.sync.errors import SyncError
from hearth.sync.tables import sync_digests, sync_state

log = structlog.get_logger(__name__)
T = TypeVar("T")
Write = Callable[[Command[T]], Awaitable[T]]
ClientFactory = Callable[[str, str | None], HqClient]

STATE_ID = 1
DIGEST_PAGE = 1000  # HQ answers at most this many digests per call
JOURNAL_PAGE = 5000  # HQ's largest page


@dataclass(frozen=True)
class SyncState:
    hq_url: str
    store_id: str
    epoch: int
    acked_seq: int
    acked_digest: str
    catalogue_version: int
    status: str
    first_differing_seq: int | None
    enrolled_at_ms: int
    last_ok_at_ms: int | None
    last_error: str | None
    last_error_at_ms: int | None
    unreachable_since_ms: int | None
    backlog_since_ms: int | None


def load_state(conn: Connection) -> SyncState | None:
    row = select_rows(conn, sync_state, {"id": STATE_ID}).first()
    if row is None:
        return None
    m = row._mapping
    return SyncState(**{k: m[k] for k in SyncState.__dataclass_fields__})


def load_credential(conn: Connection) -> str | None:
    return select_rows(conn, sync_state, {"id": STATE_ID}, columns=("credential",)).scalar()


def journal_top(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)


def backlog_of(conn: Connection, state: SyncState | None) -> int:
    """Events HQ does not hold yet (all of them before the store joined an HQ)."""
    return journal_top(conn) - (state.acked_seq if state else 0)


# -- digests ----------------------------------------------------------------------------------
def stored_digest(conn: Connection, seq: int) -> str | None:
    if seq == 0:
        return GENESIS
    return select_rows(conn, sync_digests, {"seq": seq}, columns=("digest",)).scalar()


def digest_at(conn: Connection, seq: int) -> str:
    """Our digest at ``seq``: stored, or computed on from the last stored one below it."""
    known = stored_digest(conn, seq)
    if known is not None:
        return known
    below = (
        conn.execute(
            sa.select(sa.func.max(sync_digests.c.seq)).where(sync_digests.c.seq < seq)
        ).scalar()
        or 0
    )
    start = stored_digest(conn, below) or GENESIS
    q = (
        sa.select(journal)
        .where(journal.c.seq > below, journal.c.seq <= seq)
        .order_by(journal.c.seq)
    )
    last = start
    for _seq, h in chain(start, (Event.from_row(r).as_row() for r in conn.execute(q))):
        last = h
    return last


class RunningDigests:
    """Our journal's digests past HQ's cursor, chained once and reused.

    The handshake needs our digest at the journal's top and each batch the digests of its
    events: re-chaining the whole unacknowledged journal before every handshake, and the batch
    again, cost more than the upload itself (a 100,000-event backlog, bench/sync.py). A seq's
    digest never changes (the journal is append-only), so what is kept here is never stale;
    it is pruned as HQ acknowledges (about 150 bytes an event still waiting)."""

    def __init__(self) -> None:
        self.base = -1  # the digests of base+1 .. base+len(ahead) are known
        self.base_digest = GENESIS
        self.ahead: dict[int, str] = {}

    @property
    def top(self) -> int:
        return self.base + len(self.ahead)

    def at(self, conn: Connection, seq: int, *, floor: int) -> str:
        """Our digest at ``seq`` (as ``digest_at``); ``floor`` is HQ's cursor, below which
        nothing is kept."""
        if self.base < 0 or floor > self.top:
            self.base, self.base_digest, self.ahead = floor, digest_at(conn, floor), {}
        while self.base < floor:
            self.base += 1
            self.base_digest = self.ahead.pop(self.base)
        if seq < self.base:
            return digest_at(conn, seq)
        top = self.top
        if seq > top:
            start = self.ahead[top] if self.ahead else self.base_digest
            for s, h in chain_rows(conn, start, top, seq - top):
                self.ahead[s] = h
        if seq == self.base:
            return self.base_digest
        return self.ahead.get(seq) or (self.ahead[self.top] if self.ahead else self.base_digest)

    def remember(self, after: int, digests: dict[int, str]) -> None:
        """Digests chained by the caller from our digest at ``after`` (which ``at`` just
        answered, so ``after`` is within what is kept): kept, so they are not chained again."""
        if self.base <= after <= self.top:
            self.ahead.update(digests)


def digests_between(conn: Connection, first: int, last: int) -> dict[int, str]:
    q = sa.select(sync_digests).where(sync_digests.c.seq >= first, sync_digests.c.seq <= last)
    return {int(r.seq): r.digest for r in conn.execute(q)}


def wire(ev: Event) -> dict[str, Any]:
    return ev.as_row()


# The journal's columns in wire order, the payload as the JSON text the journal holds.
_WIRE_READ = (
    sa.select(
        journal.c.seq,
        journal.c.event_id,
        journal.c.store_id,
        journal.c.device_id,
        journal.c.stream,
        journal.c.stream_version,
        journal.c.type,
        sa.cast(journal.c.payload, sa.Text),
        journal.c.hlc,
        journal.c.actor,
        journal.c.recorded_at_ms,
    )
    .where(journal.c.seq > sa.bindparam("after"))
    .order_by(journal.c.seq)
    .limit(sa.bindparam("limit"))
)


def _content_of(r: Any) -> str:
    """The content hash of a ``_WIRE_READ`` row."""
    return content_hash(
        {
            "event_id": r[1],
            "store_id": r[2],
            "device_id": r[3],
            "stream": r[4],
            "stream_version": r[5],
            "type": r[6],
            "payload": _decoded(r[7]),
            "hlc": r[8],
            "actor": r[9],
            "recorded_at_ms": r[10],
        }
    )


def chain_rows(conn: Connection, start: str, after: int, count: int) -> Iterator[tuple[int, str]]:
    """``chain`` over the ``count`` journal events after ``after``, read as ``_WIRE_READ`` rows
    (payloads decoded by orjson): a handshake after a long outage chains the whole backlog."""
    h = start
    for r in conn.execute(_WIRE_READ, {"after": after, "limit": count}):
        h = next_digest(h, int(r[0]), r[1], _content_of(r))
        yield int(r[0]), h


def _decoded(text: str) -> Any:
    """A payload's JSON text as objects: orjson, or json for what orjson refuses (NaN)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# -- writes (each a writer command) ------------------------------------------------------------
def _update_state(tx: Tx, **values: Any) -> None:
    update_rows(tx.conn, sync_state, {"id": STATE_ID}, values)


def _advance(acked: int, digest: str, digests: dict[int, str], now_ms: int) -> Command[bool]:
    """Move the cursor forward to ``acked`` (never back), with the digests of what HQ now
    holds, in one transaction."""

    def run(tx: Tx) -> bool:
        state = load_state(tx.conn)
        if state is None or acked < state.acked_seq:
            return False
        have = set(digests_between(tx.conn, min(digests, default=1), acked))
        rows = [
            {"seq": s, "digest": d}
            for s, d in sorted(digests.items())
            if s <= acked and s not in have
        ]
        if rows:
            insert_rows(tx.conn, sync_digests, rows)
        top = journal_top(tx.conn)
        _update_state(
            tx,
            acked_seq=acked,
            acked_digest=digest,
            last_ok_at_ms=now_ms,
            unreachable_since_ms=None,
            last_error=None,
            backlog_since_ms=None if acked >= top else state.backlog_since_ms,
        )
        return True

    return run


def _rewind(to: int, digest: str, now_ms: int) -> Command[None]:
    """HQ holds less than we thought (it expects an earlier seq): send again from there."""

    def run(tx: Tx) -> None:
        _update_state(
            tx, acked_seq=to, acked_digest=digest, last_ok_at_ms=now_ms, unreachable_since_ms=None
        )

    return run


def _record_error(
    error: str,
    now_ms: int,
    *,
    unreachable: bool,
    status: str | None = None,
    first_differing_seq: int | None = None,
) -> Command[None]:
    def run(tx: Tx) -> None:
        state = load_state(tx.conn)
        if state is None:
            return
        values: dict[str, Any] = {"last_error": error[:300], "last_error_at_ms": now_ms}
        if unreachable:
            values["unreachable_since_ms"] = state.unreachable_since_ms or now_ms
        else:
            values["unreachable_since_ms"] = None
        if status is not None:
            values["status"] = status
            values["first_differing_seq"] = first_differing_seq
        _update_state(tx, **values)

    return run


def _note_backlog(now_ms: int) -> Command[None]:
    def run(tx: Tx) -> None:
        state = load_state(tx.conn)
        if (
            state is not None
            and state.backlog_since_ms is None
            and journal_top(tx.conn) > state.acked_seq
        ):
            _update_state(tx, backlog_since_ms=now_ms)

    return run


# -- enrolment ----------------------------------------------------------------------------------
def enrolment_refusal(conn: Connection, hq_url: str) -> Problem | None:
    """No destructive action while events wait: a store whose events have not all reached its
    HQ may not join another (or re-join, which starts a new epoch)."""
    state = load_state(conn)
    if state is None:
        return None
    waiting = backlog_of(conn, state)
    if waiting > 0:
        return SyncError.EVENTS_WAITING.problem(
            f"{waiting} event(s) have not reached HQ at {state.hq_url} yet. Sync them first "
            f"(Sync now), then join {hq_url}.",
            field="hq_url",
        )
    return None


async def enrol(
    engine: Engine,
    write: Write[Any],
    store_id: str,
    hq_url: str,
    enrol_code: str,
    now_ms: int,
    client_factory: ClientFactory | None = None,
) -> SyncState:
    make = client_factory or (lambda url, cred: HqClient(url, cred))
    with engine.connect() as conn:
        refusal = enrolment_refusal(conn, hq_url)
    if refusal is not None:
        raise refusal
    client = make(hq_url, None)
    try:
        answer = await client.enrol(enrol_code)
    except HqUnavailable as exc:
        raise SyncError.HQ_UNREACHABLE.problem(
            f"No answer from {hq_url} ({exc}). Check the address and the network.", field="hq_url"
        ) from None
    except HqRefused as exc:
        raise SyncError.ENROL_REFUSED.problem(
            str(
                exc.body.get("detail")
                or "The code is wrong, used or expired: ask HQ for a new one."
            ),
            field="enrol_code",
        ) from None
    finally:
        await client.aclose()
    if answer.get("store_id") != store_id:
        raise SyncError.WRONG_STORE.problem(
            f"HQ issued this code for store {answer.get('store_id')!r}; this node is store "
            f"{store_id!r}.",
            field="enrol_code",
        )
    credential, epoch = str(answer["credential"]), int(answer.get("epoch", 1))

    def save(tx: Tx) -> SyncState:
        refusal = enrolment_refusal(tx.conn, hq_url)
        if refusal is not None:
            raise refusal
        tx.conn.execute(sync_state.delete())
        tx.conn.execute(sync_digests.delete())
        insert_rows(
            tx.conn,
            sync_state,
            {
                "id": STATE_ID,
                "hq_url": hq_url.rstrip("/"),
                "store_id": store_id,
                "credential": credential,
                "epoch": epoch,
                "acked_seq": 0,
                "acked_digest": GENESIS,
                "catalogue_version": catalogue_version(tx.conn, store_id),
                "status": "ok",
                "first_differing_seq": None,
                "enrolled_at_ms": now_ms,
                "last_ok_at_ms": now_ms,
                "last_error": None,
                "last_error_at_ms": None,
                "unreachable_since_ms": None,
                "backlog_since_ms": now_ms if journal_top(tx.conn) else None,
            },
        )
        state = load_state(tx.conn)
        assert state is not None
        return state

    state: SyncState = await write(save)
    log.info("sync.enrolled", hq=state.hq_url, store_id=store_id, epoch=epoch)
    return state


# -- the sync itself -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Batch:
    """A batch ready to send: the events after ``after``, JSON-encoded once, and our digests."""

    after: int
    sent_to: int
    encoded: list[bytes]
    digests: dict[int, str]


@dataclass(frozen=True)
class Outcome:
    """One round: whether HQ answered, whether it holds everything, and why not."""

    answered: bool
    drained: bool
    stopped: bool = False
    reason: str = ""
    sent: int = 0


class Syncer:
    """One store's sync with its HQ: a handshake, then the catalogue, then the backlog."""

    def __init__(
        self,
        engine: Engine,
        write: Write[Any],
        now_ms: Callable[[], int],
        *,
        client_factory: ClientFactory | None = None,
        pull_catalogue: bool = True,
    ) -> None:
        self.engine = engine
        self.write = write
        self.now_ms = now_ms
        self.make_client = client_factory or (lambda url, cred: HqClient(url, cred))
        self.pull_catalogue = pull_catalogue
        self.shaken = False
        self.watch = domain.BacklogWatch()
        self.digests = RunningDigests()

    def state(self) -> SyncState | None:
        with self.engine.connect() as conn:
            return load_state(conn)

    async def round(self, progress: Callable[[int, int], None] | None = None) -> Outcome:
        """Handshake (once per connection), pull the catalogue, send the backlog."""
        with self.engine.connect() as conn:
            state = load_state(conn)
            credential = load_credential(conn)
        if state is None or credential is None:
            return Outcome(answered=False, drained=False, stopped=True, reason="not enrolled")
        if state.status != "ok":
            return Outcome(answered=True, drained=False, stopped=True, reason=state.status)
        client = self.make_client(state.hq_url, credential)
        try:
            if not self.shaken:
                stop = await self._handshake(client, state)
                if stop is not None:
                    return stop
                self.shaken = True
            if self.pull_catalogue:
                await self._pull_catalogue(client)
            return await self._drain(client, progress)
        except HqUnavailable as exc:
            self.shaken = False
            await self.write(_record_error(str(exc), self.now_ms(), unreachable=True))
            await self.write(_note_backlog(self.now_ms()))
            self._observe(answered=False)
            return Outcome(answered=False, drained=False, reason=str(exc))
        except HqRefused as exc:
            self.shaken = False
            decision = domain.decide(_answer_of(exc), sent_to=0, our_digest_at={})
            await self._stop_or_note(decision, str(exc))
            self._observe(answered=True)
            return Outcome(
                answered=True,
                drained=False,
                stopped=decision.action is domain.Action.STOP,
                reason=str(exc),
            )
        finally:
            await client.aclose()

    def _observe(self, *, answered: bool) -> None:
        with self.engine.connect() as conn:
            state = load_state(conn)
            waiting = backlog_of(conn, state)
        self.watch = self.watch.observe(
            self.now_ms(),
            backlog=waiting,
            acked_seq=state.acked_seq if state else 0,
            hq_answered=answered,
        )

    async def _stop_or_note(self, decision: domain.Decision, error: str) -> None:
        if decision.action is domain.Action.STOP:
            assert decision.stop is not None
            log.error("sync.stopped", why=decision.stop.value, reason=decision.reason)
            await self.write(
                _record_error(
                    decision.reason or error,
                    self.now_ms(),
                    unreachable=False,
                    status=decision.stop.value,
                    first_differing_seq=decision.seq,
                )
            )
        else:
            await self.write(_record_error(error, self.now_ms(), unreachable=False))

    async def _handshake(self, client: HqClient, state: SyncState) -> Outcome | None:
        with self.engine.connect() as conn:
            top = journal_top(conn)
            top_digest = self.digests.at(conn, top, floor=min(state.acked_seq, top))
        hs = await client.handshake(state.epoch, top, top_digest, state.catalogue_version)
        status = hs.get("status", "ok")
        if status in ("fenced", "diverged"):
            stop = domain.Stop.FENCED if status == "fenced" else domain.Stop.DIVERGED
            await self._stop_or_note(
                domain.Decision(
                    domain.Action.STOP,
                    stop=stop,
                    seq=hs.get("first_differing_seq"),
                    reason=f"HQ says {status}",
                ),
                status,
            )
            return Outcome(answered=True, drained=False, stopped=True, reason=status)
        hq_acked = int(hs.get("acked_seq", 0))
        hq_digest = str(hs.get("digest_at_acked") or GENESIS)
        if hq_acked > top:
            first = hq_acked if top == 0 else top + 1
            return await self._diverged(
                client, first, f"HQ holds seq {hq_acked}, beyond our journal's top {top}"
            )
        with self.engine.connect() as conn:
            ours = self.digests.at(conn, hq_acked, floor=min(state.acked_seq, hq_acked))
        if ours != hq_digest:
            first = await self._find_divergence(client, hq_acked)
            return await self._diverged(client, first, f"digests differ at seq {hq_acked}")
        if hq_acked != state.acked_seq:
            # HQ committed an upload whose answer was lost, or holds less than we thought:
            # either way HQ's cursor is the truth of what it holds, and the digests agree.
            if hq_acked > state.acked_seq:
                with self.engine.connect() as conn:
                    digests = {
                        s: self.digests.at(conn, s, floor=state.acked_seq)
                        for s in range(state.acked_seq + 1, hq_acked + 1)
                    }
                await self.write(_advance(hq_acked, hq_digest, digests, self.now_ms()))
            else:
                await self.write(_rewind(hq_acked, hq_digest, self.now_ms()))
        return None

    async def _find_divergence(self, client: HqClient, upto: int) -> int:
        """The first seq at which HQ's digests and ours part, page by page from the start."""
        first = 1
        while first <= upto:
            last = min(upto, first + DIGEST_PAGE - 1)
            theirs = await client.digests(first, last)
            with self.engine.connect() as conn:
                ours = (
                    {s: digest_at(conn, s) for s in range(first, last + 1)}
                    if last - first < 50
                    else self._chain_digests(conn, first, last)
                )
            found = first_difference(ours, theirs)
            if found is not None:
                return found
            first = last + 1
        return upto

    @staticmethod
    def _chain_digests(conn: Connection, first: int, last: int) -> dict[int, str]:
        start = digest_at(conn, first - 1)
        return dict(
            chain(start, (e.as_row() for e in read_events(conn, first - 1, last - first + 1)))
        )

    async def _diverged(self, client: HqClient, first: int, why: str) -> Outcome:
        try:
            await client.report_divergence(first)
        except (HqUnavailable, HqRefused) as exc:
            log.warning("sync.divergence_report_failed", error=str(exc))
        await self.write(
            _record_error(
                f"divergence from seq {first}: {why}",
                self.now_ms(),
                unreachable=False,
                status="diverged",
                first_differing_seq=first,
            )
        )
        log.error("sync.diverged", first_differing_seq=first, why=why)
        return Outcome(answered=True, drained=False, stopped=True, reason="diverged")

    def _prepare(self, after: int) -> _Batch | None:
        """The next batch after ``after``: read, encoded once, cut to the protocol's caps, and
        its digests. Runs in a thread, so it overlaps HQ's work on the batch before it.

        Each payload goes out as the journal's own JSON text (an ``orjson.Fragment``), read
        once: decoding it into objects and encoding them again was most of the store's work
        in a backlog upload (bench/sync.py). It is decoded once more, with orjson, only for
        its content hash."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                _WIRE_READ, {"after": after, "limit": domain.MAX_BATCH_EVENTS}
            ).all()
            if not rows:
                return None
            encoded = [
                orjson.dumps(
                    {
                        "seq": r[0],
                        "event_id": r[1],
                        "store_id": r[2],
                        "device_id": r[3],
                        "stream": r[4],
                        "stream_version": r[5],
                        "type": r[6],
                        "payload": orjson.Fragment(r[7]),
                        "hlc": r[8],
                        "actor": r[9],
                        "recorded_at_ms": r[10],
                    }
                )
                for r in rows
            ]
            # One byte per event for the comma, and room for the envelope.
            n = domain.cut_batch(
                [len(b) + 1 for b in encoded], max_bytes=domain.MAX_BATCH_BYTES - 1024
            )
            sent_to = int(rows[n - 1][0])
            h = self.digests.at(conn, after, floor=after)
            digests: dict[int, str] = {}
            known = self.digests.ahead  # chained already (by the handshake, after an outage)
            for r in rows[:n]:
                seq = int(r[0])
                h = known.get(seq) or next_digest(h, seq, r[1], _content_of(r))
                digests[seq] = h
            self.digests.remember(after, digests)
        return _Batch(after, sent_to, encoded[:n], digests)

    async def _drain(
        self, client: HqClient, progress: Callable[[int, int], None] | None
    ) -> Outcome:
        sent = 0
        ready: _Batch | None = None
        while True:
            with self.engine.connect() as conn:
                state = load_state(conn)
                assert state is not None
                if state.status != "ok":
                    return Outcome(
                        answered=True, drained=False, stopped=True, reason=state.status, sent=sent
                    )
                top = journal_top(conn)
            if progress is not None:
                progress(state.acked_seq, top)
            batch = (
                ready
                if ready is not None and ready.after == state.acked_seq
                else await asyncio.to_thread(self._prepare, state.acked_seq)
            )
            ready = None
            if batch is None:
                self._observe(answered=True)
                return Outcome(answered=True, drained=True, sent=sent)
            if state.backlog_since_ms is None:
                await self.write(_note_backlog(self.now_ms()))
            digests, sent_to = batch.digests, batch.sent_to
            # The next batch is read and encoded while HQ works on this one; it is used only
            # if HQ acknowledges all of this one (else it is read again from the new cursor).
            following = asyncio.ensure_future(asyncio.to_thread(self._prepare, sent_to))
            try:
                answer = domain.Answer(
                    200, **_ack_fields(await client.upload_encoded(state.epoch, batch.encoded))
                )
            except HqRefused as exc:
                answer = _answer_of(exc)
            finally:
                ready = await _settled(following)
            decision = domain.decide(answer, sent_to=sent_to, our_digest_at=digests)
            if decision.action is domain.Action.ADVANCE:
                assert decision.seq is not None and answer.digest is not None
                await self.write(_advance(decision.seq, answer.digest, digests, self.now_ms()))
                sent += max(0, decision.seq - state.acked_seq)
                self._observe(answered=True)
                if decision.seq <= state.acked_seq:
                    # HQ acknowledged nothing new: do not spin; the alarm watches this.
                    return Outcome(answered=True, drained=False, reason="no progress", sent=sent)
                continue
            if decision.action is domain.Action.RESEND:
                assert decision.seq is not None
                with self.engine.connect() as conn:
                    before = decision.seq - 1
                    if before > top:
                        return await self._diverged(client, top + 1, decision.reason)
                    digest = digest_at(conn, before)
                await self.write(
                    _rewind(before, digest, self.now_ms())
                    if before < state.acked_seq
                    else _advance(before, digest, {}, self.now_ms())
                )
                self.shaken = False
                continue
            if decision.action is domain.Action.STOP and decision.stop is domain.Stop.DIVERGED:
                return await self._diverged(
                    client, decision.seq or state.acked_seq + 1, decision.reason
                )
            await self._stop_or_note(decision, decision.reason)
            self._observe(answered=True)
            return Outcome(
                answered=True,
                drained=False,
                stopped=decision.action is domain.Action.STOP,
                reason=decision.reason,
                sent=sent,
            )

    # -- catalogue -----------------------------------------------------------------------------
    async def _pull_catalogue(self, client: HqClient) -> int:
        """Apply each catalogue version HQ has past ours, each in one writer transaction."""
        applied = 0
        while True:
            with self.engine.connect() as conn:
                state = load_state(conn)
                assert state is not None
                current = catalogue_version(conn, state.store_id)
            answer = await client.catalogue(current)
            versions = list(answer.get("versions") or [])
            snapshot = answer.get("snapshot")
            if snapshot:  # we are below HQ's compaction floor: the snapshot, then the rest
                versions.insert(0, dict(snapshot, snapshot=True))
            fresh = [v for v in versions if int(v["version"]) > current]
            if not fresh:
                return applied
            for v in sorted(fresh, key=lambda v: int(v["version"])):
                if await self.write(
                    apply_catalogue_version(
                        int(v["version"]),
                        list(v.get("events") or []),
                        snapshot=bool(v.get("snapshot")),
                    )
                ):
                    applied += 1


async def _settled(prepared: Awaitable[_Batch | None]) -> _Batch | None:
    """A prepared batch, or None if preparing it failed (it is then prepared again)."""
    try:
        return await prepared
    except Exception:  # the next loop reads the journal again, and says why if it fails
        return None


def _ack_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {"acked_seq": int(data["acked_seq"]), "digest": data.get("digest")}


def _answer_of(exc: HqRefused) -> domain.Answer:
    b = exc.body

    def num(key: str) -> int | None:
        v = b.get(key)
        return int(v) if isinstance(v, (int, str)) and str(v).lstrip("-").isdigit() else None

    return domain.Answer(
        exc.status,
        exc.code or None,
        expected_seq=num("expected_seq"),
        first_differing_seq=num("first_differing_seq"),
    )


# -- catalogue events --------------------------------------------------------------------------
_STREAM_PREFIX = {
    "Category": "menu:category:",
    "ModifierGroup": "menu:modgroup:",
    "Item": "menu:item:",
}
_CREATED_TABLE = {
    "CategoryCreated": (menu_tables.categories, "CategoryUpdated"),
    "ItemCreated": (menu_tables.items, "ItemUpdated"),
    "ModifierGroupCreated": (menu_tables.modifier_groups, "ModifierGroupUpdated"),
}


def _stream_of(ev: dict[str, Any]) -> str:
    if ev.get("stream"):
        return str(ev["stream"])
    type_, ident = str(ev["type"]), str(ev.get("payload", {}).get("id", ""))
    for prefix, stream in _STREAM_PREFIX.items():
        if type_.startswith(prefix):
            return stream + ident
    return f"catalogue:{type_}"


def apply_catalogue_version(
    version: int, events: list[dict[str, Any]], *, snapshot: bool = False
) -> Command[bool]:
    """One catalogue version as events in our journal, with ``CatalogueVersionApplied``, all
    in one transaction; a version already applied (a retried pull) is skipped."""

    def run(tx: Tx) -> bool:
        if catalogue_version(tx.conn, tx.store_id) >= version:
            return False
        for ev in events:
            type_, payload = str(ev["type"]), dict(ev["payload"])
            if snapshot and type_ in _CREATED_TABLE:
                table, updated = _CREATED_TABLE[type_]
                if select_rows(tx.conn, table, {"id": payload["id"]}).first() is not None:
                    type_ = updated
            if type_ in ("ItemCreated", "ItemUpdated") and isinstance(payload.get("name_zh"), str):
                # The search keys follow the name as a store-made edit's do (menu.service):
                # computed here, by this store, whatever HQ sent.
                payload["pinyin_initials"], payload["pinyin_full"] = pinyin_of(payload["name_zh"])
            tx.append(_stream_of({**ev, "type": type_}), type_, payload, "hq")
        tx.append("catalogue", "CatalogueVersionApplied", {"version": version}, "hq")
        update_rows(tx.conn, sync_state, {"id": STATE_ID}, {"catalogue_version": version})
        return True

    return run


# -- restore from HQ ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restored:
    store_id: str
    epoch: int
    events: int
    digest: str


RESTORING = "restoring"  # sync_state.status while a restore from HQ is under way
RESTORE_CACHE_KIB = 256 * 1024  # SQLite page cache of the restoring connection


async def restore_from_hq(
    engine: Engine,
    projectors: ProjectorRegistry,
    hq_url: str,
    credential: str,
    now_ms: int,
    *,
    client_factory: ClientFactory | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Restored:
    """Bring a store back on an empty database from HQ's copy of its journal.

    HQ fences the old epoch first (so a zombie box can add nothing while we download). Then
    page after page (the next one downloading meanwhile) the events are written as HQ holds
    them with our own digests, and projected by the node's own projectors, in one transaction
    per page. Projecting as the pages come, in transactions of a few thousand events, keeps a
    million-event store linear: one transaction over the whole journal slowed down as it grew
    (bench/sync.py).

    Until the end, ``sync_state`` says ``restoring``: a box that dies midway never claims to be
    a whole store (its sync does not start), and running the restore again carries on from
    the last page written, after HQ confirms our digest there. The end checks HQ's digest and
    is committed with SQLite's full durability; the pages before it are written with
    ``synchronous=NORMAL`` (WAL: consistent, and made durable by that last commit)."""
    with engine.connect() as conn:
        top = journal_top(conn)
        state = load_state(conn)
    resuming = state is not None and state.status == RESTORING and top > 0
    if top and not resuming:
        waiting = backlog_of_state(top, state)
        raise SyncError.DATABASE_NOT_EMPTY.problem(
            f"This database holds {top} event(s)"
            + (f", {waiting} of them not at HQ" if waiting else "")
            + ". Restore only into an empty database.",
            field="db",
        )
    make = client_factory or (lambda url, cred: HqClient(url, cred))
    client = make(hq_url, credential)
    conn = engine.connect()
    tuned = _tune_for_restore(conn)
    mark_writer(conn)  # the projectors' caches live for the restore, as in a replay
    try:
        if resuming:
            assert state is not None
            epoch, h = state.epoch, state.acked_digest
            hs = await client.handshake(epoch, top, h)
            if hs.get("status", "ok") != "ok":
                raise SyncError.RESTORE_MISMATCH.problem(
                    f"HQ says {hs.get('status')} for the restore under way (epoch {epoch}): "
                    "empty the database and restore again."
                )
            upto, hq_digest = int(hs["acked_seq"]), str(hs.get("digest_at_acked") or GENESIS)
            after, store_id = top, state.store_id
        else:
            fenced = await client.restore()
            epoch, upto = int(fenced["epoch"]), int(fenced.get("acked_seq", 0))
            hq_digest = str(fenced.get("digest") or GENESIS)
            h, after, store_id = GENESIS, 0, ""
            with conn.begin():
                conn.execute(sync_state.delete())
                insert_rows(
                    conn,
                    sync_state,
                    _state_row(hq_url, "", credential, epoch, 0, GENESIS, 0, now_ms, RESTORING),
                )
        page = await client.journal(after, min(JOURNAL_PAGE, upto - after)) if upto > after else []
        while after < upto and page:
            last = int(page[-1]["seq"])
            # The next page downloads while this one is written and projected (in a thread).
            following = (
                asyncio.ensure_future(client.journal(last, min(JOURNAL_PAGE, upto - last)))
                if last < upto
                else None
            )
            try:
                h = await asyncio.to_thread(_apply_page, conn, projectors, h, page)
            except BaseException:
                if following is not None:
                    following.cancel()
                raise
            after = last
            store_id = store_id or str(page[0]["store_id"])
            if progress is not None:
                progress(after, upto)
            page = await following if following is not None else []
        if after != upto or h != hq_digest:
            raise SyncError.RESTORE_MISMATCH.problem(
                f"Downloaded {after} of {upto} events; digest "
                f"{'matches' if h == hq_digest else 'differs'}. The store is not started: "
                "empty the database and restore again."
            )
        hs = await client.handshake(epoch, upto, h)
        store_id = str(hs.get("store_id") or store_id)
        version = int(hs.get("catalogue_version") or 0)
        _restore_durability(conn, tuned)
        with conn.begin():
            conn.execute(sync_state.delete())
            insert_rows(
                conn,
                sync_state,
                _state_row(
                    hq_url,
                    store_id,
                    credential,
                    epoch,
                    upto,
                    h,
                    catalogue_version(conn, store_id) or version,
                    now_ms,
                    "ok",
                ),
            )
    finally:
        await client.aclose()
        clear_conn_cache(conn)
        conn.info.pop(WRITER_FLAG, None)
        _restore_durability(conn, tuned)
        conn.close()
    log.info("sync.restored", store_id=store_id, epoch=epoch, events=upto)
    return Restored(store_id, epoch, upto, h)


def _state_row(
    hq_url: str,
    store_id: str,
    credential: str,
    epoch: int,
    acked: int,
    digest: str,
    version: int,
    now_ms: int,
    status: str,
) -> dict[str, Any]:
    return {
        "id": STATE_ID,
        "hq_url": hq_url.rstrip("/"),
        "store_id": store_id,
        "credential": credential,
        "epoch": epoch,
        "acked_seq": acked,
        "acked_digest": digest,
        "catalogue_version": version,
        "status": status,
        "first_differing_seq": None,
        "enrolled_at_ms": now_ms,
        "last_ok_at_ms": now_ms,
        "last_error": None,
        "last_error_at_ms": None,
        "unreachable_since_ms": None,
        "backlog_since_ms": None,
    }


def _tune_for_restore(conn: Connection) -> bool:
    """SQLite only: a big page cache and WAL commits without a sync each (see
    ``restore_from_hq``). True when tuned, so the settings are put back. Set on the DB-API
    connection, outside any transaction (SQLite refuses a change of safety level inside)."""
    if conn.dialect.name != "sqlite":
        return False
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA cache_size=-{RESTORE_CACHE_KIB}")
    raw.execute("PRAGMA synchronous=NORMAL")
    return True


def _restore_durability(conn: Connection, tuned: bool) -> None:
    if tuned and not conn.closed and not conn.in_transaction():
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA synchronous=FULL")
        raw.execute("PRAGMA cache_size=-2000")


_JOURNAL_COLUMNS = tuple(Event.__slots__)
_SQLITE_JOURNAL_INSERT = (
    f"INSERT INTO journal ({', '.join(_JOURNAL_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _JOURNAL_COLUMNS)})"
)


def _apply_page(
    conn: Connection, projectors: ProjectorRegistry, h: str, page: list[dict[str, Any]]
) -> str:
    """One page of HQ's copy into our journal with our own digests, projected, and the
    restore's progress, in one transaction; the digest at its end. The seqs must follow on
    from what is written (the journal's key refuses a repeat)."""
    events = [Event(**{k: e[k] for k in _JOURNAL_COLUMNS}) for e in page]
    digests = list(chain(h, page))
    with conn.begin():
        if conn.dialect.name == "sqlite":
            # Straight to the DB-API cursor: SQLAlchemy's per-row work was a tenth of a restore.
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cur.executemany(
                _SQLITE_JOURNAL_INSERT,
                [
                    tuple(
                        orjson.dumps(e.payload).decode() if k == "payload" else getattr(e, k)
                        for k in _JOURNAL_COLUMNS
                    )
                    for e in events
                ],
            )
            cur.executemany("INSERT INTO sync_digests (seq, digest) VALUES (?, ?)", digests)
            cur.close()
        else:
            conn.execute(journal.insert(), [e.as_row() for e in events])
            conn.execute(sync_digests.insert(), [{"seq": s, "digest": d} for s, d in digests])
        for ev in events:
            projectors.apply(conn, ev)
        update_rows(
            conn,
            sync_state,
            {"id": STATE_ID},
            {"acked_seq": events[-1].seq, "acked_digest": digests[-1][1]},
        )
    return digests[-1][1]


def backlog_of_state(top: int, state: SyncState | None) -> int:
    return top - (state.acked_seq if state else 0)
