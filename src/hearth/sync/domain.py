"""Pure rules of the store's side of HQ sync: how long to wait, how much to send, what each of
HQ's answers means, and when a backlog that HQ keeps answering is a problem.

No clock, no network, no database: the time, the randomness and HQ's answer are passed in, so
every rule is tested with hypothesis over all its cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_BATCH_EVENTS = 2000  # a backlog drains in batches of ~400 KB gzip (bench/sync.py)
MAX_BATCH_BYTES = 2 * 1024 * 1024  # uncompressed, as HQ counts it (docs/sync-protocol.md)

BACKOFF_BASE_S = 1.0
# After an outage the store tries again at most this long after HQ is back: issue 13 asks
# for the backlog drained within 30 s of a heal. At 60 s, any outage longer than ~15 s
# (an HQ restart) left the store silent for 16-60 s after it ended (the partition suite
# measured 36 s); a chain's thousand stores retrying every 5-10 s is no load for HQ.
BACKOFF_CAP_S = 10.0

# How long HQ may answer while the backlog does not shrink before a person is told.
STUCK_AFTER_MS = 5 * 60_000


def backoff_s(
    attempt: int, jitter: float, *, base_s: float = BACKOFF_BASE_S, cap_s: float = BACKOFF_CAP_S
) -> float:
    """The wait before retry number ``attempt`` (1 = the first retry): exponential, capped, and
    jittered over its upper half so a chain's stores that lost HQ together do not all come back
    in the same second, while none retries sooner than half its step.

    ``jitter`` is a draw from [0, 1) (``random.random`` in production, fixed in tests).
    """
    if attempt <= 0:
        return 0.0
    step = min(cap_s, base_s * 2.0 ** min(attempt - 1, 62))
    jitter = min(max(jitter, 0.0), 1.0)
    return step / 2 + step / 2 * jitter


def cut_batch(
    sizes: Sequence[int], *, max_events: int = MAX_BATCH_EVENTS, max_bytes: int = MAX_BATCH_BYTES
) -> int:
    """How many of the next events (their encoded sizes, in seq order) go in one batch: as many
    as fit both limits, and always at least one, so an event bigger than the byte limit is sent
    alone (HQ then refuses it with a problem a person can read) instead of stopping the loop
    silently."""
    total = 0
    for n, size in enumerate(sizes[:max_events]):
        if n > 0 and total + size > max_bytes:
            return n
        total += size
    return min(len(sizes), max_events)


class Action(StrEnum):
    ADVANCE = "advance"  # HQ holds everything up to the acked seq: move the cursor there
    RESEND = "resend"  # HQ expects another seq: send again from there
    STOP = "stop"  # divergence, fencing, revocation: stop uploading, raise the alarm
    BACKOFF = "backoff"  # HQ unreachable or failing: wait, then try again


class Stop(StrEnum):
    DIVERGED = "diverged"
    FENCED = "fenced"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Answer:
    """HQ's answer to an upload, as the client read it.

    ``status`` is the HTTP status, or None when no answer came (timeout, connection refused or
    cut); ``code`` the problem's code; the numbers are those HQ sent, when it sent them.
    """

    status: int | None
    code: str | None = None
    acked_seq: int | None = None
    digest: str | None = None
    expected_seq: int | None = None
    first_differing_seq: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    seq: int | None = None  # ADVANCE: the new cursor; RESEND: the first seq to send
    stop: Stop | None = None
    reason: str = ""


def decide(answer: Answer, *, sent_to: int, our_digest_at: dict[int, str]) -> Decision:
    """What to do with HQ's answer to a batch that ended at seq ``sent_to``.

    ``our_digest_at`` holds our digest at each seq of the batch: an ack whose digest differs
    from ours at the same seq is a divergence, never something to paper over.
    """
    status, code = answer.status, answer.code
    if status == 200 and answer.acked_seq is not None:
        acked = answer.acked_seq
        if acked > sent_to:
            return Decision(
                Action.STOP,
                stop=Stop.DIVERGED,
                seq=None,
                reason=f"HQ acknowledged seq {acked}, beyond the {sent_to} sent",
            )
        ours = our_digest_at.get(acked)
        if ours is not None and answer.digest is not None and ours != answer.digest:
            return Decision(
                Action.STOP,
                stop=Stop.DIVERGED,
                reason=f"HQ's digest at seq {acked} differs from ours",
            )
        return Decision(Action.ADVANCE, seq=acked)
    if code == "sync-gap" and answer.expected_seq is not None and answer.expected_seq >= 1:
        return Decision(
            Action.RESEND, seq=answer.expected_seq, reason=f"HQ expects seq {answer.expected_seq}"
        )
    if code == "sync-divergence":
        return Decision(
            Action.STOP,
            stop=Stop.DIVERGED,
            seq=answer.first_differing_seq,
            reason=f"HQ holds different events from seq {answer.first_differing_seq}",
        )
    if code == "sync-fenced":
        return Decision(
            Action.STOP, stop=Stop.FENCED, reason="another box took over this store's history at HQ"
        )
    if code == "sync-revoked" or status == 401:
        return Decision(Action.STOP, stop=Stop.REVOKED, reason="HQ revoked this store")
    if status is None:
        return Decision(Action.BACKOFF, reason="HQ did not answer")
    return Decision(Action.BACKOFF, reason=f"HQ answered {status} {code or ''}".strip())


@dataclass(frozen=True, slots=True)
class BacklogWatch:
    """Whether HQ answers but the backlog does not go down: the alarm that catches a store
    whose events HQ keeps refusing (or takes slower than the tills make them).

    Progress is the acked cursor moving or the backlog reaching zero. The clock starts when HQ
    answers and events wait with no progress; it resets on progress and while HQ is
    unreachable (then the unreachable banner speaks instead).
    """

    since_ms: int | None = None
    acked_seq: int = 0

    def observe(
        self, now_ms: int, *, backlog: int, acked_seq: int, hq_answered: bool
    ) -> BacklogWatch:
        if not hq_answered or backlog == 0:
            return BacklogWatch(None, acked_seq)
        if acked_seq > self.acked_seq or self.since_ms is None:
            return BacklogWatch(now_ms, acked_seq)
        return self

    def stuck(self, now_ms: int, *, after_ms: int = STUCK_AFTER_MS) -> bool:
        return self.since_ms is not None and now_ms - self.since_ms >= after_ms
