"""Delivery-platform routes: signed webhooks in, pacing, accept/reject/release and item mapping
for staff.

The webhooks have no staff token: each request is authenticated by its platform's signature
over the exact bytes sent, with the platform's app secret, and a timestamp within the window.
A refusal is a problem detail that also carries the platform's own error fields, so both a
person reading the log and the platform's robot understand it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from hearth.channels.delivery import service
from hearth.channels.delivery.domain import (
    ItemMapping,
    Platform,
    PlatformLine,
    PlatformOrder,
    timestamp_fresh,
)
from hearth.channels.delivery.errors import DeliveryError
from hearth.channels.delivery.platforms import douyin, meituan
from hearth.channels.delivery.service import (
    ERR_BUSY,
    ERR_INVALID,
    ERR_SIGNATURE,
    ERR_STALE,
    ERR_STATE,
    ERR_UNKNOWN_ITEM,
)
from hearth.core.api import (
    CommandDep,
    Commands,
    NodeDep,
    Principal,
    Strict,
    require,
)
from hearth.core.errors import Problem
from hearth.core.node import Node
from hearth.core.permissions import Permission
from hearth.core.text import printable
from hearth.core.writer import Tx
from hearth.ordering.service import Context

router = APIRouter(prefix="/api/delivery", tags=["delivery platforms"])

# (method, path) pairs this module serves without a staff token; each must authenticate its
# caller some other way (a signed table token, a webhook signature, a kiosk key).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/delivery/webhooks/meituan"),
        ("POST", "/api/delivery/webhooks/douyin"),
    }
)

OrderReader = Annotated[Principal, Depends(require(Permission.ORDER_READ))]
Acceptor = Annotated[Principal, Depends(require(Permission.DELIVERY_ACCEPT))]
Releaser = Annotated[Principal, Depends(require(Permission.DELIVERY_RELEASE))]
MenuReader = Annotated[Principal, Depends(require(Permission.MENU_READ))]
MenuEditor = Annotated[Principal, Depends(require(Permission.MENU_EDIT))]


# -- webhooks -----------------------------------------------------------------------------------
_PLATFORM_CODES = {
    "delivery-signature-invalid": ERR_SIGNATURE,
    "delivery-timestamp-stale": ERR_STALE,
    "delivery-item-unknown": ERR_UNKNOWN_ITEM,
    "delivery-paused": ERR_BUSY,
    "delivery-order-not-found": ERR_STATE,
}


def _told(platform: Platform, p: Problem) -> Problem:
    """The same problem with the platform's own error fields added."""
    code = _PLATFORM_CODES.get(p.code, ERR_INVALID)
    style = meituan if platform is Platform.MEITUAN else douyin
    p.extra = {**p.extra, **style.refusal(code, p.title + ": " + p.detail)}
    return p


def _bad_signature() -> Problem:
    return DeliveryError.DELIVERY_SIGNATURE_INVALID.problem(
        "The request's signature does not match this store's app secret for the "
        "platform. Nothing was recorded."
    )


def _check_time(sent_s: str, window_ms: int, now_ms: int) -> None:
    try:
        sent_ms = int(sent_s) * 1000
    except ValueError:
        raise DeliveryError.DELIVERY_TIMESTAMP_MISSING.problem(
            "Send the request time in seconds as `timestamp`."
        ) from None
    if not timestamp_fresh(sent_ms, now_ms, window_ms):
        raise DeliveryError.DELIVERY_TIMESTAMP_STALE.problem(
            f"The request time is more than {window_ms // 1000} s from the store's "
            "clock; a replayed or delayed request is refused. Check the clocks."
        )


def _one_line(text: str) -> str:
    return printable(text, newlines=False)


