"""The staff module's contribution: staff, terminals, sign-in, and the check of every caller
against staff and devices as they are now."""

from hearth.core.module import Module
from hearth.staff import access, api, projections
from hearth.staff.errors import StaffError

MODULE = Module(
    "staff",
    projectors=projections.projectors,
    routers=(api.router,),
    public_routes=api.PUBLIC_ROUTES,
    on_build=access.install,
    errors=StaffError,
)
