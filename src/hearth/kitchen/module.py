"""The kitchen module's contribution: stations, tickets, routing and the printer fallback."""

from hearth.core.module import Module
from hearth.kitchen import api, lifecycle, projections
from hearth.kitchen.errors import KitchenError

MODULE = Module("kitchen", projectors=projections.projectors, routers=(api.router,),
                subscribers=lifecycle.subscribers, on_start=lifecycle.on_start,
                on_stop=lifecycle.on_stop, errors=KitchenError)