# A platform's order is never lost for what a customer typed: control characters in its text
# (a tab, an escape) are made printable here, not refused as a till's are (hearth.core.text):
# a tab becomes a space, anything else a "?". A remark keeps its line breaks.
_PlatformName = Annotated[str, AfterValidator(_one_line)]
_PlatformRemark = Annotated[str, AfterValidator(printable)]


class _Line(BaseModel):
    sku_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=999)
    price: int = Field(ge=0, le=10_000_000)
    name: _PlatformName = Field(default="", max_length=120)


class _Order(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    ctime: int = Field(ge=0)  # seconds
    items: list[_Line] = Field(min_length=1, max_length=100)
    paid: int = Field(ge=0, le=100_000_000)
    remark: _PlatformRemark = Field(default="", max_length=200)


def _invalid(exc: ValidationError) -> Problem:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ()))
    return DeliveryError.DELIVERY_ORDER_INVALID.problem(
        f"{where}: {first.get('msg', 'invalid')}", field=where or "order"
    )


def _platform_order(platform: Platform, o: _Order) -> PlatformOrder:
    lines = tuple(PlatformLine(ln.sku_id, ln.quantity, ln.price, ln.name) for ln in o.items)
    return PlatformOrder(
        platform,
        o.order_id,
        o.ctime * 1000,
        lines,
        sum(ln.unit_price * ln.quantity for ln in lines),
        o.paid,
        o.remark,
    )


async def _take(node: Node, po: PlatformOrder) -> tuple[dict[str, Any], bool]:
    cfg = service.config_of(node.settings)
    at = node.now_ms()
    return await node.writer.submit(lambda tx: service.receive_order(tx, cfg, po, at))


async def _cancel(node: Node, platform: Platform, order_id: str, reason: str) -> dict[str, Any]:
    cfg = service.config_of(node.settings)
    at = node.now_ms()
    return await node.writer.submit(
        lambda tx: service.platform_cancel(tx, cfg, platform, order_id, _one_line(reason[:200]), at)
    )


def _answer(platform: Platform, data: dict[str, Any], replayed: bool) -> JSONResponse:
    body = (
        meituan.ok_answer({"order": data})
        if platform is Platform.MEITUAN
        else douyin.ok_answer({"data": data})
    )
    return JSONResponse(body, headers={"Idempotent-Replayed": "true"} if replayed else None)


@router.post("/webhooks/meituan", summary="Meituan pushes an order or a cancellation")
async def meituan_webhook(request: Request, node: NodeDep) -> JSONResponse:
    """Form or JSON parameters, all strings: ``app_id``, ``timestamp`` (s), ``type`` (order |
    cancel), ``order`` (the order as a JSON string) or ``order_id`` + ``reason``, and ``sig``."""
    platform = Platform.MEITUAN
    cfg = service.config_of(node.settings)
    try:
        params = await _meituan_params(request)
        if params.get("app_id") != cfg.app_ids[platform] or not meituan.verify(
            params, cfg.secrets[platform]
        ):
            raise _bad_signature()
        _check_time(params.get("timestamp", ""), cfg.signature_window_ms, node.now_ms())
        kind = params.get("type", "order")
        if kind == "cancel":
            data = await _cancel(
                node, platform, params.get("order_id", ""), params.get("reason", "")
            )
            return _answer(platform, data, False)
        if kind != "order":
            raise DeliveryError.DELIVERY_TYPE_UNKNOWN.problem(
                f"type {kind!r}: use order or cancel.", field="type"
            )
        try:
            order = _Order.model_validate_json(params.get("order", ""))
        except ValidationError as exc:
            raise _invalid(exc) from None
        data, replayed = await _take(node, _platform_order(platform, order))
        return _answer(platform, data, replayed)
    except Problem as p:
        raise _told(platform, p) from None


