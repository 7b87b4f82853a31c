"""The ops module's contribution: ``hearth doctor`` over the API (it reads every module)."""

from hearth.core.module import Module
from hearth.ops import alerts, alerts_api, api, projections

MODULE = Module(
    "ops",
    projectors=projections.projectors,
    routers=(api.router, alerts_api.router),
    on_build=alerts.on_build,
    on_start=alerts.on_start,
    on_stop=alerts.on_stop,
)
