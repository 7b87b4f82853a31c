"""``hearth upgrade``: a new version's migrations, applied only behind a verified backup.

Order: refuse while the node runs; see which migrations are pending; take a backup and verify
it (integrity and totals, as every backup is); apply the migrations in one transaction; if one
fails, put the backup back (the WAL removed first, so nothing of the failed attempt is replayed),
check the restored file opens at the old revision with the same journal, and say so. SQLite
rolls a failed DDL transaction back by itself; the backup is what covers the rest (a migration
that commits part way, a file damaged by a crash during it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import structlog
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from hearth.backup import service
from hearth.backup.errors import BackupError
from hearth.core.config import Settings
from hearth.core.db import make_engine
from hearth.core.migrate import alembic_config

log = structlog.get_logger(__name__)


@dataclass
class UpgradeReport:
    before: str | None  # the database's revision when we started
    head: str | None  # the code's newest revision
    pending: list[str] = field(default_factory=list)
    backup: service.Manifest | None = None
    applied: bool = False
    after: str | None = None
    error: str | None = None
    restored: bool = False
    restore_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def plan(
    engine: Engine, script_location: Path | None = None
) -> tuple[str | None, str | None, list[str]]:
    """The database's revision, the code's head, and the revisions between, oldest first."""
    cfg = alembic_config()
    if script_location is not None:
        cfg.set_main_option("script_location", str(script_location))
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    current = revision_of(engine)
    pending = [r.revision for r in script.iterate_revisions(head, current) if r.revision != current]
    return current, head, list(reversed(pending))


def upgrade_store(
    settings: Settings, now_ms: int, *, script_location: Path | None = None
) -> UpgradeReport:
    live = service._db_path(settings)
    service.ensure_not_in_use(live)
    engine = make_engine(settings.db_url)
    try:
        before, head, pending = plan(engine, script_location)
    finally:
        engine.dispose()
    report = UpgradeReport(before, head, pending)
    if not pending:
        report.after = before
        return report
    manifest = service.take_backup(settings, now_ms)
    report.backup = manifest
    if not manifest.verified:
        raise BackupError.FAILED.problem(
            f"The backup taken before the upgrade did not verify ({'; '.join(manifest.problems)}"
            "); nothing was changed."
        )
    cfg = alembic_config()
    if script_location is not None:
        cfg.set_main_option("script_location", str(script_location))
    engine = make_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        report.applied = True
        report.after = revision_of(engine)
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"[:500]
        log.error("upgrade.failed", error=report.error, backup=manifest.file)
    finally:
        engine.dispose()
    if report.error is not None:
        _put_back(settings, live, manifest, report)
    return report


def _put_back(
    settings: Settings, live: Path, manifest: service.Manifest, report: UpgradeReport
) -> None:
    """The backup in place of the half-upgraded file, then checked: it opens, passes its
    integrity check, is at the old revision and holds the same journal."""
    folder = service.backup_dir(settings)
    try:
        service._copy_over(folder / manifest.file, live)
        problems = service.check_file(live)
        engine = make_engine(settings.db_url)
        try:
            report.after = revision_of(engine)
        finally:
            engine.dispose()
        top = service.live_top_of(live)
        if problems or report.after != report.before or top != manifest.journal_top:
            raise RuntimeError(
                f"the restored file does not check out (problems {problems}, revision "
                f"{report.after}, journal top {top})"
            )
        report.restored = True
        log.info("upgrade.restored", backup=manifest.file, revision=report.after)
    except Exception as exc:
        report.restore_error = f"{type(exc).__name__}: {exc}"[:500]
        log.error("upgrade.restore_failed", error=report.restore_error)