async def _meituan_params(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            raw = json.loads(await request.body())
        except ValueError:
            raw = None
        if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            raise DeliveryError.DELIVERY_PARAMS_INVALID.problem(
                "Send a JSON object of string parameters (the order as a JSON string), or a form."
            )
        return raw
    if ctype.startswith("application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl(
                (await request.body()).decode(),
                keep_blank_values=True,
                max_num_fields=200,
                strict_parsing=False,
            )
        except (UnicodeDecodeError, ValueError):
            pairs = []
        return dict(pairs)
    raise DeliveryError.DELIVERY_CONTENT_TYPE.problem(
        "Meituan pushes are application/x-www-form-urlencoded or application/json."
    )


class _DyOrder(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    create_time: int = Field(ge=0)  # seconds
    skus: list[dict[str, Any]] = Field(min_length=1, max_length=100)
    pay_amount: int = Field(ge=0, le=100_000_000)
    remark: str = Field(default="", max_length=200)


class _DyPush(BaseModel):
    event: str = Field(max_length=40)
    order: _DyOrder | None = None
    order_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=200)


@router.post("/webhooks/douyin", summary="Douyin pushes an order or a cancellation")
async def douyin_webhook(request: Request, node: NodeDep) -> JSONResponse:
    """JSON body ``{event: order.created | order.cancelled, order | order_id, reason}``, signed
    with HMAC-SHA256 in the ``X-Douyin-Signature`` header over timestamp and raw body."""
    platform = Platform.DOUYIN
    cfg = service.config_of(node.settings)
    try:
        raw = await request.body()
        stamp = request.headers.get(douyin.TIMESTAMP_HEADER, "")
        if request.headers.get(douyin.APP_HEADER) != cfg.app_ids[platform] or not douyin.verify(
            stamp, raw, request.headers.get(douyin.SIGNATURE_HEADER, ""), cfg.secrets[platform]
        ):
            raise _bad_signature()
        _check_time(stamp, cfg.signature_window_ms, node.now_ms())
        try:
            push = _DyPush.model_validate_json(raw)
            if push.event == "order.cancelled":
                data = await _cancel(node, platform, push.order_id or "", push.reason)
                return _answer(platform, data, False)
            if push.event != "order.created" or push.order is None:
                raise DeliveryError.DELIVERY_EVENT_UNKNOWN.problem(
                    f"event {push.event!r}: use order.created (with order) or order.cancelled.",
                    field="event",
                )
            o = push.order
            order = _Order(
                order_id=o.order_id,
                ctime=o.create_time,
                paid=o.pay_amount,
                remark=o.remark,
                items=[
                    _Line(
                        sku_id=str(s.get("sku_id", "")),
                        quantity=s.get("count", 0),
                        price=s.get("price", 0),
                        name=str(s.get("name", "")),
                    )
                    for s in o.skus
                ],
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        data, replayed = await _take(node, _platform_order(platform, order))
        return _answer(platform, data, replayed)
    except Problem as p:
        raise _told(platform, p) from None


# -- staff: pacing and platform orders ----------------------------------------------------------
@router.get("/pacing", summary="Whether delivery intake is normal, slowed or paused")
def pacing(node: NodeDep, _: OrderReader) -> dict[str, Any]:
    cfg = service.config_of(node.settings)
    with node.engine.connect() as conn:
        p = service.current_pacing(conn, node.settings.store_id, cfg.pacing, node.now_ms())
    return p.to_json() | {"auto_accept": cfg.intake.auto_accept}


@router.get("/orders", summary="Platform orders, newest first")
def orders(
    node: NodeDep, _: OrderReader, state: Annotated[str | None, Query(max_length=12)] = None
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_orders(conn, node.settings.store_id, state)


@router.get("/orders/{delivery_id}", summary="One platform order and its status callbacks")
def order(delivery_id: str, node: NodeDep, _: OrderReader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        row = service._row(conn, delivery_id, node.settings.store_id)
        return service.delivery_json(row) | {"callbacks": service.callbacks_of(conn, delivery_id)}


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


async def _staff_run(cmd: Commands, staff: Principal, body: Any, use_case: Any) -> Any:
    ctx = Context(staff.staff_id, cmd.node.now_ms(), cmd.node.settings.timezone)

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, use_case(tx, ctx)

    return await cmd.run(staff, body, command)


@router.post(
    "/orders/{delivery_id}/accept", summary="Accept: send to the kitchen, tell the platform"
)
async def accept(delivery_id: str, cmd: CommandDep, staff: Acceptor) -> Any:
    return await _staff_run(cmd, staff, {}, lambda tx, ctx: service.accept(tx, ctx, delivery_id))


@router.post("/orders/{delivery_id}/reject", summary="Reject: cancel, tell the platform")
async def reject(delivery_id: str, body: RejectIn, cmd: CommandDep, staff: Acceptor) -> Any:
    return await _staff_run(
        cmd,
        staff,
        body.model_dump(),
        lambda tx, ctx: service.reject(tx, ctx, delivery_id, body.reason),
    )


@router.post(
    "/orders/{delivery_id}/release", summary="Release an order held after an outage to the kitchen"
)
async def release(delivery_id: str, cmd: CommandDep, staff: Releaser) -> Any:
    return await _staff_run(
        cmd, staff, {}, lambda tx, ctx: service.accept(tx, ctx, delivery_id, release=True)
    )


@router.post(
    "/orders/{delivery_id}/clear-flag", summary="Mark a late platform cancellation as dealt with"
)
async def clear_flag(delivery_id: str, cmd: CommandDep, staff: Releaser) -> Any:
    return await _staff_run(
        cmd, staff, {}, lambda tx, ctx: service.clear_flag(tx, ctx, delivery_id)
    )


# -- item mapping -------------------------------------------------------------------------------
# The platform names, said in the document; the parameter stays a string so a wrong one is
# refused as platform-unknown by platform_of.
_PLATFORM_NAMES: dict[str, Any] = {"enum": [p.value for p in Platform]}
PlatformPath = Annotated[str, Path(json_schema_extra=_PLATFORM_NAMES)]


@router.get("/mappings", summary="Platform SKUs and the items they stand for")
def mappings(
    node: NodeDep,
    _: MenuReader,
    platform: Annotated[
        str | None,
        Query(max_length=12, json_schema_extra={"enum": [*_PLATFORM_NAMES["enum"], None]}),
    ] = None,
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_mappings(conn, service.platform_of(platform) if platform else None)


class MappingIn(Strict):
    item_id: str = Field(min_length=1, max_length=36)
    spec_id: str | None = Field(default=None, max_length=36)
    modifier_option_ids: list[str] = Field(default_factory=list, max_length=20)
    name: str = Field(default="", max_length=120)


@router.put("/mappings/{platform}/{sku}", summary="Map a platform SKU to our item")
async def put_mapping(
    platform: PlatformPath, sku: str, body: MappingIn, cmd: CommandDep, staff: MenuEditor
) -> Any:
    which = service.platform_of(platform)
    if not 1 <= len(sku) <= 64:
        raise DeliveryError.SKU_INVALID.problem(sku[:80], field="sku")
    mapping = ItemMapping(body.item_id, body.spec_id, tuple(body.modifier_option_ids))
    at = cmd.node.now_ms()

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, service.set_mapping(tx, staff.staff_id, which, sku, mapping, body.name, at)

    return await cmd.run(staff, body.model_dump(), command)


@router.delete("/mappings/{platform}/{sku}", summary="Remove a SKU mapping")
async def delete_mapping(
    platform: PlatformPath, sku: str, cmd: CommandDep, staff: MenuEditor
) -> Any:
    which = service.platform_of(platform)

    def command(tx: Tx) -> tuple[int, Any]:
        service.remove_mapping(tx, staff.staff_id, which, sku)
        return 200, {"platform": which.value, "sku": sku, "removed": True}

    return await cmd.run(staff, {}, command)
