"""The kitchen module's contribution: stations, tickets, routing and the printer fallback."""

from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client.metrics_core import Metric

from hearth.core.metrics import gauge
from hearth.core.module import Module
from hearth.core.node import Node
from hearth.kitchen import api, lifecycle, projections
from hearth.kitchen.domain import Status
from hearth.kitchen.errors import KitchenError
from hearth.kitchen.tables import stations, tickets

MODULE = Module(
    "kitchen",
    projectors=projections.projectors,
    routers=(api.router,),
    subscribers=lifecycle.subscribers,
    on_start=lifecycle.on_start,
    on_stop=lifecycle.on_stop,
    errors=KitchenError,
    ready=lambda node: "ready",
    metrics=lambda node: metrics(node),
)


def metrics(node: Node) -> Iterator[Metric]:
    """Tickets not yet bumped and the age of the oldest, per station, read at scrape time."""
    with node.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                stations.c.key, sa.func.count(tickets.c.id), sa.func.min(tickets.c.sent_at_ms)
            )
            .select_from(
                stations.outerjoin(
                    tickets,
                    sa.and_(
                        tickets.c.station_id == stations.c.id, tickets.c.status != Status.DONE.value
                    ),
                )
            )
            .group_by(stations.c.key)
        ).all()
    now = node.clock.now_ms()
    yield gauge(
        "hearth_kds_tickets_open",
        "Tickets sent and not yet bumped.",
        ["station"],
        (([key], n) for key, n, _ in rows),
    )
    yield gauge(
        "hearth_kds_oldest_ticket_age_seconds",
        "Age of the oldest ticket not yet bumped (0 with none).",
        ["station"],
        (([key], max(0, now - oldest) / 1000 if oldest else 0) for key, _, oldest in rows),
    )
