"""The printing module's contribution: printers, the print queue and its worker, and the
kitchen's way to paper."""

from hearth.core.module import Module
from hearth.printing import api, lifecycle, projections
from hearth.printing.errors import PrintingError

MODULE = Module("printing", projectors=projections.projectors, routers=(api.router,),
                public_routes=api.PUBLIC_ROUTES, on_build=lifecycle.on_build,
                on_start=lifecycle.on_start, on_stop=lifecycle.on_stop, errors=PrintingError)
