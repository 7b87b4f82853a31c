"""Use cases of backups: take one online and verify it, list and rotate them, restore one.

A backup is SQLite's online backup of the store database on a connection of its own, in one
read transaction: in WAL mode the writer keeps committing while it runs, and the copy is the
database exactly as of one commit. It is trusted only once verified: opened, ``integrity_check``
passes, and its totals (journal count and top, orders opened, money paid) equal the live
store's at the backup's journal top (the journal is append-only, so the live store can say
what it held then). The manifest beside each file records that, and a digest of the file so a
copy damaged later on disk is never restored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Engine

from hearth.backup import domain
from hearth.backup.errors import BackupError
from hearth.core.config import Settings
from hearth.core.db import make_engine
from hearth.core.digest import GENESIS, chain
from hearth.core.journal import ProjectorRegistry
from hearth.core.migrate import upgrade
from hearth.core.rebuild import rebuild
from hearth.core.tables import journal

log = structlog.get_logger(__name__)

SUFFIX = ".db"
MANIFEST = ".json"
JOURNAL_PAGE = 5000  # HQ's largest page
# Chaining the journal's digest is Python work (~20k events a second) that holds the GIL the
# event loop needs; past this many events the manifest goes without it (the totals still check).
DIGEST_UP_TO = 100_000

_PAID = """
WITH ok AS (SELECT DISTINCT json_extract(payload, '$.payment_id') FROM journal
            WHERE type = 'PaymentStatusChanged' AND seq <= :top
              AND json_extract(payload, '$.status') = 'succeeded')
SELECT COALESCE(SUM(json_extract(payload, '$.amount')), 0) FROM journal
WHERE type = 'PaymentStarted' AND seq <= :top
  AND (json_extract(payload, '$.status') = 'succeeded'
       OR json_extract(payload, '$.payment_id') IN ok)
"""


@dataclass(frozen=True)
class Totals:
    """What a store held at a journal seq, counted the same way in a backup and live."""

    journal_top: int
    journal_count: int
    orders: int
    paid_total: int  # fen, payments that succeeded


@dataclass
class Manifest:
    file: str
    store_id: str
    taken_at_ms: int
    taken_at: str
    journal_top: int
    totals: dict[str, int]
    digest: str | None
    size: int
    sha256: str
    verified: bool
    problems: list[str] = field(default_factory=list)

    def age_s(self, now_ms: int) -> float:
        return max(0.0, (now_ms - self.taken_at_ms) / 1000)


def backup_dir(settings: Settings) -> Path:
    """``HEARTH_BACKUP_DIR``, else ``backups`` beside the store database (var/backups)."""
    if settings.backup_dir:
        return Path(settings.backup_dir)
    path = settings.sqlite_path()
    return (path.parent if path is not None else Path("var")) / "backups"


def _db_path(settings: Settings) -> Path:
    path = settings.sqlite_path()
    if path is None:
        raise BackupError.NOT_SQLITE.problem(f"{settings.db_url} is not a SQLite file.", field="db")
    return path


@contextlib.contextmanager
def _open(path: Path, *, readonly: bool = True) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}{'?mode=ro' if readonly else ''}"
    conn = sqlite3.connect(uri, uri=True, timeout=10, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def totals_at(conn: sqlite3.Connection, top: int) -> Totals:
    count, last = conn.execute(
        "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM journal WHERE seq <= ?", (top,)
    ).fetchone()
    orders = conn.execute(
        "SELECT COUNT(*) FROM journal WHERE type = 'OrderOpened' AND seq <= ?", (top,)
    ).fetchone()[0]
    paid = conn.execute(_PAID, {"top": top}).fetchone()[0]
    return Totals(int(last), int(count), int(orders), int(paid or 0))


def journal_top_of(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM journal").fetchone()[0])


def _digest(conn: sqlite3.Connection, top: int) -> str | None:
    if top > DIGEST_UP_TO:
        return None
    cols = [c.name for c in journal.columns]
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM journal ORDER BY seq")
    last = GENESIS
    events = (
        {**dict(zip(cols, r, strict=True)), "payload": json.loads(r[cols.index("payload")])}
        for r in rows
    )
    for _seq, h in chain(GENESIS, events):
        last = h
    return last


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _name(store_id: str, taken_ms: int) -> str:
    at = dt.datetime.fromtimestamp(taken_ms / 1000, dt.UTC)
    return f"{store_id}-{at:%Y%m%dT%H%M%S}{taken_ms % 1000:03d}Z{SUFFIX}"


def check_file(path: Path) -> list[str]:
    """What is wrong with a database file (empty when ``integrity_check`` says ok)."""
    try:
        with _open(path) as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [f"cannot be opened: {exc}"]
    return [] if rows == ["ok"] else rows[:5]


def take_backup(settings: Settings, now_ms: int) -> Manifest:
    """Back up the store database now, verify the copy, write its manifest, rotate.

    Runs off the event loop (the node calls it in a thread): the copy is one read transaction
    on a connection of its own, so orders keep being written while it runs."""
    live = _db_path(settings)
    folder = backup_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = _name(settings.store_id, now_ms)
    target = folder / name
    partial = target.with_suffix(".partial")
    try:
        with _open(live) as src, contextlib.closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError.FAILED.problem(f"Copying {live} to {folder} failed: {exc}") from exc
    manifest = verify(live, target, settings.store_id, now_ms)
    write_manifest(target, manifest)
    log.info(
        "backup.taken",
        file=name,
        journal_top=manifest.journal_top,
        verified=manifest.verified,
        problems=manifest.problems,
    )
    rotate(folder, now_ms)
    return manifest


def verify(live: Path, target: Path, store_id: str, taken_ms: int) -> Manifest:
    """Open the copy, check its integrity, and compare its totals with the live store's at the
    copy's journal top."""
    problems = check_file(target)
    top, digest, ours = 0, None, Totals(0, 0, 0, 0)
    if not problems:
        with _open(target) as conn:
            top = journal_top_of(conn)
            ours = totals_at(conn, top)
            digest = _digest(conn, top)
        with _open(live) as conn:
            theirs = totals_at(conn, top)
        if ours != theirs:
            problems.append(
                f"totals differ from the live store at seq {top}: backup "
                f"{asdict(ours)}, live {asdict(theirs)}"
            )
    at = dt.datetime.fromtimestamp(taken_ms / 1000, dt.UTC).isoformat()
    return Manifest(
        file=target.name,
        store_id=store_id,
        taken_at_ms=taken_ms,
        taken_at=at,
        journal_top=top,
        totals=asdict(ours),
        digest=digest,
        size=target.stat().st_size,
        sha256=_sha256(target),
        verified=not problems,
        problems=problems,
    )


