"""The delivery channel's contribution: platform webhooks, pacing and status callbacks."""

from hearth.channels.delivery import api, lifecycle, projections
from hearth.channels.delivery.errors import DeliveryError
from hearth.core.module import Module

MODULE = Module(
    "delivery",
    projectors=projections.projectors,
    routers=(api.router,),
    public_routes=api.PUBLIC_ROUTES,
    subscribers=lifecycle.subscribers,
    on_start=lifecycle.on_start,
    on_stop=lifecycle.on_stop,
    errors=DeliveryError,
)
