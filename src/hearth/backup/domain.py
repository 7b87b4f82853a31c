"""The rules of backups, with no database, file or clock: which to keep, which to restore, and
whether restoring would lose anything.

Rotation keeps the newest backup of each hour for a day and of each (UTC) day for a month, and
always the newest of all, so a store that was off for a week still has its last good copy.
Restoring puts the store back at the backup's journal top; what the live store holds past that
comes back only if HQ holds it, so anything past both is what a restore would lose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
HOURLY_FOR_MS = DAY_MS
DAILY_FOR_MS = 30 * DAY_MS


def to_delete(taken_ms: Iterable[int], now_ms: int) -> set[int]:
    """The backups (by the time each was taken) that rotation removes at ``now_ms``."""
    times = set(taken_ms)
    if not times:
        return set()
    keep = {max(times)}
    newest_of: dict[tuple[str, int], int] = {}
    for t in times:
        age = now_ms - t
        if age < HOURLY_FOR_MS:
            key = ("hour", t // HOUR_MS)
            newest_of[key] = max(newest_of.get(key, t), t)
        if age < DAILY_FOR_MS:
            key = ("day", t // DAY_MS)
            newest_of[key] = max(newest_of.get(key, t), t)
    keep |= set(newest_of.values())
    return times - keep


@dataclass(frozen=True)
class Candidate:
    """A backup on disk as restore sees it: when it was taken and whether it checks out."""

    name: str
    taken_ms: int
    good: bool


def choose_backup(candidates: Iterable[Candidate], at_ms: int | None = None) -> Candidate | None:
    """The newest good backup taken at or before ``at_ms`` (any time when None)."""
    good = [c for c in candidates if c.good and (at_ms is None or c.taken_ms <= at_ms)]
    return max(good, key=lambda c: (c.taken_ms, c.name), default=None)


@dataclass(frozen=True)
class RestorePlan:
    allowed: bool
    # Seqs HQ gives back after the backup's top: (after, upto], or None.
    from_hq: tuple[int, int] | None
    # Seqs the live store holds that neither the backup nor HQ has: [first, last], or None.
    lost: tuple[int, int] | None
    reason: str

    @property
    def lost_count(self) -> int:
        return 0 if self.lost is None else self.lost[1] - self.lost[0] + 1


def plan_restore(
    backup_top: int, live_top: int | None, hq_acked: int | None, *, force: bool = False
) -> RestorePlan:
    """Whether restoring a backup whose journal ends at ``backup_top`` over a store whose journal
    ends at ``live_top`` (None: it cannot be read) may go ahead, when HQ holds ``hq_acked``
    (None: the store has not joined an HQ). Refused when events would be lost, unless forced."""
    from_hq = (backup_top, hq_acked) if hq_acked is not None and hq_acked > backup_top else None
    if live_top is None:
        why = "the live store cannot be read, so events newer than the backup cannot be counted"
        return RestorePlan(
            force, from_hq, None, why + ("; forced" if force else ": restore with --force")
        )
    safe_to = max(backup_top, hq_acked or 0)
    lost = (safe_to + 1, live_top) if live_top > safe_to else None
    if lost is None:
        return RestorePlan(True, from_hq, None, "nothing the live store holds is lost")
    n = lost[1] - lost[0] + 1
    why = (
        f"the live store holds {n} event(s) (seq {lost[0]}..{lost[1]}) newer than the "
        f"backup{' that HQ does not hold' if hq_acked is not None else ''}"
    )
    return RestorePlan(
        force,
        from_hq,
        lost,
        why + ("; forced, they are lost" if force else ": restore with --force to lose them"),
    )