def write_manifest(target: Path, manifest: Manifest) -> None:
    path = target.with_suffix(MANIFEST)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False))
    os.replace(tmp, path)


def list_backups(folder: Path) -> list[Manifest]:
    """Every backup with a manifest, newest first."""
    found = []
    if not folder.is_dir():
        return []
    for path in folder.glob(f"*{MANIFEST}"):
        try:
            found.append(Manifest(**json.loads(path.read_text())))
        except (ValueError, TypeError, OSError):
            continue
    return sorted(found, key=lambda m: (m.taken_at_ms, m.file), reverse=True)


def rotate(folder: Path, now_ms: int) -> list[str]:
    """Remove what the rotation rule does not keep (and backups that never verified, once a
    newer good one exists); the names removed."""
    backups = list_backups(folder)
    good = [m for m in backups if m.verified]
    drop_times = domain.to_delete((m.taken_at_ms for m in good), now_ms)
    newest_good = max((m.taken_at_ms for m in good), default=None)
    removed = []
    for m in backups:
        bad_and_replaced = (
            not m.verified and newest_good is not None and m.taken_at_ms < newest_good
        )
        if (m.verified and m.taken_at_ms in drop_times) or bad_and_replaced:
            (folder / m.file).unlink(missing_ok=True)
            (folder / m.file).with_suffix(MANIFEST).unlink(missing_ok=True)
            removed.append(m.file)
    if removed:
        log.info("backup.rotated", removed=removed)
    return removed


def still_good(folder: Path, m: Manifest) -> bool:
    """Verified when taken, and the file is still, byte for byte, the one that was verified
    (its digest proves that at disk speed; a second integrity_check would cost 3x as long on
    a large store and could say nothing more)."""
    path = folder / m.file
    return m.verified and path.is_file() and _sha256(path) == m.sha256


# -- restore ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HqCopy:
    """What HQ holds of this store, handed in by the composition root (this module does not
    know the sync protocol): how far HQ's copy goes, a way to read a page of it, and what to
    do once the restored store holds it (put the sync cursor back)."""

    acked_seq: int
    fetch: Callable[[int, int], Awaitable[list[dict[str, Any]]]]  # (after, limit) -> events
    restored: Callable[[Engine, int], None]


@dataclass
class RestoreReport:
    backup: Manifest
    plan: domain.RestorePlan
    live_top: int | None
    from_hq: int = 0
    journal_top: int = 0
    rebuilt: bool = False
    skipped: list[str] = field(default_factory=list)


def ensure_not_in_use(path: Path) -> None:
    """Refuse while any process has the database open: leaving WAL mode needs every other
    connection gone, and fails at once (not after a wait) when one is there."""
    if not path.exists():
        return
    try:
        with _open(path, readonly=False) as conn:
            conn.execute("PRAGMA busy_timeout=0")
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise sqlite3.OperationalError("database is locked")
            conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError.IN_USE.problem(
                f"{path} is open in another process (is hearth serve running?). Stop the "
                f"node, then run the restore again.",
                field="db",
            ) from exc
    except sqlite3.DatabaseError:
        return  # damaged beyond opening: nothing can be using it, and it is being replaced


