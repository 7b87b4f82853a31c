"""What HQ keeps of each store's health: its last doctor report, open alerts, version and
last backup (the fleet page and remote support read them), and the backups stores copy here.

Everything is keyed by the store the credential names, never by what a body says: a store
reads and writes its own rows and files only. A backup arrives as gzip in parts small enough
for HQ's body limit, appended in order to a partial file; on ``complete`` HQ inflates it once,
checks its size and SHA-256 against what the store said, and only then keeps it, with the last
``HEARTH_HQ_BACKUPS_KEEP`` (5) per store.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hearth.hq.context import HQ, upsert
from hearth.hq.errors import HQError
from hearth.hq.fleet_errors import FleetError
from hearth.hq.tables import fleet_backups, fleet_reports, stores

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.db$")
PART_MAX = 768 * 1024  # gzip bytes per part, under HQ's 1 MiB body limit
SEVERITIES = ("ok", "warn", "fail")


def keep_count() -> int:
    return max(1, int(os.environ.get("HEARTH_HQ_BACKUPS_KEEP", "5")))


def backup_root(hq: HQ) -> Path:
    """``HEARTH_HQ_BACKUP_DIR``, else ``store-backups`` beside HQ's SQLite file (the demo),
    else ``var/hq-backups``."""
    configured = os.environ.get("HEARTH_HQ_BACKUP_DIR")
    if configured:
        return Path(configured)
    url = hq.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "store-backups"
    return Path("var/hq-backups")


def _folder(hq: HQ, store_id: str) -> Path:
    # A store id is an owner's free text: the folder is named by its digest, never by it.
    return backup_root(hq) / hashlib.sha256(store_id.encode()).hexdigest()[:32]


def check_name(name: str) -> None:
    if not NAME.match(name) or ".." in name:
        raise FleetError.BACKUP_NAME_INVALID.problem(
            f"{name!r} is not a backup name.", field="name"
        )


# -- reports ---------------------------------------------------------------------------------


def record_report(hq: HQ, store_id: str, body: Mapping[str, Any]) -> int:
    """Keep the store's latest report (replacing the one before); HQ's time it arrived."""
    report = dict(body["report"])
    worst = str(report.get("worst", ""))
    if worst not in SEVERITIES:
        raise FleetError.REPORT_INVALID.problem(
            f"report.worst must be one of {', '.join(SEVERITIES)}.", field="report.worst"
        )
    findings = report.get("findings")
    if not isinstance(findings, list) or len(findings) > 500:
        raise FleetError.REPORT_INVALID.problem(
            "report.findings must be a list of at most 500 findings.", field="report.findings"
        )
    backup = body.get("backup") or {}
    now = hq.clock.now_ms()
    row = {
        "store_id": store_id,
        "version": str(body["version"]),
        "worst": worst,
        "report": {"worst": worst, "findings": findings},
        "alerts": list(body.get("alerts") or []),
        "backup_at_ms": backup.get("taken_at_ms"),
        "backup_bytes": backup.get("size"),
        "reported_at_ms": int(body["reported_at_ms"]),
        "received_at_ms": now,
    }
    with hq.engine.begin() as conn:
        stmt = upsert(conn, fleet_reports).values(**row)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["store_id"],
                set_={k: v for k, v in row.items() if k != "store_id"},
            )
        )
    return now


def _report_json(r: Any) -> dict[str, Any]:
    return {
        "version": r.version,
        "worst": r.worst,
        "findings": list((r.report or {}).get("findings") or []),
        "alerts": list(r.alerts or []),
        "backup_at_ms": r.backup_at_ms,
        "backup_bytes": r.backup_bytes,
        "reported_at_ms": r.reported_at_ms,
        "received_at_ms": r.received_at_ms,
    }


def reports(hq: HQ) -> dict[str, dict[str, Any]]:
    """Every store's last report, by store id (stores that never sent one are absent)."""
    with hq.engine.connect() as conn:
        rows = conn.execute(sa.select(fleet_reports)).all()
        kept = _kept_counts(conn)
    out = {r.store_id: _report_json(r) for r in rows}
    for store_id, (count, newest) in kept.items():
        out.setdefault(store_id, {})["hq_backups"] = {"count": count, "newest_at_ms": newest}
    return out


