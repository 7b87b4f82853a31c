"""What this module runs beside the API: the print worker and the printers' health checks."""

from __future__ import annotations

from hearth.core.node import Node
from hearth.kitchen.fallback import Paper
from hearth.printing import service
from hearth.printing.worker import PrintWorker


def on_build(node: Node) -> None:
    """Give the kitchen its way to paper (it sits below printing and cannot import it)."""
    node.parts.put(Paper(service.enqueue))


def worker_of(node: Node) -> PrintWorker | None:
    return node.parts.find(PrintWorker)


async def on_start(node: Node) -> None:
    """Start sending queued jobs (including those left from before a restart).

    Printing needs no journal subscriber: jobs are queued by events in the caller's own
    transaction and the worker reads them from the print_jobs projection."""
    worker = PrintWorker(node)
    node.parts.put(worker)
    await worker.start()


async def on_stop(node: Node) -> None:
    """Stop the worker; a job cut off mid-send stays queued and prints after the restart."""
    worker = node.parts.pop(PrintWorker)
    if worker is not None:
        await worker.stop()
