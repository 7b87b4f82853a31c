"""HQ's rules, pure: what an uploaded batch does to a store's copy, who may send it, what the
fleet page counts, and how the catalogue log folds. No database, no HTTP, no clock reads.

The ingest rule is the heart of "exactly once": HQ holds events 1..cursor of a store with no
hole. A batch is an ordered run of seqs; the part at or below the cursor must be what HQ holds
(else the journals diverged), the rest must start at cursor + 1 (else there is a gap), and only
then is it appended, its digests chained on from the cursor's digest. Any replay, duplicate,
reordering or truncation of batches therefore leaves each event held once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hearth.core.digest import content_hash, next_digest
from hearth.hq.errors import HQError

MAX_BATCH_EVENTS = 2000  # a backlog drains in batches of ~400 KB gzip (bench/sync.py)
MAX_BATCH_BYTES = 2 * 1024 * 1024  # uncompressed; also the cap on what gzip may inflate to
ENROL_CODE_TTL_MS = 7 * 24 * 3600 * 1000
MAX_DIGEST_RANGE = 1000
MAX_JOURNAL_PAGE = 5000
CATALOGUE_KEEP_VERSIONS = 20  # versions older than the last K are folded into a snapshot


# -- ingest ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Held:
    """What HQ holds at a seq: enough to tell a duplicate from a divergence."""

    seq: int
    event_id: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Ack:
    acked_seq: int
    digest: str


@dataclass(frozen=True, slots=True)
class Append:
    rows: tuple[dict[str, Any], ...]  # the new events with content_hash and digest added
    acked_seq: int
    digest: str


@dataclass(frozen=True, slots=True)
class Gap:
    expected_seq: int


@dataclass(frozen=True, slots=True)
class Diverged:
    first_differing_seq: int
    event_id: str


IngestDecision = Ack | Append | Gap | Diverged


def check_batch_limits(n_events: int, n_bytes: int) -> None:
    if n_events > MAX_BATCH_EVENTS or n_bytes > MAX_BATCH_BYTES:
        raise HQError.BATCH_TOO_LARGE.problem(
            f"A batch holds at most {MAX_BATCH_EVENTS} events and {MAX_BATCH_BYTES} bytes "
            f"uncompressed; this one has {n_events} events, {n_bytes} bytes. Send it in "
            "smaller batches.",
            extra={"max_events": MAX_BATCH_EVENTS, "max_bytes": MAX_BATCH_BYTES},
        )


# An uploaded event's fields: (name, kind, shortest, longest). Checked in one tight loop over
# the decoded dicts: a pydantic model per event (validate, then model_dump) was the largest
# cost of HQ's ingest (bench/sync.py), and HQ keeps the events as the store sent them anyway.
_STR, _INT, _OPT_STR, _ANY = "str", "int", "str|null", "any"
EVENT_FIELDS: tuple[tuple[str, str, int, int], ...] = (
    ("seq", _INT, 1, 2**63 - 1),
    ("event_id", _STR, 1, 36),
    ("store_id", _STR, 1, 64),
    ("device_id", _STR, 0, 64),
    ("stream", _STR, 0, 120),
    ("stream_version", _INT, -(2**31), 2**31 - 1),
    ("type", _STR, 1, 80),
    ("payload", _ANY, 0, 0),
    ("hlc", _STR, 0, 24),
    ("actor", _OPT_STR, 0, 36),
    ("recorded_at_ms", _INT, -(2**63), 2**63 - 1),
)
_REQUIRED = frozenset(f[0] for f in EVENT_FIELDS) - {"actor"}
_ALLOWED = frozenset(f[0] for f in EVENT_FIELDS) | {"digest"}  # the store's digest: not kept
_ENVELOPE = frozenset({"store_id", "epoch", "events"})


def _invalid(where: str, why: str) -> Exception:
    return HQError.EVENT_INVALID.problem(f"{where}: {why}", field=where)


def _fits(value: Any, kind: str, lo: int, hi: int) -> str | None:
    """Why ``value`` is not a ``kind`` within ``lo``..``hi`` (a length for text), or None."""
    if kind == _ANY:
        return None
    if kind == _INT:
        if type(value) is not int:
            return "must be an integer"
        return None if lo <= value <= hi else f"must be from {lo} to {hi}"
    if value is None:
        return None if kind == _OPT_STR else "must be text"
    if type(value) is not str:
        return "must be text"
    return None if lo <= len(value) <= hi else f"must be {lo} to {hi} characters"


def parse_upload(data: Any) -> tuple[int, str | None, list[dict[str, Any]]]:
    """An upload body's epoch, claimed store and events, checked field by field (unknown
    fields refused, as everywhere). The events are the decoded dicts themselves, ready for
    ``decide_ingest``, without the store's own digest and with ``actor`` always present."""
    if type(data) is not dict:
        raise _invalid("body", "must be a JSON object")
    unknown = data.keys() - _ENVELOPE
    if unknown:
        raise _invalid(sorted(unknown)[0], "extra fields are not permitted")
    epoch, claimed, events = data.get("epoch"), data.get("store_id"), data.get("events")
    if type(epoch) is not int or epoch < 1 or epoch > 2**31 - 1:
        raise _invalid("epoch", "must be an integer of 1 or more")
    if claimed is not None and type(claimed) is not str:
        raise _invalid("store_id", "must be text")
    if type(events) is not list:
        raise _invalid("events", "must be a list")
    for i, ev in enumerate(events):
        if type(ev) is not dict:
            raise _invalid(f"events.{i}", "must be an object")
        keys = ev.keys()
        if not (_REQUIRED <= keys <= _ALLOWED):
            missing = _REQUIRED - keys
            if missing:
                raise _invalid(f"events.{i}.{sorted(missing)[0]}", "field required")
            extra = sorted(keys - _ALLOWED)[0]
            raise _invalid(f"events.{i}.{extra}", "extra fields are not permitted")
        for name, kind, lo, hi in EVENT_FIELDS:
            value = ev.get(name)
            if kind is _ANY:
                continue
            if (kind is _STR and type(value) is str and lo <= len(value) <= hi) or (
                kind is _INT and type(value) is int and lo <= value <= hi
            ):
                continue  # the usual case, decided without a call
            why = _fits(value, kind, lo, hi)
            if why is not None:
                raise _invalid(f"events.{i}.{name}", why)
        digest = ev.pop("digest", None)
        if digest is not None and (type(digest) is not str or len(digest) > 64):
            raise _invalid(f"events.{i}.digest", "must be text of at most 64 characters")
        if "actor" not in keys:
            ev["actor"] = None
    return epoch, claimed, events


