"""The ordering module's contribution: tables, orders and their lines."""

from hearth.core.module import Module
from hearth.ordering import api, projections

MODULE = Module("ordering", projectors=projections.projectors, routers=(api.router,))
