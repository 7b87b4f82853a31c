"""Store settings routes: every signed-in staff member may read them; managers change them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from hearth.core.api import (
    CommandDep,
    MultilineText,
    NodeDep,
    Principal,
    Strict,
    require,
)
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.store import service

router = APIRouter(prefix="/api/store", tags=["store"])

Reader = Annotated[Principal, Depends(require(Permission.SELF))]
Admin = Annotated[Principal, Depends(require(Permission.STORE_ADMIN))]


class SettingsIn(Strict):
    """The complete settings. Lengths are checked again in the domain with clear messages."""

    name_zh: str = Field(max_length=400)
    name_en: str = Field(max_length=400)
    address: MultilineText = Field(default="", max_length=1000)  # printed on two lines
    phone: str = Field(default="", max_length=200)
    service_charge_bp: int = Field(
        default=0,
        ge=0,
        le=3000,
        description="Default service charge in basis points (1000 = 10%) for new dine-in orders",
    )
    receipt_footer_zh: MultilineText = Field(default="", max_length=1000)
    receipt_footer_en: MultilineText = Field(default="", max_length=1000)
    cash_rounding: str = Field(
        default="none", max_length=20, description="none | jiao | half_yuan | yuan"
    )
    languages: list[str] = Field(default_factory=lambda: ["zh", "en"], max_length=5)
    default_language: str = Field(default="zh", max_length=5)
    qr_self_seating: bool = Field(
        default=False,
        description="A diner's first scan may seat a "
        "free table; its first send then waits for staff",
    )
    qr_max_per_line: int = Field(default=20, description="Most portions on one QR order line")
    qr_max_per_order: int = Field(default=60, description="Most portions on one QR order")
    qr_changes_per_minute: int = Field(
        default=20, description="Most diner changes per table per minute"
    )
    qr_confirm_above: int = Field(
        default=100_000,
        description="A QR order above this total "
        "(fen) waits for staff before the kitchen; 0 = never",
    )
    version: int | None = Field(
        default=None, ge=0, description="The version you loaded; a stale one is refused"
    )


@router.get("/settings", summary="The store's name, address, receipt footer, rounding")
def get_settings(node: NodeDep, _: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.settings_json(conn, node.settings.store_id)


@router.put("/settings", summary="Replace the store settings (a complete value)")
async def put_settings(body: SettingsIn, cmd: CommandDep, staff: Admin) -> Any:
    raw = body.model_dump(exclude={"version"})

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.change_settings(tx, raw, body.version, staff.staff_id)

    return await cmd.run(staff, body.model_dump(), command)