def check_batch_order(seqs: Sequence[int]) -> None:
    """A batch is a contiguous run of seqs, ascending: the store sends its journal in order."""
    for i, seq in enumerate(seqs):
        if seq < 1 or (i and seq != seqs[i - 1] + 1):
            raise HQError.BATCH_UNORDERED.problem(
                f"Event {i} has seq {seq}; a batch is a contiguous ascending run of seqs "
                "starting at 1 or later.",
                field=f"events[{i}].seq",
            )


def decide_ingest(
    cursor: int,
    cursor_digest: str,
    batch: Sequence[Mapping[str, Any]],
    held_at: Mapping[int, Held],
    held_ids: Mapping[str, int],
) -> IngestDecision:
    """What a batch (already checked contiguous) does to a store whose cursor is ``cursor``.

    ``held_at``: what HQ holds at the batch's seqs at or below the cursor; ``held_ids``: the
    seq of any of the batch's new event ids HQ already holds (an event re-sent under another
    seq is a divergence, never a second copy)."""
    for ev in batch:
        seq = int(ev["seq"])
        if seq > cursor:
            break
        held = held_at.get(seq)
        if held is None or held.event_id != ev["event_id"] or held.content_hash != content_hash(ev):
            return Diverged(seq, str(ev["event_id"]))
    new = [ev for ev in batch if int(ev["seq"]) > cursor]
    if not new:
        return Ack(cursor, cursor_digest)
    if int(new[0]["seq"]) != cursor + 1:
        return Gap(cursor + 1)
    for ev in new:
        if str(ev["event_id"]) in held_ids:
            return Diverged(int(ev["seq"]), str(ev["event_id"]))
    rows = []
    digest = cursor_digest
    for ev in new:  # each event hashed once: its content hash feeds the chain and the row
        seq, content = int(ev["seq"]), content_hash(ev)
        digest = next_digest(digest, seq, str(ev["event_id"]), content)
        rows.append({**ev, "seq": seq, "content_hash": content, "digest": digest})
    return Append(tuple(rows), int(new[-1]["seq"]), digest)