def _kept_counts(conn: sa.Connection) -> dict[str, tuple[int, int | None]]:
    return {
        str(s): (int(n), newest)
        for s, n, newest in conn.execute(
            sa.select(
                fleet_backups.c.store_id, sa.func.count(), sa.func.max(fleet_backups.c.taken_at_ms)
            )
            .where(fleet_backups.c.status == "kept")
            .group_by(fleet_backups.c.store_id)
        )
    }


def store_health(hq: HQ, store_id: str) -> dict[str, Any]:
    """One store for remote diagnosis: its sync cursor, last report and HQ's backups of it."""
    with hq.engine.connect() as conn:
        store = conn.execute(sa.select(stores).where(stores.c.store_id == store_id)).first()
        if store is None:
            raise HQError.STORE_NOT_FOUND.problem(f"No store {store_id!r} at HQ.")
        r = conn.execute(
            sa.select(fleet_reports).where(fleet_reports.c.store_id == store_id)
        ).first()
    return {
        "store_id": store_id,
        "name": store.name,
        "acked_seq": int(store.acked_seq),
        "reported_seq": store.reported_seq,
        "last_seen_at_ms": store.last_seen_at_ms,
        "report": _report_json(r) if r is not None else None,
        "hq_backups": list_backups(hq, store_id),
    }


# -- backups ---------------------------------------------------------------------------------


def _partial(hq: HQ, store_id: str, name: str) -> Path:
    return _folder(hq, store_id) / f"{name}.gz.partial"


def _kept_path(hq: HQ, store_id: str, name: str) -> Path:
    return _folder(hq, store_id) / f"{name}.gz"


def put_part(hq: HQ, store_id: str, name: str, n: int, data: bytes) -> int:
    """Append part ``n`` (0 starts over); a repeat of the part before is taken as done. The
    parts HQ holds of this backup."""
    check_name(name)
    if len(data) > PART_MAX:
        raise FleetError.BACKUP_PART_TOO_LARGE.problem(f"Parts are at most {PART_MAX} bytes.")
    path = _partial(hq, store_id, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = hq.clock.now_ms()
    with hq.engine.begin() as conn:
        row = conn.execute(
            sa.select(fleet_backups).where(
                fleet_backups.c.store_id == store_id, fleet_backups.c.name == name
            )
        ).first()
        held = int(row.parts) if row is not None and row.status == "partial" else 0
        if n == held - 1:  # the answer to the last part was lost; it is here already
            return held
        if n != 0 and n != held:
            raise FleetError.BACKUP_PART_OUT_OF_ORDER.problem(
                f"HQ holds {held} parts of {name}; send part {held} next (or 0 to start over).",
                extra={"parts": held},
            )
        with path.open("wb" if n == 0 else "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        values = {
            "status": "partial",
            "parts": n + 1,
            "gz_bytes": path.stat().st_size,
            "received_at_ms": now,
        }
        stmt = upsert(conn, fleet_backups).values(store_id=store_id, name=name, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=["store_id", "name"], set_=values))
    return n + 1


