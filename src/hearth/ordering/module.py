"""The ordering module's contribution: tables, orders and their lines."""

from hearth.core.module import Module
from hearth.ordering import api, projections
from hearth.ordering.errors import OrderingError

MODULE = Module("ordering", projectors=projections.projectors, routers=(api.router,),
                errors=OrderingError)