# -- who may send ----------------------------------------------------------------------------


def check_epoch(sent: int, current: int) -> None:
    """A box on an epoch a restore replaced is a zombie: fenced, never merged."""
    if sent < current:
        raise HQError.FENCED.problem(
            f"This box is on epoch {sent}, but the store was restored to epoch {current}. "
            "It must stop uploading; its events are kept for review.",
            extra={"epoch": current},
        )
    if sent > current:
        raise HQError.EPOCH_UNKNOWN.problem(
            f"HQ issued epochs up to {current}; this box says {sent}.", field="epoch"
        )


# -- a backlog that does not shrink ----------------------------------------------------------

# A store that handshook this many times in a row, each time with a backlog no smaller than the
# time before, while it was in touch (handshakes at most STUCK_GAP_MS apart), raises the alarm.
STUCK_HANDSHAKES = 3
STUCK_GAP_MS = 15 * 60_000


@dataclass(frozen=True, slots=True)
class BacklogSeen:
    """What HQ noted about a store's backlog at a handshake, and what to do about the alarm."""

    backlog: int
    flat: int  # handshakes in a row at which the backlog did not shrink
    alarm: str  # "raise", "clear" or "keep"


def watch_backlog(
    previous: int | None,
    flat: int,
    last_handshake_ms: int | None,
    backlog: int,
    now_ms: int,
) -> BacklogSeen:
    """A store's backlog at this handshake against the one before. The store keeps reaching
    HQ (it is handshaking), so a backlog that stays or grows over several handshakes means its
    uploads are refused or lost on the way: a person should look, whatever the store says.
    A handshake long after the one before starts the count afresh (the store was away, not
    stuck)."""
    if backlog <= 0:
        return BacklogSeen(0, 0, "clear")
    if (
        previous is None
        or previous <= 0
        or last_handshake_ms is None
        or now_ms - last_handshake_ms > STUCK_GAP_MS
    ):
        return BacklogSeen(backlog, 0, "keep")
    if backlog < previous:
        return BacklogSeen(backlog, 0, "clear")
    flat += 1
    return BacklogSeen(backlog, flat, "raise" if flat >= STUCK_HANDSHAKES else "keep")


def enrol_code_usable(expires_at_ms: int | None, now_ms: int) -> bool:
    return expires_at_ms is not None and now_ms < expires_at_ms


# -- what the fleet page counts --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refused:
    event_id: str
    seq: int
    type: str
    reason: str


@dataclass(frozen=True, slots=True)
class Activity:
    counts: dict[str, tuple[int, int]]  # business date -> (orders, payments)
    refused: tuple[Refused, ...]


def _date_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date().isoformat()


def _valid_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def project_activity(events: Iterable[Mapping[str, Any]]) -> Activity:
    """Orders opened and payments succeeded per business day; a payload the projector cannot
    read is refused with its reason (kept raw, quarantined, never blocking). Types HQ does not
    project are simply stored."""
    counts: dict[str, list[int]] = {}
    refused: list[Refused] = []
    for ev in events:
        payload = ev["payload"]
        kind = ev["type"]
        if kind == "OrderOpened":
            if not isinstance(payload, dict) or not _valid_date(payload.get("business_date")):
                refused.append(
                    Refused(
                        ev["event_id"],
                        int(ev["seq"]),
                        kind,
                        "OrderOpened without a business_date (YYYY-MM-DD)",
                    )
                )
                continue
            counts.setdefault(payload["business_date"], [0, 0])[0] += 1
        elif kind == "PaymentStatusChanged":
            if (
                not isinstance(payload, dict)
                or not isinstance(payload.get("status"), str)
                or not isinstance(payload.get("payment_id"), str)
            ):
                refused.append(
                    Refused(
                        ev["event_id"],
                        int(ev["seq"]),
                        kind,
                        "PaymentStatusChanged without payment_id and status",
                    )
                )
                continue
            if payload["status"] == "succeeded":
                counts.setdefault(_date_of(int(ev["recorded_at_ms"])), [0, 0])[1] += 1
    return Activity({d: (c[0], c[1]) for d, c in counts.items()}, tuple(refused))