def _inflated_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of what the gzip file holds, read once at disk speed."""
    h = hashlib.sha256()
    size = 0
    inflater = zlib.decompressobj(wbits=31)
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                out = inflater.decompress(block)
                h.update(out)
                size += len(out)
        out = inflater.flush()
    except zlib.error as exc:
        raise FleetError.BACKUP_CHECKSUM.problem(f"The gzip stream is damaged ({exc}).") from None
    h.update(out)
    size += len(out)
    if not inflater.eof:
        raise FleetError.BACKUP_CHECKSUM.problem("The gzip stream is cut short.")
    return h.hexdigest(), size


def complete(
    hq: HQ,
    store_id: str,
    name: str,
    *,
    parts: int,
    sha256: str,
    size: int,
    taken_at_ms: int,
    manifest: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Check the whole backup against the store's checksum, keep it, drop the oldest."""
    check_name(name)
    path = _partial(hq, store_id, name)
    with hq.engine.connect() as conn:
        row = conn.execute(
            sa.select(fleet_backups).where(
                fleet_backups.c.store_id == store_id, fleet_backups.c.name == name
            )
        ).first()
    if row is not None and row.status == "kept" and row.sha256 == sha256:
        return _backup_json(row)  # completed before; the answer was lost
    if row is None or row.status != "partial" or int(row.parts) != parts or not path.exists():
        held = int(row.parts) if row is not None and row.status == "partial" else 0
        raise FleetError.BACKUP_PART_OUT_OF_ORDER.problem(
            f"HQ holds {held} parts of {name}, not {parts}.", extra={"parts": held}
        )
    digest, got = _inflated_digest(path)
    if digest != sha256 or got != size:
        path.unlink(missing_ok=True)
        with hq.engine.begin() as conn:
            conn.execute(
                fleet_backups.delete().where(
                    fleet_backups.c.store_id == store_id, fleet_backups.c.name == name
                )
            )
        raise FleetError.BACKUP_CHECKSUM.problem(
            f"{name} arrived as {got} bytes with SHA-256 {digest[:12]}…, not {size} bytes "
            f"with {sha256[:12]}…; send it again."
        )
    os.replace(path, _kept_path(hq, store_id, name))
    values = {
        "status": "kept",
        "size": size,
        "sha256": sha256,
        "manifest": dict(manifest) if manifest else None,
        "taken_at_ms": taken_at_ms,
        "received_at_ms": hq.clock.now_ms(),
    }
    with hq.engine.begin() as conn:
        conn.execute(
            fleet_backups.update()
            .where(fleet_backups.c.store_id == store_id, fleet_backups.c.name == name)
            .values(**values)
        )
    _rotate(hq, store_id)
    return next(b for b in list_backups(hq, store_id) if b["name"] == name)


def _rotate(hq: HQ, store_id: str) -> list[str]:
    keep = keep_count()
    with hq.engine.begin() as conn:
        rows = conn.execute(
            sa.select(fleet_backups.c.name)
            .where(fleet_backups.c.store_id == store_id, fleet_backups.c.status == "kept")
            .order_by(fleet_backups.c.taken_at_ms.desc(), fleet_backups.c.name.desc())
        ).all()
        dropped = [r.name for r in rows[keep:]]
        if dropped:
            conn.execute(
                fleet_backups.delete().where(
                    fleet_backups.c.store_id == store_id, fleet_backups.c.name.in_(dropped)
                )
            )
    for name in dropped:
        _kept_path(hq, store_id, name).unlink(missing_ok=True)
    return dropped


def _backup_json(r: Any) -> dict[str, Any]:
    return {
        "name": r.name,
        "size": r.size,
        "gz_bytes": r.gz_bytes,
        "sha256": r.sha256,
        "taken_at_ms": r.taken_at_ms,
        "received_at_ms": r.received_at_ms,
        "manifest": r.manifest,
    }


def list_backups(hq: HQ, store_id: str) -> list[dict[str, Any]]:
    """This store's backups HQ keeps, newest first."""
    with hq.engine.connect() as conn:
        rows = conn.execute(
            sa.select(fleet_backups)
            .where(fleet_backups.c.store_id == store_id, fleet_backups.c.status == "kept")
            .order_by(fleet_backups.c.taken_at_ms.desc(), fleet_backups.c.name.desc())
        ).all()
    return [_backup_json(r) for r in rows]


def backup_file(hq: HQ, store_id: str, name: str) -> tuple[Path, dict[str, Any]]:
    check_name(name)
    found = next((b for b in list_backups(hq, store_id) if b["name"] == name), None)
    path = _kept_path(hq, store_id, name)
    if found is None or not path.exists():
        raise FleetError.BACKUP_NOT_FOUND.problem(f"HQ keeps no backup {name!r} of this store.")
    return path, found
