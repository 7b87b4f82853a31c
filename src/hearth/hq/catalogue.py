"""The chain catalogue as a versioned log: HQ publishes, stores pull from their version.

One version sequence runs across every scope (``chain`` and each ``store:<id>``), so a store
reads its chain versions and its own as one ordered log and one number says which catalogue it
sold from. Versions older than the last K of a scope are folded into that scope's snapshot; a
store whose version is below the floor gets the snapshot (chain, then its own scope: a store's
own prices override the chain's) and the versions after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hearth.hq import domain as d
from hearth.hq.context import HQ, upsert
from hearth.hq.tables import catalogue_snapshots, catalogue_versions

PUBLISH_TRIES = 5


def _scopes(store_id: str) -> list[str]:
    return ["chain", f"store:{store_id}"]


def _top(conn: Connection, scopes: Sequence[str] | None = None) -> int:
    tops = []
    for table in (catalogue_versions, catalogue_snapshots):
        q = sa.select(sa.func.max(table.c.version))
        if scopes is not None:
            q = q.where(table.c.scope.in_(scopes))
        tops.append(conn.execute(q).scalar() or 0)
    return int(max(tops))


def publish(hq: HQ, scope: str, events: list[dict[str, Any]], by: str | None) -> int:
    """A new catalogue version for ``scope``; returns its number. Two HQ workers publishing at
    once both succeed: the loser of the unique version retries with the next number."""
    d.check_scope(scope)
    d.check_catalogue_events(events)
    clean = [{"type": ev["type"], "payload": ev["payload"]} for ev in events]
    for attempt in range(PUBLISH_TRIES):
        try:
            with hq.engine.begin() as conn:
                version = _top(conn) + 1
                conn.execute(
                    catalogue_versions.insert().values(
                        scope=scope,
                        version=version,
                        events=clean,
                        published_at_ms=hq.clock.now_ms(),
                        published_by=by,
                    )
                )
                _compact(conn, scope, hq.catalogue_keep, hq.clock.now_ms())
                return version
        except IntegrityError:
            if attempt == PUBLISH_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def _compact(conn: Connection, scope: str, keep: int, now: int) -> None:
    held = [
        int(v)
        for v in conn.execute(
            sa.select(catalogue_versions.c.version).where(catalogue_versions.c.scope == scope)
        ).scalars()
    ]
    floor = d.compaction_floor(held, keep)
    if floor is None:
        return
    snap = conn.execute(
        sa.select(catalogue_snapshots).where(catalogue_snapshots.c.scope == scope)
    ).first()
    folded = conn.execute(
        sa.select(catalogue_versions.c.version, catalogue_versions.c.events)
        .where(catalogue_versions.c.scope == scope, catalogue_versions.c.version <= floor)
        .order_by(catalogue_versions.c.version)
    ).all()
    # Each event keeps its version, so a pull can put several scopes' snapshots in log order.
    events = d.tagged(int(snap.version), snap.events) if snap is not None else []
    for version, evs in folded:
        events.extend(d.tagged(int(version), evs))
    stmt = upsert(conn, catalogue_snapshots).values(
        scope=scope, version=floor, events=events, compacted_at_ms=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[catalogue_snapshots.c.scope],
            set_={
                "version": stmt.excluded.version,
                "events": stmt.excluded.events,
                "compacted_at_ms": stmt.excluded.compacted_at_ms,
            },
        )
    )
    conn.execute(
        catalogue_versions.delete().where(
            catalogue_versions.c.scope == scope, catalogue_versions.c.version <= floor
        )
    )


def latest_version(hq: HQ, store_id: str) -> int:
    with hq.engine.connect() as conn:
        return _top(conn, _scopes(store_id))


def pull(hq: HQ, store_id: str, after: int) -> dict[str, Any]:
    """The versions a store at ``after`` has not applied (a snapshot first when it is below
    the compaction floor)."""
    scopes = _scopes(store_id)
    with hq.engine.connect() as conn:
        snaps = {
            r.scope: r
            for r in conn.execute(
                sa.select(catalogue_snapshots).where(catalogue_snapshots.c.scope.in_(scopes))
            )
        }
        floor = max((int(s.version) for s in snaps.values()), default=0)
        body: dict[str, Any] = {}
        start = after
        if after < floor:
            covered = conn.execute(
                sa.select(catalogue_versions.c.version, catalogue_versions.c.events)
                .where(
                    catalogue_versions.c.scope.in_(scopes),
                    catalogue_versions.c.version <= floor,
                )
                .order_by(catalogue_versions.c.version)
            ).all()
            body["snapshot"] = {
                "version": floor,
                "events": d.in_log_order(
                    *(d.tagged(int(snaps[s].version), snaps[s].events) for s in snaps),
                    *(d.tagged(int(v), evs) for v, evs in covered),
                ),
            }
            start = floor
        rows = conn.execute(
            sa.select(catalogue_versions)
            .where(catalogue_versions.c.scope.in_(scopes), catalogue_versions.c.version > start)
            .order_by(catalogue_versions.c.version)
        )
        body["versions"] = [
            {"version": int(r.version), "scope": r.scope, "events": r.events} for r in rows
        ]
        body["latest"] = _top(conn, scopes)
    return body
