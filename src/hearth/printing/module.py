"""The printing module's contribution: printers, the print queue and its worker, and the
kitchen's way to paper."""

from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client.metrics_core import Metric

from hearth.core.metrics import gauge
from hearth.core.module import Module
from hearth.core.node import Node
from hearth.printing import api, lifecycle, projections
from hearth.printing.errors import PrintingError
from hearth.printing.tables import printers
from hearth.printing.worker import PrintWorker

PRINTER_STATES = ("unknown", "online", "slow", "offline", "fault")
PRINTER_REASONS = ("paper_out", "cover_open", "paper_low")  # what ESC/POS status says

MODULE = Module(
    "printing",
    projectors=projections.projectors,
    routers=(api.router,),
    public_routes=api.PUBLIC_ROUTES,
    on_build=lifecycle.on_build,
    on_start=lifecycle.on_start,
    on_stop=lifecycle.on_stop,
    errors=PrintingError,
    ready=lambda node: ready(node),
    metrics=lambda node: metrics(node),
)


def _states(node: Node) -> dict[str, str]:
    """Each enabled printer's last probed state, by name."""
    worker = node.parts.find(PrintWorker)
    with node.engine.connect() as conn:
        rows = conn.execute(
            sa.select(printers.c.id, printers.c.name).where(printers.c.enabled)
        ).all()
    health = worker.health if worker is not None else {}
    return {name: health[pid].state if pid in health else "unknown" for pid, name in rows}


def ready(node: Node) -> str:
    """Down when no enabled printer answers (tickets wait queued), degraded when some do not."""
    if node.parts.find(PrintWorker) is None:
        return "down"
    states = _states(node).values()
    bad = [s for s in states if s in ("offline", "fault")]
    if states and len(bad) == len(states):
        return "down"
    return "degraded" if bad else "ready"


def metrics(node: Node) -> Iterator[Metric]:
    states = _states(node)
    yield gauge(
        "hearth_printer_up",
        "1 when the printer answered its last probe.",
        ["printer"],
        (([name], 1 if s in ("online", "slow") else 0) for name, s in states.items()),
    )
    yield gauge(
        "hearth_printer_status",
        "1 for the printer's current state.",
        ["printer", "state"],
        (([name, st], 1 if s == st else 0) for name, s in states.items() for st in PRINTER_STATES),
    )
    worker = node.parts.find(PrintWorker)
    with node.engine.connect() as conn:
        named = conn.execute(
            sa.select(printers.c.id, printers.c.name).where(printers.c.enabled)
        ).all()
    health = worker.health if worker is not None else {}
    yield gauge(
        "hearth_printer_condition",
        "1 while the printer reports this condition over ESC/POS status (DLE EOT 2/4).",
        ["printer", "condition"],
        (
            ([name, c], 1 if pid in health and health[pid].reason == c else 0)
            for pid, name in named
            for c in PRINTER_REASONS
        ),
    )
