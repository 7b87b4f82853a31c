"""The store's side of HQ's fleet page: what the doctor found, sent to HQ with the sync, and
the backups copied there.

Sync is below ops in the layers and cannot call the doctor, so this module hands it the
function that makes the report (``FleetReporter.produce``), and hands the backup runner the
hook that queues each verified backup for HQ when ``HEARTH_FLEET_BACKUP_TO_HQ`` is on. It also
brings a copy back from HQ for ``hearth restore --from-hq-backup``: downloaded with its digest
checked, opened and integrity-checked, and put beside the local backups with its manifest, so
the ordinary restore path picks it.
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict

from hearth import __version__
from hearth.backup import service as backups
from hearth.backup.lifecycle import BackupRunner
from hearth.core.config import Settings
from hearth.core.db import make_engine
from hearth.core.module import Module
from hearth.core.node import Node
from hearth.ops import service
from hearth.ops.checks import CHECKS
from hearth.ops.domain import Finding
from hearth.sync import reports
from hearth.sync.client import HqClient
from hearth.sync.service import load_credential, load_state


class FleetConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_FLEET_", extra="ignore")

    report_every_s: float = 60.0  # a report at most this often (after a round HQ answered)
    backup_to_hq: bool = False  # copy each verified backup to HQ (it keeps the last few)


def open_alerts(node: Node) -> list[dict[str, Any]]:
    """The store's open alerts, when the alerts module is there (else none)."""
    try:
        tables = importlib.import_module("hearth.ops.tables")
    except ImportError:
        return []
    table = getattr(tables, "ops_alerts", None)
    if table is None:
        return []
    try:
        with node.engine.connect() as conn:
            rows = conn.execute(
                sa.select(table)
                .where(table.c.store_id == node.settings.store_id)
                .where(table.c.cleared_at_ms.is_(None))
                .order_by(table.c.raised_at_ms)
                .limit(200)
            ).all()
    except sa.exc.DBAPIError:  # an older database without the table
        return []
    return [
        {
            "id": r.id,
            "key": r.key,
            "severity": r.severity,
            "cause": {"zh": r.cause_zh, "en": r.cause_en},
            "fix": {"zh": r.fix_zh, "en": r.fix_en},
            "raised_at_ms": r.raised_at_ms,
            "acked_at_ms": r.acked_at_ms,
        }
        for r in rows
    ]


def _last_backup(settings: Settings) -> dict[str, Any] | None:
    newest = next(
        (m for m in backups.list_backups(backups.backup_dir(settings)) if m.verified), None
    )
    if newest is None:
        return None
    return {
        "file": newest.file,
        "taken_at_ms": newest.taken_at_ms,
        "size": newest.size,
        "verified": newest.verified,
    }


@dataclass
class DatabaseCheckCache:
    """The database check reads the whole file (``quick_check``): on a 2 GB store that is
    seconds of disk, too much for a report every minute. The report reuses its last answer
    for an hour; every other check runs each time."""

    at_ms: int | None = None
    findings: list[Finding] = field(default_factory=list)


DATABASE_EVERY_MS = 3600_000


async def fleet_report(node: Node) -> dict[str, Any]:
    """What HQ's fleet page shows of this store: the doctor's report (live), open alerts,
    the software version and the last verified backup."""
    cache = node.parts.setdefault(DatabaseCheckCache, DatabaseCheckCache)
    now = node.now_ms()
    fresh = cache.at_ms is None or now - cache.at_ms >= DATABASE_EVERY_MS
    database = [k for k in CHECKS if k.name == "database"]
    others = [k for k in CHECKS if k.name != "database"]
    if fresh:
        cache.findings, rest = await asyncio.gather(
            service.run_doctor(node, checks=database), service.run_doctor(node, checks=others)
        )
        cache.at_ms = now
    else:
        rest = await service.run_doctor(node, checks=others)
    findings = [*cache.findings, *rest]
    report = service.report_json(findings)
    alerts = await asyncio.to_thread(open_alerts, node)
    backup = await asyncio.to_thread(_last_backup, node.settings)
    return {
        "store_id": node.settings.store_id,
        "version": __version__,
        "reported_at_ms": node.now_ms(),
        "report": {"worst": report["worst"], "findings": report["findings"]},
        "alerts": alerts,
        "backup": backup,
    }


def queue_backup(node: Node, manifest: backups.Manifest) -> None:
    """After a verified backup: queue its copy for HQ and send it now if HQ answers."""
    if not manifest.verified:
        return
    reporter = reports.reporter_of(node)
    reporter.queue_backup(
        reports.QueuedBackup(
            path=backups.backup_dir(node.settings) / manifest.file,
            sha256=manifest.sha256,
            size=manifest.size,
            taken_at_ms=manifest.taken_at_ms,
            manifest=asdict(manifest),
        )
    )
    reporter.kick()


def on_build(node: Node) -> None:
    config = FleetConfig()
    reporter = reports.reporter_of(node)
    reporter.produce = lambda: fleet_report(node)
    reporter.every_s = config.report_every_s
    runner = node.parts.find(BackupRunner)
    if runner is not None and config.backup_to_hq:
        runner.after.append(lambda manifest: queue_backup(node, manifest))


async def on_stop(node: Node) -> None:
    reporter = node.parts.find(reports.FleetReporter)
    if reporter is not None:
        await reporter.stop()


MODULE = Module("fleet", on_build=on_build, on_stop=on_stop)


# -- bringing a copy back ----------------------------------------------------------------------


def _hq_client(settings: Settings) -> HqClient:
    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            state = load_state(conn)
            credential = load_credential(conn)
    finally:
        engine.dispose()
    if state is None or credential is None:
        raise LookupError("this store is not joined to an HQ (hearth sync enrol first)")
    return HqClient(state.hq_url, credential)


async def fetch_from_hq(
    settings: Settings, name: str | None = None, client: HqClient | None = None
) -> backups.Manifest:
    """The newest copy HQ keeps (or the one named), downloaded into the backup folder with its
    digest checked, opened and integrity-checked, with its manifest: ready for restore."""
    client = client or _hq_client(settings)
    try:
        listed = await reports.list_hq_backups(client)
        chosen = next((b for b in listed if name is None or b["name"] == name), None)
        if chosen is None:
            raise LookupError(
                f"HQ keeps no backup {name!r} of this store"
                if name
                else "HQ keeps no backup of this store"
            )
        folder = backups.backup_dir(settings)
        path, digest = await reports.fetch_hq_backup(client, chosen["name"], folder)
    finally:
        await client.aclose()
    problems = await asyncio.to_thread(backups.check_file, path)
    top = await asyncio.to_thread(backups.live_top_of, path)
    kept = dict(chosen.get("manifest") or {})
    manifest = backups.Manifest(
        file=path.name,
        store_id=str(kept.get("store_id") or settings.store_id),
        taken_at_ms=int(kept.get("taken_at_ms") or chosen["taken_at_ms"]),
        taken_at=str(kept.get("taken_at") or ""),
        journal_top=top or 0,
        totals=dict(kept.get("totals") or {}),
        digest=kept.get("digest"),
        size=path.stat().st_size,
        sha256=digest,
        verified=not problems and bool(kept.get("verified", True)),
        problems=problems,
    )
    backups.write_manifest(path, manifest)
    return manifest
