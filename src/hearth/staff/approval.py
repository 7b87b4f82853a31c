"""A manager's approval of one action (a void, a discount, a refund), entered on the cashier's
screen: the manager's code and PIN, checked like a sign-in and counted towards the same
lockout, so an approval prompt is no way round the PIN rules."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from hearth.core.api import Strict
from hearth.core.node import Node
from hearth.core.permissions import APPROVERS
from hearth.staff import domain as staff_domain
from hearth.staff import service as staff_service
from hearth.staff.errors import StaffError


class Approval(Strict):
    """A manager's code and PIN, entered on the cashier's screen to authorise one action."""

    staff_code: str = Field(min_length=1, max_length=20)
    pin: str = Field(min_length=staff_domain.PIN_MIN_DIGITS, max_length=staff_domain.PIN_MAX_DIGITS)


async def verify_approval(node: Node, approval: Approval | None, for_action: str) -> str | None:
    """The approving manager's id, or None when no approval was given.

    A wrong PIN counts towards the approver's lockout, like a wrong login.
    """
    if approval is None:
        return None
    with node.engine.connect() as conn:
        record = staff_service.find_by_code(conn, node.settings.store_id, approval.staff_code)
    now = node.now_ms()  # the node's clock: a test steps it through a 30-minute lockout
    if record is None or not record.active:
        raise StaffError.APPROVAL_INVALID.problem(
            "That manager code or PIN is not right.", field="approval"
        )
    s = node.settings
    if record.lock.is_locked(now):
        raise staff_domain.locked_problem(record.lock, now, s.timezone, field="approval")
    ok = await run_in_threadpool(node.hasher.verify, record.pin_hash, approval.pin)
    state = await node.writer.submit(
        lambda tx: staff_service.record_attempt(
            tx,
            record.id,
            ok,
            now,
            policy=staff_service.lockout_policy(s),
            purpose=f"approval:{for_action}",
        )
    )
    if state.is_locked(now):  # this wrong PIN locked it, or another guess did meanwhile
        raise staff_domain.locked_problem(state, now, s.timezone, field="approval")
    if not ok:
        raise StaffError.APPROVAL_INVALID.problem(
            "That manager code or PIN is not right.", field="approval"
        )
    if record.role not in APPROVERS:
        raise StaffError.APPROVAL_NOT_A_MANAGER.problem(
            f"{record.name} is a {record.role.value}; ask a manager.", field="approval"
        )
    return record.id
