"""The store's health and backups, sent to HQ alongside the journal.

After a round HQ answered, the sync loop calls ``after_round`` (one call, never waited for):
when a report is due (every ``every_s``, 60 s) or a backup copy is queued, a task of its own
posts the doctor's report, open alerts, version and last backup (``POST /sync/v1/report``),
then uploads each queued backup. Sync sits below the doctor in the layers, so it never calls
it: the ops module puts the function that makes the report here (``FleetReporter.produce``).

A backup copy is streamed from the file through gzip in parts of at most 768 KiB (HQ's body
limit is 1 MiB), each part a request HQ appends in order, then ``complete`` with the
database's SHA-256 and size, which HQ checks against what it inflates before keeping the copy.
A fetch streams a copy back, inflating it to disk and checking the same digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import structlog

from hearth.core.node import Node
from hearth.sync.client import HqClient, HqRefused, HqUnavailable
from hearth.sync.service import ClientFactory, load_credential, load_state

log = structlog.get_logger(__name__)

PART_BYTES = 768 * 1024
READ_BYTES = 256 * 1024
REPORT_TIMEOUT_S = 12.0  # the doctor's own deadline is ~6 s; this is its outer bound

Producer = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class QueuedBackup:
    path: Path
    sha256: str
    size: int
    taken_at_ms: int
    manifest: dict[str, Any]


@dataclass
class FleetReporter:
    """The node's part that sends reports and backup copies to HQ."""

    node: Node
    produce: Producer | None = None  # set by the ops module (above sync in the layers)
    every_s: float = 60.0
    client_factory: ClientFactory | None = None
    last_sent_ms: int | None = None
    last_error: str | None = None
    sent: int = 0
    uploaded: list[str] = field(default_factory=list)
    queued: list[QueuedBackup] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def due(self) -> bool:
        if self.queued:
            return True
        if self.produce is None:
            return False
        return (
            self.last_sent_ms is None
            or self.node.now_ms() - self.last_sent_ms >= self.every_s * 1000
        )

    def kick(self) -> None:
        """Start a send if one is due and none is running. Outside the node's event loop (a
        CLI, a test) it only leaves the work queued for the next answered round."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        if (self.task is None or self.task.done()) and self.due():
            self.task = asyncio.create_task(self.send_now(), name="hearth-fleet-report")

    def queue_backup(self, backup: QueuedBackup) -> None:
        self.queued = [b for b in self.queued if b.path != backup.path] + [backup]

    def _client(self) -> HqClient | None:
        with self.node.engine.connect() as conn:
            state = load_state(conn)
            credential = load_credential(conn)
        if state is None or credential is None or state.status != "ok":
            return None
        make = self.client_factory or (lambda url, cred: HqClient(url, cred))
        return make(state.hq_url, credential)

    async def send_now(self) -> None:
        """One report (when a producer is set) and every queued backup; failures are kept in
        ``last_error`` and tried again after the next answered round."""
        client = await asyncio.to_thread(self._client)
        if client is None:
            return
        try:
            if self.produce is not None:
                body = await asyncio.wait_for(self.produce(), REPORT_TIMEOUT_S)
                await client._call("POST", "/sync/v1/report", body=body, gz=True)
                self.last_sent_ms, self.sent = self.node.now_ms(), self.sent + 1
            while self.queued:
                backup = self.queued[0]
                await upload_backup(client, backup)
                self.queued.pop(0)
                self.uploaded.append(backup.path.name)
            self.last_error = None
        except (HqUnavailable, HqRefused, OSError, TimeoutError) as exc:
            self.last_error = str(exc)[:300]
            log.warning("sync.report_failed", error=self.last_error)
        except Exception as exc:  # never into the sync loop: it only asked us to start
            self.last_error = repr(exc)[:300]
            log.exception("sync.report_failed")
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None


def reporter_of(node: Node) -> FleetReporter:
    return node.parts.setdefault(FleetReporter, lambda: FleetReporter(node))


def after_round(node: Node, answered: bool) -> None:
    """The sync loop's one call after each round: when HQ answered and something is due,
    start sending it in the background (the loop never waits for it)."""
    if not answered:
        return
    reporter = node.parts.find(FleetReporter)
    if reporter is not None:
        reporter.kick()


# -- backup copies ---------------------------------------------------------------------------


def _gzip_parts(path: Path, part_bytes: int = PART_BYTES) -> Iterator[bytes]:
    """The file as one gzip stream, cut into parts of at most ``part_bytes``, read a block at
    a time (a 2 GB store never sits in memory)."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, 31)
    buf = bytearray()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(READ_BYTES), b""):
            buf += deflater.compress(block)
            while len(buf) >= part_bytes:
                yield bytes(buf[:part_bytes])
                del buf[:part_bytes]
    buf += deflater.flush()
    while buf:
        yield bytes(buf[:part_bytes])
        del buf[:part_bytes]


