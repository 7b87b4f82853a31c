"""The QR table-ordering channel's contribution: diners order from their phones."""

from hearth.channels.qr import api
from hearth.channels.qr.errors import QrError
from hearth.core.module import Module

MODULE = Module("qr", routers=(api.router,), public_routes=api.PUBLIC_ROUTES, errors=QrError)
