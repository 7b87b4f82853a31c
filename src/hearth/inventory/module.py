"""The inventory module's contribution: ingredients, recipes, stock moves from the journal and
the dishes it sells out when an ingredient runs out."""

from hearth.core.module import Module
from hearth.inventory import api, handlers, projections
from hearth.inventory.errors import InventoryError

MODULE = Module(
    "inventory",
    projectors=projections.projectors,
    routers=(api.router,),
    subscribers=handlers.subscribers,
    errors=InventoryError,
    ready=lambda node: "ready",
)