async def _post_bytes(client: HqClient, path: str, data: bytes) -> dict[str, Any]:
    headers = {**client._headers(), "Content-Type": "application/gzip"}
    try:
        r = await client._http.post(path, content=data, headers=headers)
    except httpx.HTTPError as exc:
        raise HqUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from None
    if r.status_code >= 500:
        raise HqUnavailable(f"HQ answered {r.status_code}")
    body = r.json() if r.content else {}
    if r.status_code >= 300:
        raise HqRefused(r.status_code, body if isinstance(body, dict) else {})
    return dict(body)


async def upload_backup(client: HqClient, backup: QueuedBackup) -> dict[str, Any]:
    """Stream one verified backup to HQ (gzip, in parts) and have HQ check its digest."""
    name = backup.path.name
    parts = _gzip_parts(backup.path)
    n = 0
    while (part := await asyncio.to_thread(next, parts, None)) is not None:
        await _post_bytes(client, f"/sync/v1/backups/{name}/parts/{n}", part)
        n += 1
    done = await client._call(
        "POST",
        f"/sync/v1/backups/{name}/complete",
        body={
            "parts": n,
            "sha256": backup.sha256,
            "size": backup.size,
            "taken_at_ms": backup.taken_at_ms,
            "manifest": backup.manifest,
        },
    )
    log.info("sync.backup_copied", file=name, parts=n, size=backup.size)
    return done


async def list_hq_backups(client: HqClient) -> list[dict[str, Any]]:
    data = await client._call("GET", "/sync/v1/backups")
    return list(data.get("backups") or [])


class ChecksumMismatch(Exception):
    """The copy HQ sent back is not the backup it said (damaged on the way or at HQ)."""


async def fetch_hq_backup(client: HqClient, name: str, folder: Path) -> tuple[Path, str]:
    """Download one copy, inflating it to ``folder/name`` as it streams, and check the
    database's SHA-256 against HQ's header; the file and its digest. A mismatch leaves no file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = target.with_suffix(".fetching")
    h = hashlib.sha256()
    inflater = zlib.decompressobj(wbits=31)
    try:
        async with client._http.stream(
            "GET", f"/sync/v1/backups/{name}", headers=client._headers()
        ) as r:
            if r.status_code >= 300:
                await r.aread()
                raise HqRefused(r.status_code, r.json() if r.content else {})
            expected = r.headers.get("x-backup-sha256", "")
            with partial.open("wb") as f:
                async for chunk in r.aiter_bytes():
                    out = inflater.decompress(chunk)
                    h.update(out)
                    f.write(out)
                out = inflater.flush()
                h.update(out)
                f.write(out)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise HqUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from None
    except (zlib.error, HqRefused):
        partial.unlink(missing_ok=True)
        raise
    digest = h.hexdigest()
    if not inflater.eof or not expected or digest != expected:
        partial.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"{name} from HQ has SHA-256 {digest[:12]}…, HQ says {expected[:12] or 'nothing'}…"
        )
    partial.replace(target)
    return target, digest
