"""The ops module's contribution: ``hearth doctor`` over the API (it reads every module)."""

from hearth.core.module import Module
from hearth.ops import api

MODULE = Module("ops", routers=(api.router,))
