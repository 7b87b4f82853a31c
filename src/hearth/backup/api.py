"""Backup routes: the owner's "Back up now" button and the list of backups kept."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hearth.backup import service
from hearth.backup.errors import BackupError
from hearth.backup.lifecycle import BackupRunner
from hearth.core.api import IdempotencyKeyDep, NodeDep, Principal, require
from hearth.core.node import Node
from hearth.core.permissions import Permission

router = APIRouter(prefix="/api/backup", tags=["backup"])

Reader = Annotated[Principal, Depends(require(Permission.BACKUP_READ))]
Owner = Annotated[Principal, Depends(require(Permission.BACKUP_RUN))]


def _runner(node: Node) -> BackupRunner:
    runner = node.parts.find(BackupRunner)
    if runner is None:
        raise BackupError.NOT_SQLITE.problem(
            "This node's database is not a SQLite file.", field="db"
        )
    return runner


def _json(m: service.Manifest, now_ms: int) -> dict[str, Any]:
    return {**asdict(m), "age_s": round(m.age_s(now_ms), 1)}


@router.get("", summary="The backups kept, newest first, with verified flags and ages")
def list_backups(node: NodeDep, _: Reader) -> dict[str, Any]:
    now = node.clock.now_ms()
    runner = node.parts.find(BackupRunner)
    kept = service.list_backups(service.backup_dir(node.settings))
    return {
        "dir": str(service.backup_dir(node.settings)),
        "interval_s": node.settings.backup_interval_s,
        "last_error": runner.last_error if runner else None,
        "backups": [_json(m, now) for m in kept],
    }


@router.post("/now", summary="Back up now: take one backup, verify it, rotate")
async def backup_now(node: NodeDep, _: Owner, key: IdempotencyKeyDep) -> dict[str, Any]:
    """A retry with the same key answers with the backup the first call took (no second
    copy)."""
    runner = _runner(node)
    done = runner.answered.get(key)
    manifest = done if done is not None else await runner.take()
    runner.remember(key, manifest)
    return _json(manifest, node.clock.now_ms())
