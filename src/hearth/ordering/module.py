"""The ordering module's contribution: tables, orders and their lines."""

import sqlalchemy as sa

from hearth.core.module import Module
from hearth.core.node import Node
from hearth.ordering import api, projections
from hearth.ordering.errors import OrderingError


def ready(node: Node) -> str:
    """Orders can be taken while the writer runs and the database answers."""
    if not node.writer.running:
        return "down"
    with node.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    return "ready"


MODULE = Module(
    "ordering",
    projectors=projections.projectors,
    routers=(api.router,),
    errors=OrderingError,
    ready=ready,
)
