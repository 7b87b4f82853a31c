"""The members module's contribution: profiles, the points and stored-value ledger, coupons,
and the check payments runs before charging a member's stored value (HQ's offline allowance).

A charge, refund or top-up payments makes on a member's account is posted to the member ledger
by members' projector of ``StoredValueChanged``, in the same transaction: no second event."""

from hearth.core.module import Module
from hearth.members import api, feed, projections, service, signin
from hearth.members.errors import MembersError
from hearth.payments import accounts

if service.check_charge not in accounts.charge_checks:
    accounts.charge_checks.append(service.check_charge)

MODULE = Module(
    "members",
    projectors=projections.projectors,
    routers=(signin.router, api.router),
    public_routes=signin.PUBLIC_ROUTES,
    on_start=feed.on_start,
    on_stop=feed.on_stop,
    errors=MembersError,
    ready=lambda node: "ready",
)
