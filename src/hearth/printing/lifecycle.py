"""What this module runs beside the API: the print worker and the printers' health checks."""

from __future__ import annotations

from fastapi import FastAPI

from hearth.core.subscribers import Subscriber
from hearth.node import Node
from hearth.printing.worker import PrintWorker

WORKER_KEY = "printing.worker"


def subscribers(node: Node) -> list[Subscriber]:
    """Printing needs no journal subscriber: jobs are queued by events in the caller's own
    transaction and the worker reads them from the print_jobs projection."""
    return []


def worker_of(node: Node) -> PrintWorker | None:
    w = node.extras.get(WORKER_KEY)
    return w if isinstance(w, PrintWorker) else None


async def on_start(app: FastAPI, node: Node) -> None:
    """Start sending queued jobs (including those left from before a restart)."""
    worker = PrintWorker(node)
    node.extras[WORKER_KEY] = worker
    await worker.start()


async def on_stop(app: FastAPI, node: Node) -> None:
    """Stop the worker; a job cut off mid-send stays queued and prints after the restart."""
    worker = worker_of(node)
    if worker is not None:
        await worker.stop()
        node.extras.pop(WORKER_KEY, None)
