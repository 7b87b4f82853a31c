"""The payments module's contribution: tenders, providers with failover, the settler, refunds,
shifts and reconciliation."""

from hearth.core.module import Module
from hearth.payments import api, lifecycle, projections
from hearth.payments.errors import PaymentsError

MODULE = Module("payments", projectors=projections.projectors, routers=(api.router,),
                public_routes=api.PUBLIC_ROUTES, on_start=lifecycle.on_start,
                on_stop=lifecycle.on_stop, errors=PaymentsError)
