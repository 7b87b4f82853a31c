"""The ops module's contribution: ``hearth doctor`` over the API (it reads every module)."""

from hearth.core.journal import ProjectorRegistry
from hearth.core.module import Module
from hearth.ops import alerts, alerts_api, api, drills, drills_api, projections

MODULE = Module(
    "ops",
    projectors=ProjectorRegistry.merge(projections.projectors, drills.projectors),
    routers=(api.router, alerts_api.router, drills_api.router),
    on_build=alerts.on_build,
    on_start=alerts.on_start,
    on_stop=alerts.on_stop,
    metrics=alerts.metrics,
)