# -- the catalogue log -----------------------------------------------------------------------

# Catalogue events are the store menu module's own event types (HQ does not import the menu
# module: the names are the contract). Store-local state (86, remaining counts) is not here.
CATALOGUE_EVENT_TYPES = frozenset(
    {
        "CategoryCreated",
        "CategoryUpdated",
        "ModifierGroupCreated",
        "ModifierGroupUpdated",
        "ItemCreated",
        "ItemUpdated",
        "ItemImageUploaded",
    }
)
STORE_LOCAL_TYPES = frozenset(
    {"ItemSoldOut", "ItemBackInStock", "ItemRemainingSet", "ItemStockTaken"}
)


def check_catalogue_events(events: Sequence[Mapping[str, Any]]) -> None:
    if not events:
        raise HQError.CATALOGUE_EVENT_INVALID.problem(
            "A version needs at least one event.", field="events"
        )
    for i, ev in enumerate(events):
        kind, payload = ev.get("type"), ev.get("payload")
        if kind in STORE_LOCAL_TYPES:
            raise HQError.CATALOGUE_EVENT_INVALID.problem(
                f"{kind} is a store's own business (86 and counts stay local).",
                field=f"events[{i}].type",
            )
        if kind not in CATALOGUE_EVENT_TYPES:
            raise HQError.CATALOGUE_EVENT_INVALID.problem(
                f"{kind!r} is not a catalogue event; use one of "
                f"{', '.join(sorted(CATALOGUE_EVENT_TYPES))}.",
                field=f"events[{i}].type",
            )
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("id"), str)
            or not payload["id"]
        ):
            raise HQError.CATALOGUE_EVENT_INVALID.problem(
                "A catalogue event's payload names what it changes by its HQ-chosen id.",
                field=f"events[{i}].payload.id",
            )


def check_scope(scope: str) -> None:
    if scope == "chain" or (scope.startswith("store:") and len(scope) > len("store:")):
        return
    raise HQError.CATALOGUE_SCOPE_INVALID.problem(
        "A scope is 'chain' or 'store:<store id>'.", field="scope"
    )


def compaction_floor(versions: Sequence[int], keep: int) -> int | None:
    """The last version to fold into the snapshot so that ``keep`` versions stay in the log
    (None: nothing to fold)."""
    ordered = sorted(versions)
    if len(ordered) <= keep:
        return None
    return ordered[-keep - 1]


def fold(
    snapshot: Sequence[Mapping[str, Any]], versions: Iterable[Sequence[Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """A snapshot is the events of every version it covers, in version order: applying it
    to an empty menu gives what applying each version in turn gives."""
    out = [dict(ev) for ev in snapshot]
    for events in versions:
        out.extend(dict(ev) for ev in events)
    return out


def tagged(version: int, events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Events each carrying the catalogue version they were published in (``version`` for
    those that carry none: a snapshot folded before versions were kept on its events)."""
    return [{**ev, "version": int(ev.get("version") or version)} for ev in events]


def in_log_order(*parts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Snapshots and versions of several scopes as one run of events in version order, as a
    store that applied every version saw them: a store's price override published after a
    chain price wins, and a chain change published after the override wins over it. (Chain
    snapshot first, then the store's, was wrong both ways: an item created by the chain after
    the store's snapshot came after the store's edits of it.) The sort is stable: one
    version's events keep their order."""
    merged = sorted((ev for part in parts for ev in part), key=lambda ev: int(ev["version"]))
    return [{"type": ev["type"], "payload": ev["payload"]} for ev in merged]
