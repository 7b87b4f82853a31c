"""The kiosk channel's contribution: guests order and pay on a self-service screen."""

from hearth.channels.kiosk import api
from hearth.channels.kiosk.errors import KioskError
from hearth.core.module import Module

MODULE = Module("kiosk", routers=(api.router,), public_routes=api.PUBLIC_ROUTES, errors=KioskError)
