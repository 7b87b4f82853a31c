"""Members routes under /api/members: find and join at the till, profile and ledger, earn and
redeem points, top up stored value, coupons, rules and tiers. Phones are masked in every answer;
``POST /api/members/{id}/unmask`` (a manager, journaled) is the one way to see a whole number.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hearth.core.api import CommandDep, NodeDep, Principal, Strict, require
from hearth.core.calendar import business_date
from hearth.core.node import Node
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.members import importing, service
from hearth.members.errors import MembersError
from hearth.members.service import Who

router = APIRouter(prefix="/api/members", tags=["members"])

Reader = Annotated[Principal, Depends(require(Permission.MEMBER_READ))]
Server = Annotated[Principal, Depends(require(Permission.MEMBER_SERVE))]
Unmasker = Annotated[Principal, Depends(require(Permission.MEMBER_UNMASK))]
Admin = Annotated[Principal, Depends(require(Permission.MEMBER_ADMIN))]
Id = Annotated[str, Field(min_length=1, max_length=36)]
Money = Annotated[int, Field(gt=0, le=100_000_000)]  # fen: up to ¥1,000,000
Name = Annotated[str, Field(min_length=1, max_length=80)]
Phone = Annotated[str, Field(min_length=3, max_length=30)]
Tag = Annotated[str, Field(min_length=1, max_length=30)]


def _who(node: Node, staff: Principal) -> Who:
    return Who(staff.staff_id, node.now_ms(), node.settings.timezone)


def _today(node: Node) -> str:
    return business_date(node.now_ms(), node.settings.timezone)


# -- models ----------------------------------------------------------------------------------


class MemberOut(BaseModel):
    id: str
    code: str
    phone: str | None = Field(description="Masked (138****1234) unless unmasked")
    phone_masked: bool
    name: str
    birthday: str | None
    tier: str | None
    tags: list[str]
    consent_version: int | None
    status: str
    lifetime_points: int
    created_at_ms: int
    points: int = 0
    stored_value: int = 0
    paid: int | None = None
    bonus: int | None = None
    hq_stored_value: int | None = None
    hq_points: int | None = None
    offline: bool | None = None
    allowance: int | None = None
    allowance_left: int | None = None
    spend_limit: int | None = None


class MemberListOut(BaseModel):
    total: int
    members: list[MemberOut]


class JoinIn(Strict):
    phone: Phone
    name: Name
    birthday: str | None = Field(default=None, max_length=10)
    tier: str | None = Field(default=None, max_length=40)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    consent_version: int | None = Field(default=None, ge=1, le=10_000)


class UpdateIn(Strict):
    phone: Phone | None = None
    name: Name | None = None
    birthday: str | None = Field(default=None, max_length=10)
    tier: str | None = Field(default=None, max_length=40)
    tags: list[Tag] | None = Field(default=None, max_length=20)


class ConsentIn(Strict):
    version: int = Field(ge=1, le=10_000)
    granted: bool


class UnmaskIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


class EarnIn(Strict):
    order_id: Id
    member_ids: list[Id] = Field(min_length=1, max_length=20)
    weights: list[Annotated[int, Field(ge=0, le=100_000_000)]] | None = Field(
        default=None, max_length=20, description="A split bill: what each member paid"
    )


class ReverseIn(Strict):
    line_ids: list[Id] | None = Field(default=None, max_length=200)


class RedeemIn(Strict):
    order_id: Id
    points: int = Field(gt=0, le=100_000_000)


class TopUpIn(Strict):
    amount: Money


class RuleIn(Strict):
    kind: Literal["points", "tier", "top_up", "setting"]
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    body: dict[str, Any] | None = Field(description="The rule; null removes it")


class TemplateIn(Strict):
    id: Id | None = None
    kind: Literal["money_off", "percent_off", "free_item", "member_price"]
    name_zh: Name
    name_en: Name
    value: int = Field(ge=0, le=100_000_000)
    threshold: int = Field(default=0, ge=0, le=100_000_000)
    item_id: Id | None = None
    valid_days: int = Field(default=30, ge=1, le=3650)
    active: bool = True


class IssueIn(Strict):
    template_id: Id
    reason: str = Field(default="", max_length=200)


class GoodwillIn(Strict):
    member_id: Id
    template_id: Id
    reason: str = Field(min_length=1, max_length=200)


class CouponUseIn(Strict):
    order_id: Id


# -- finding and profiles --------------------------------------------------------------------


@router.get("", response_model=MemberListOut, summary="Members, newest first, or found by q")
def list_members(
    node: NodeDep,
    _: Reader,
    q: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Phone prefix (138…) or last digits (…1234), member code, or name",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    with node.engine.connect() as conn:
        if q:
            found = service.find(conn, q, limit)
            return {"total": len(found), "members": found}
        return service.list_members(conn, offset, limit)


@router.post("", status_code=201, response_model=MemberOut, summary="A new member")
async def join(body: JoinIn, node: NodeDep, cmd: CommandDep, staff: Server) -> Any:
    who, today = _who(node, staff), _today(node)

    def command(tx: Tx) -> tuple[int, Any]:
        member_id = service.join(tx, who, **body.model_dump())
        return 201, service.get_member(tx.conn, member_id, today)

    return await cmd.run(staff, body.model_dump(), command)


@router.get("/rules", summary="Points rules, tiers, top-up bonus tiers, the redemption rate")
def rules(node: NodeDep, _: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.rules_json(conn)


@router.post("/rules", summary="Set or remove a points rule, tier, top-up tier or setting")
async def set_rule(body: RuleIn, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.set_rule(
            tx, body.kind, body.id, service.checked_rule(body.kind, body.id, body.body), who
        )
        return 200, service.rules_json(tx.conn)

    return await cmd.run(staff, body.model_dump(), command)


@router.get("/coupon-templates", summary="Coupon templates")
def coupon_templates(node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.templates(conn)


@router.post("/coupon-templates", status_code=201, summary="Add or change a coupon template")
async def set_template(body: TemplateIn, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        template_id = service.set_template(tx, who, body.model_dump())
        return 201, body.model_dump() | {"id": template_id}

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/earn", summary="Points for a paid order (one member, or a split bill's)")
async def earn(body: EarnIn, node: NodeDep, cmd: CommandDep, staff: Server) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.earn(tx, who, body.order_id, body.member_ids, body.weights)

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/orders/{order_id}/reverse", summary="Take back the points a refunded order earned")
async def reverse(
    order_id: str, body: ReverseIn, node: NodeDep, cmd: CommandDep, staff: Server
) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.reverse_order(tx, who, order_id, body.line_ids)

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/orders/{order_id}/goodwill", status_code=201, summary="A goodwill coupon")
async def goodwill(
    order_id: str, body: GoodwillIn, node: NodeDep, cmd: CommandDep, staff: Admin
) -> Any:
    """A manager sends a coupon to the member of an order that went wrong (a payment fault,
    a long wait), to win the guest back."""
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        coupon_id = service.issue_coupon(
            tx, who, body.template_id, body.member_id, f"goodwill: {body.reason}", order_id
        )
        return 201, {"coupon_id": coupon_id, "order_id": order_id}

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/coupons/{coupon_id}/redeem", summary="Use a coupon on an order (once)")
async def redeem_coupon(
    coupon_id: str, body: CouponUseIn, node: NodeDep, cmd: CommandDep, staff: Server
) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.redeem_coupon(tx, who, coupon_id, body.order_id)

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/coupons/{coupon_id}/void", summary="Void a coupon")
async def void_coupon(coupon_id: str, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.void_coupon(tx, who, coupon_id)
        return 200, {"coupon_id": coupon_id, "status": "void"}

    return await cmd.run(staff, {}, command)


class ImportOut(BaseModel):
    rows: int
    imported: int
    problems: int
    report: list[dict[str, Any]]


@router.post(
    "/import",
    status_code=201,
    response_model=ImportOut,
    summary="Import members from a CSV or XLSX file (all rows or none)",
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            }
        }
    },
)
async def import_file(
    request: Request,
    node: NodeDep,
    cmd: CommandDep,
    staff: Admin,
    kind: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
) -> Any:
    """The file is the request body. Every row is checked; one bad row refuses the file with
    a 422 whose ``report`` lists each problem (row, field, code, message)."""
    data = await request.body()
    try:
        rows = importing.parse(data, kind)
    except importing.FileUnreadable as exc:
        raise MembersError.IMPORT_INVALID.problem(str(exc), field="file") from None
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 201, service.import_members(tx, who, rows)

    digest = hashlib.sha256(data).hexdigest()
    return await cmd.run(staff, {"kind": kind, "sha256": digest}, command)


@router.get("/{member_id}", response_model=MemberOut, summary="A member: tier, points, balance")
def get_member(member_id: str, node: NodeDep, _: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return service.get_member(conn, member_id, _today(node))


@router.post("/{member_id}", response_model=MemberOut, summary="Change a member's profile")
async def update(
    member_id: str, body: UpdateIn, node: NodeDep, cmd: CommandDep, staff: Server
) -> Any:
    who, today = _who(node, staff), _today(node)

    # A field sent as null is left as it is (a member's phone or name is never set to nothing
    # here; a phone is freed by erasure or merge).
    fields = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}

    def command(tx: Tx) -> tuple[int, Any]:
        service.update(tx, who, member_id, fields)
        return 200, service.get_member(tx.conn, member_id, today)

    return await cmd.run(staff, body.model_dump(exclude_unset=True), command)


@router.post("/{member_id}/consent", summary="Grant or withdraw marketing consent")
async def consent(
    member_id: str, body: ConsentIn, node: NodeDep, cmd: CommandDep, staff: Server
) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.set_consent(tx, who, member_id, body.version, body.granted, "till")
        return 200, {"member_id": member_id, "consents": service.consents(tx.conn, member_id)}

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/{member_id}/unmask", summary="See the whole phone number (journaled)")
async def unmask(
    member_id: str, body: UnmaskIn, node: NodeDep, cmd: CommandDep, staff: Unmasker
) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.unmask(tx, who, member_id, body.reason)

    return await cmd.run(staff, body.model_dump(), command)


@router.get("/{member_id}/ledger", summary="A member's points and stored-value ledger")
def ledger(member_id: str, node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.ledger(conn, member_id)


@router.post("/{member_id}/redeem", summary="Points for money off an order")
async def redeem(
    member_id: str, body: RedeemIn, node: NodeDep, cmd: CommandDep, staff: Server
) -> Any:
    who = _who(node, staff)
    redemption = cmd.key  # the Idempotency-Key names the redemption: a retry is the same one

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.redeem(tx, who, member_id, body.order_id, body.points, redemption)

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/{member_id}/top-up", summary="Top up stored value (with the bonus tier's bonus)")
async def top_up(
    member_id: str, body: TopUpIn, node: NodeDep, cmd: CommandDep, staff: Server
) -> Any:
    who, today = _who(node, staff), _today(node)
    top_up_id = cmd.key

    def command(tx: Tx) -> tuple[int, Any]:
        out = service.top_up(tx, who, member_id, body.amount, top_up_id)
        return 200, out | {"member": service.get_member(tx.conn, member_id, today)}

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/{member_id}/export", summary="Everything held about a member (PIPL), journaled")
async def export(member_id: str, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.export(tx, who, member_id)

    return await cmd.run(staff, {}, command)


@router.post("/{member_id}/erase", summary="Erase a member's personal data (PIPL); money stays")
async def erase(
    member_id: str, body: UnmaskIn, node: NodeDep, cmd: CommandDep, staff: Admin
) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        service.erase(tx, who, member_id, body.reason)
        return 200, {"member_id": member_id, "status": "erased"}

    return await cmd.run(staff, body.model_dump(), command)


class MergeIn(Strict):
    into_id: Id


@router.post(
    "/{member_id}/merge", summary="Merge a duplicate into another member (30 days to undo)"
)
async def merge(member_id: str, body: MergeIn, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.merge(tx, who, member_id, body.into_id)

    return await cmd.run(staff, body.model_dump(), command)


@router.post("/{member_id}/unmerge", summary="Undo a merge (within 30 days)")
async def unmerge(member_id: str, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.unmerge(tx, who, member_id)

    return await cmd.run(staff, {}, command)


@router.get("/{member_id}/coupons", summary="A member's coupons")
def member_coupons(member_id: str, node: NodeDep, _: Reader) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.member_coupons(conn, member_id)


@router.post("/{member_id}/coupons", status_code=201, summary="Issue a coupon to a member")
async def issue(member_id: str, body: IssueIn, node: NodeDep, cmd: CommandDep, staff: Admin) -> Any:
    who = _who(node, staff)

    def command(tx: Tx) -> tuple[int, Any]:
        coupon_id = service.issue_coupon(tx, who, body.template_id, member_id, body.reason)
        return 201, {"coupon_id": coupon_id, "member_id": member_id}

    return await cmd.run(staff, body.model_dump(), command)
