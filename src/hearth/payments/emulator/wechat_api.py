"""WeChat Pay API v3 as the emulator plays it: payment-code pay (codepay/micropay), native QR,
query by ``out_trade_no``, close, reverse, refund.

Like the real platform, ``/reverse`` (撤销) is for payment-code orders only and ``/close`` (关单)
for the others (native QR): each refuses the other kind with ``INVALID_REQUEST``; closing a
paid native order is refused with ``ORDERPAID`` (it is given back by a refund).

Every request must carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=...,nonce_str=...,
signature=...,timestamp=...,serial_no=...`` signed with the merchant's key over
``method\\npath\\ntimestamp\\nnonce\\nbody\\n``; every 2xx answer is signed with the platform key
(``Wechatpay-*`` headers), and callbacks carry the transaction sealed with AEAD_AES_256_GCM
under the merchant's APIv3 key, as the real platform does.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hearth.payments.emulator import codes
from hearth.payments.emulator.ledger import Trade
from hearth.payments.emulator.signing import (
    random_id,
    rsa_verify,
    wechat_parse_authorization,
    wechat_request_message,
    wechat_response_headers,
    wechat_seal,
)
from hearth.payments.emulator.state import EmulatorState, cut


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone().isoformat(timespec="seconds")


def router(state: EmulatorState) -> APIRouter:
    r = APIRouter()
    keys = state.keys
    ledger = state.ledger

    def signed(status: int, payload: dict[str, Any] | None) -> Response:
        body = (
            ""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        )
        headers = wechat_response_headers(
            keys.wechat_platform_private_key, keys.wechat_public_key_id, body
        )
        return Response(
            body,
            status_code=status,
            headers=headers,
            media_type=None if payload is None else "application/json",
        )

    def error(status: int, code: str, message: str) -> Response:
        body = json.dumps({"code": code, "message": message}, ensure_ascii=False)
        return Response(body, status_code=status, media_type="application/json")

    def state_of(t: Trade) -> str:
        if t.status == "pending":
            return "USERPAYING" if t.method == "scan_code" else "NOTPAY"
        if t.status == "succeeded":
            return "REFUND" if t.refunded else "SUCCESS"
        return {"failed": "PAYERROR", "closed": "CLOSED", "reversed": "REVOKED"}[t.status]

    def transaction(t: Trade) -> dict[str, Any]:
        p: dict[str, Any] = {
            "appid": keys.wechat_appid,
            "mchid": keys.wechat_mchid,
            "out_trade_no": t.intent_id,
            "transaction_id": t.provider_ref,
            "trade_type": "MICROPAY" if t.method == "scan_code" else "NATIVE",
            "trade_state": state_of(t),
            "trade_state_desc": state_of(t),
            "attach": t.bill,
            "amount": {
                "total": t.amount,
                "currency": t.currency,
                "payer_total": t.amount if t.captured_ms else 0,
                "payer_currency": t.currency,
            },
        }
        if t.captured_ms is not None:
            p["success_time"] = _iso(t.captured_ms)
        return p

    def notify(t: Trade) -> None:
        def make(tx: dict[str, Any], event: str) -> tuple[dict[str, str], bytes]:
            body = json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "create_time": _iso(int(time.time() * 1000)),
                    "resource_type": "encrypt-resource",
                    "event_type": event,
                    "summary": "支付成功" if event == "TRANSACTION.SUCCESS" else "支付状态",
                    "resource": wechat_seal(
                        keys.wechat_apiv3_key, json.dumps(tx, ensure_ascii=False)
                    ),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            headers = wechat_response_headers(
                keys.wechat_platform_private_key, keys.wechat_public_key_id, body
            )
            headers["Content-Type"] = "application/json"
            return headers, body.encode()

        final = transaction(t)
        stale = final | {"trade_state": "NOTPAY", "amount": final["amount"] | {"payer_total": 0}}
        stale.pop("success_time", None)
        state.notify(
            "wechat",
            t.notify_url,
            lambda: make(
                final, "TRANSACTION.SUCCESS" if t.status == "succeeded" else "TRANSACTION.CLOSED"
            ),
            lambda: make(stale, "TRANSACTION.NOTPAY"),
        )

    state.notifiers["wechat"] = notify

    async def authenticate(request: Request) -> tuple[str, Response | None]:
        body = (await request.body()).decode()
        auth = wechat_parse_authorization(request.headers.get("authorization", ""))
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if auth is None:
            return body, error(401, "SIGN_ERROR", "Authorization header missing or malformed")
        if auth["mchid"] != keys.wechat_mchid:
            return body, error(401, "SIGN_ERROR", "mchid does not match")
        if auth["serial_no"] != keys.wechat_cert_serial_no:
            return body, error(401, "SIGN_ERROR", "unknown merchant certificate serial_no")
        if abs(time.time() - int(auth["timestamp"] or 0)) > 300:
            return body, error(401, "SIGN_ERROR", "timestamp too far from now")
        message = wechat_request_message(
            request.method, path, auth["timestamp"], auth["nonce_str"], body
        )
        if not rsa_verify(keys.wechat_merchant_public_key, message, auth["signature"]):
            return body, error(401, "SIGN_ERROR", "signature does not verify")
        return body, None

    async def guarded(request: Request, op: str, work: Any) -> Response:
        body, bad = await authenticate(request)
        if bad is not None:
            return bad
        try:
            data: dict[str, Any] = json.loads(body) if body else {}
        except json.JSONDecodeError:
            return error(400, "PARAM_ERROR", "body is not JSON")
        d = await state.before(request, "wechat", op)
        if d.reject == "timeout":
            return Response(status_code=504)
        if d.reject:
            return error(503 if d.reject == "down" else 500, "SYSTEM_ERROR", "系统错误")
        resp: Response = work(data, d.decline)
        if d.lost_answer:
            cut(request)
        return resp

    def pay_later(t: Trade) -> None:
        """The customer confirms on the phone a moment later."""

        def done() -> None:
            if ledger.capture(t):
                notify(t)

        if state.qr_autopay_ms > 0:
            state.later(state.qr_autopay_ms / 1000, done)

    def open_charge(data: dict[str, Any], method: str, decline: bool) -> Response:
        out_trade_no = str(data.get("out_trade_no") or "")
        amount_obj = data.get("amount") or {}
        total = amount_obj.get("total") if isinstance(amount_obj, dict) else None
        currency = (amount_obj.get("currency") if isinstance(amount_obj, dict) else None) or "CNY"
        if not out_trade_no or not isinstance(total, int) or total <= 0:
            return error(400, "PARAM_ERROR", "out_trade_no and amount.total are required")
        if data.get("mchid") != keys.wechat_mchid or data.get("appid") != keys.wechat_appid:
            return error(400, "PARAM_ERROR", "appid/mchid do not match")
        if ledger.is_tombstoned("wechat", out_trade_no):
            return error(400, "ORDER_CLOSED", "订单已关闭")
        auth_code = str((data.get("payer") or {}).get("auth_code") or "")
        if method == "scan_code" and not auth_code:
            return error(400, "PARAM_ERROR", "payer.auth_code is required")
        if method == "scan_code" and not codes.is_code_of("wechat", auth_code):
            return error(400, "PARAM_ERROR", "付款码无效，请顾客刷新付款码后重新收款")
        bill = str(data.get("attach") or data.get("description") or "")
        t, created = ledger.open_trade(
            Trade(
                "wechat",
                out_trade_no,
                bill,
                total,
                str(currency),
                method,
                "4200" + random_id("", 12),
                notify_url=data.get("notify_url"),
            )
        )
        if not created and (t.amount != total or t.method != method):
            return error(400, "INVALID_REQUEST", "201 商户订单号重复")
        if method == "merchant_qr":
            if created:
                pay_later(t)
            return signed(200, {"code_url": f"weixin://wxpay/bizpayurl?pr=emu{t.provider_ref}"})
        if not created:
            if t.status in ("succeeded", "pending"):
                return signed(
                    200 if t.status == "succeeded" else 202,
                    transaction(t)
                    if t.status == "succeeded"
                    else {"code": "USERPAYING", "message": "需要用户输入支付密码"},
                )
            return error(400, "ORDER_CLOSED", "订单已关闭")
        if decline or codes.declines(auth_code):
            ledger.fail(t)
            return error(403, "NOTENOUGH", "用户余额不足")
        if codes.needs_password(auth_code):
            pay_later(t)
            return signed(202, {"code": "USERPAYING", "message": "需要用户输入支付密码"})
        ledger.capture(t)
        notify(t)
        return signed(200, transaction(t))

    @r.post("/v3/pay/transactions/codepay", include_in_schema=False)
    async def codepay(request: Request) -> Response:
        return await guarded(
            request, "charge", lambda data, dec: open_charge(data, "scan_code", dec)
        )

    @r.post("/v3/pay/transactions/native", include_in_schema=False)
    async def native(request: Request) -> Response:
        return await guarded(
            request, "charge", lambda data, dec: open_charge(data, "merchant_qr", dec)
        )

    @r.get("/v3/pay/transactions/out-trade-no/{out_trade_no}", include_in_schema=False)
    async def query(request: Request, out_trade_no: str) -> Response:
        def work(data: dict[str, Any], decline: bool) -> Response:
            t = ledger.get("wechat", out_trade_no)
            if t is None:
                return error(404, "ORDER_NOT_EXIST", "订单不存在")
            return signed(200, transaction(t))

        return await guarded(request, "query", work)

    async def close_or_reverse(request: Request, out_trade_no: str, reverse: bool) -> Response:
        def work(data: dict[str, Any], decline: bool) -> Response:
            t = ledger.get("wechat", out_trade_no)
            if t is None:
                ledger.tombstone("wechat", out_trade_no)  # a late charge can never capture
                return (
                    signed(204, None)
                    if not reverse
                    else signed(200, {"out_trade_no": out_trade_no, "recall": False})
                )
            # Each kind of order has its own way out, as on the real platform: a payment-code
            # order is reversed, a native (QR) order is closed (and refunded once paid).
            if reverse and t.method != "scan_code":
                return error(400, "INVALID_REQUEST", "非付款码订单不能撤销，请调用关单接口")
            if not reverse and t.method == "scan_code":
                return error(400, "INVALID_REQUEST", "付款码订单不能关单，请调用撤销接口")
            if t.status == "succeeded" and not reverse:
                return error(400, "ORDERPAID", "订单已支付，不能关闭")
            action = ledger.reverse(t)
            if action != "none":
                notify(t)
            return (
                signed(204, None)
                if not reverse
                else signed(200, {"out_trade_no": out_trade_no, "recall": action == "refund"})
            )

        return await guarded(request, "reverse", work)

    @r.post("/v3/pay/transactions/out-trade-no/{out_trade_no}/close", include_in_schema=False)
    async def close(request: Request, out_trade_no: str) -> Response:
        return await close_or_reverse(request, out_trade_no, reverse=False)

    @r.post("/v3/pay/transactions/out-trade-no/{out_trade_no}/reverse", include_in_schema=False)
    async def reverse(request: Request, out_trade_no: str) -> Response:
        return await close_or_reverse(request, out_trade_no, reverse=True)

    @r.post("/v3/refund/domestic/refunds", include_in_schema=False)
    async def refund(request: Request) -> Response:
        def work(data: dict[str, Any], decline: bool) -> Response:
            t = ledger.get("wechat", str(data.get("out_trade_no") or "")) or ledger.by_provider_ref(
                str(data.get("transaction_id") or "")
            )
            if t is None or t.provider != "wechat":
                return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
            amount = (data.get("amount") or {}).get("refund")
            refund_no = str(data.get("out_refund_no") or "")
            if not isinstance(amount, int) or not refund_no:
                return error(400, "PARAM_ERROR", "amount.refund and out_refund_no required")
            outcome = ledger.refund(t, refund_no, amount)
            if outcome == "too_much":
                return error(400, "INVALID_REQUEST", "退款金额超过订单可退金额")
            if outcome == "not_paid":
                return error(400, "INVALID_REQUEST", "订单未支付")
            return signed(
                200,
                {
                    "refund_id": "5030" + random_id("", 10),
                    "out_refund_no": refund_no,
                    "transaction_id": t.provider_ref,
                    "out_trade_no": t.intent_id,
                    "status": "SUCCESS",
                    "amount": {
                        "refund": t.refunds[refund_no],
                        "total": t.amount,
                        "currency": t.currency,
                    },
                },
            )

        return await guarded(request, "refund", work)

    return r
