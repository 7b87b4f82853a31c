"""The sync module's contribution: the store's side of HQ sync (upload, catalogue, restore)."""

from collections.abc import Iterator

from prometheus_client.metrics_core import Metric

from hearth.core.metrics import gauge
from hearth.core.module import Module
from hearth.core.node import Node
from hearth.sync import api, lifecycle
from hearth.sync.errors import SyncError

MODULE = Module(
    "sync",
    routers=(api.router,),
    on_build=lifecycle.on_build,
    on_start=lifecycle.on_start,
    on_stop=lifecycle.on_stop,
    errors=SyncError,
    ready=lambda node: ready(node),
    metrics=lambda node: metrics(node),
)


def ready(node: Node) -> str:
    """Not joined to an HQ: nothing to do. Refused by HQ: down. Unreachable or stuck:
    degraded (the store runs on; events wait)."""
    status = api.status_json(node)
    if not status["enrolled"]:
        return "ready"
    if status["status"] in ("diverged", "fenced", "revoked"):
        return "down"
    return "degraded" if status["alarms"] else "ready"


def metrics(node: Node) -> Iterator[Metric]:
    status = api.status_json(node)
    yield gauge(
        "hearth_sync_backlog_events",
        "Journal events not yet acknowledged by HQ.",
        [],
        [([], status["events_waiting"])],
    )
    yield gauge(
        "hearth_sync_enrolled",
        "1 when this store syncs with an HQ.",
        [],
        [([], 1 if status["enrolled"] else 0)],
    )
    yield gauge(
        "hearth_sync_hq_reachable",
        "1 while HQ answers (0 when not enrolled).",
        [],
        [([], 1 if status["hq_reachable"] else 0)],
    )
    last = status["last_ok_at_ms"]
    yield gauge(
        "hearth_sync_last_success_timestamp_seconds",
        "When HQ last acknowledged an upload (Unix seconds; 0 never).",
        [],
        [([], last / 1000 if last else 0)],
    )
