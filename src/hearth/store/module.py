"""The store module's contribution: store settings."""

from hearth.core.module import Module
from hearth.store import api, projections
from hearth.store.errors import StoreError

MODULE = Module(
    "store", projectors=projections.projectors, routers=(api.router,), errors=StoreError
)
