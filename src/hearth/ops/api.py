"""Doctor routes: the report the admin page's Health tab shows, and its safe-fix button."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hearth.core.api import IdempotencyKeyDep, NodeDep, Principal, require
from hearth.core.permissions import Permission
from hearth.ops import service

router = APIRouter(prefix="/api/ops", tags=["ops"])

Reader = Annotated[Principal, Depends(require(Permission.OPS_READ))]
Fixer = Annotated[Principal, Depends(require(Permission.OPS_FIX))]


@router.get("/doctor", summary="Every check of the store: what broke, what works, the fix")
async def get_doctor(node: NodeDep, _: Reader) -> dict[str, Any]:
    return service.report_json(await service.run_doctor(node))


@router.post("/doctor/fix", summary="Apply the safe fixes, then check again")
async def post_fix(node: NodeDep, _: Fixer, key: IdempotencyKeyDep) -> dict[str, Any]:
    """Safe to repeat: every safe fix (a checkpoint, a probe, a wake-up, a settle pass) only
    brings the store closer to well, so a retry under the same key does no harm; the answer
    is what was done and the report after it."""
    fixes = await service.apply_safe_fixes(node, await service.run_doctor(node))
    return service.report_json(await service.run_doctor(node), fixes)