def live_top_of(path: Path) -> int | None:
    try:
        with _open(path) as conn:
            return journal_top_of(conn)
    except sqlite3.DatabaseError:
        return None


def pick(folder: Path, at_ms: int | None) -> tuple[Manifest | None, list[str]]:
    """The newest backup at or before ``at_ms`` that still checks out; the ones skipped."""
    skipped: list[str] = []
    remaining = list_backups(folder)
    while True:
        by_name = {m.file: m for m in remaining}
        choice = domain.choose_backup(
            (domain.Candidate(m.file, m.taken_at_ms, m.verified) for m in remaining), at_ms
        )
        if choice is None:
            return None, skipped
        m = by_name[choice.name]
        if still_good(folder, m):
            return m, skipped
        skipped.append(m.file)
        remaining = [r for r in remaining if r.file != m.file]


def _copy_over(source: Path, live: Path) -> None:
    """The backup becomes the store database: copied beside it, synced, the old WAL removed
    first (else it would be replayed onto the new file), then renamed into place."""
    tmp = live.with_name(live.name + ".restoring")
    tmp.unlink(missing_ok=True)
    with _open(source) as src, contextlib.closing(sqlite3.connect(tmp)) as dst:
        src.backup(dst)
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, live)


async def _bring_back(
    engine: Engine, hq: HqCopy, after: int, progress: Callable[[int, int], None] | None
) -> int:
    """The journal after ``after`` from HQ's copy, page by page, into the restored journal."""
    keys = [c.name for c in journal.columns]
    got = 0
    while after < hq.acked_seq:
        page = await hq.fetch(after, min(JOURNAL_PAGE, hq.acked_seq - after))
        rows = [{k: e[k] for k in keys} for e in page if int(e["seq"]) > after]
        if not rows:
            break
        seqs = [int(r["seq"]) for r in rows]
        if seqs != list(range(after + 1, after + 1 + len(seqs))):
            raise BackupError.HQ_SHORT.problem(f"HQ's page after seq {after} has gaps.")
        with engine.begin() as conn:
            conn.execute(journal.insert(), rows)
        after = seqs[-1]
        got += len(seqs)
        if progress is not None:
            progress(after, hq.acked_seq)
    if after < hq.acked_seq:
        raise BackupError.HQ_SHORT.problem(
            f"HQ holds up to seq {hq.acked_seq} but gave back only up to {after}. The backup "
            f"is in place; run the restore again when HQ answers."
        )
    return got


async def restore(
    settings: Settings,
    projectors: ProjectorRegistry,
    *,
    at_ms: int | None = None,
    force: bool = False,
    hq: HqCopy | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RestoreReport:
    """Put the newest good backup (at or before ``at_ms``) in place of the store database,
    then the journal HQ holds past it, and rebuild the projections from the journal.

    Refused while the node runs, and when the live store holds events newer than the backup
    that HQ does not (unless ``force``)."""
    live = _db_path(settings)
    folder = backup_dir(settings)

    def step(what: str, done: int, total: int) -> None:
        if progress is not None:
            progress(what, done, total)

    ensure_not_in_use(live)
    step("checking backups", 0, 1)
    chosen, skipped = pick(folder, at_ms)
    if chosen is None:
        raise BackupError.NO_GOOD_BACKUP.problem(
            f"No verified backup in {folder}"
            + (" taken before that time" if at_ms is not None else "")
            + (f" ({len(skipped)} failed their check)" if skipped else "")
            + "."
        )
    step("checking backups", 1, 1)
    live_top = live_top_of(live) if live.exists() else 0
    plan = domain.plan_restore(
        chosen.journal_top, live_top, hq.acked_seq if hq is not None else None, force=force
    )
    if not plan.allowed:
        raise BackupError.WOULD_LOSE.problem(
            f"Backup {chosen.file} ends at seq {chosen.journal_top}; {plan.reason}.",
            extra={"lost": list(plan.lost) if plan.lost else None},
        )
    step("copying the backup", 0, chosen.size)
    _copy_over(folder / chosen.file, live)
    step("copying the backup", chosen.size, chosen.size)
    report = RestoreReport(chosen, plan, live_top, skipped=skipped)
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        if hq is not None:
            report.from_hq = await _bring_back(
                engine,
                hq,
                chosen.journal_top,
                lambda done, total: step("events from HQ", done, total),
            )
            if report.from_hq:
                rebuild(
                    engine,
                    projectors,
                    keep=True,
                    progress=lambda n: step("rebuilding", n, hq.acked_seq),
                )
                report.rebuilt = True
            hq.restored(engine, max(chosen.journal_top, hq.acked_seq))
        with engine.connect() as conn:
            report.journal_top = int(
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(journal.c.seq), 0))).scalar()
                or 0
            )
    finally:
        engine.dispose()
    log.info(
        "backup.restored",
        file=chosen.file,
        journal_top=report.journal_top,
        from_hq=report.from_hq,
        lost=plan.lost,
    )
    return report
