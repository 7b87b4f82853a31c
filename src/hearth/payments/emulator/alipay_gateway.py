"""Alipay open API gateway (``/gateway.do``) for face-to-face pay, as the emulator plays it.

Requests are form (or query) parameters with ``biz_content`` JSON and an RSA2 ``sign`` over the
sorted parameters; answers are ``{"<method>_response": {...}, "sign": "..."}`` where the sign
covers the exact inner JSON text; trade status changes are POSTed to ``notify_url`` as signed
forms. Business failures answer code 40004 with an ``ACQ.*`` sub code, like the real gateway.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hearth.payments.emulator import codes
from hearth.payments.emulator.ledger import Trade
from hearth.payments.emulator.signing import (
    alipay_sign_string,
    alipay_signed_response,
    random_id,
    rsa_sign,
    rsa_verify,
)
from hearth.payments.emulator.state import EmulatorState, cut, fen, form_params, yuan

OPS = {
    "alipay.trade.pay": "charge",
    "alipay.trade.precreate": "charge",
    "alipay.trade.query": "query",
    "alipay.trade.refund": "refund",
    "alipay.trade.cancel": "reverse",
    "alipay.trade.close": "reverse",
}


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def router(state: EmulatorState) -> APIRouter:
    r = APIRouter()
    keys = state.keys
    ledger = state.ledger

    def answer(method: str, payload: dict[str, Any]) -> Response:
        rtype = method.replace(".", "_") + "_response"
        body = alipay_signed_response(rtype, payload, keys.alipay_platform_private_key)
        return Response(body, media_type="application/json;charset=utf-8")

    def fail(method: str, code: str, msg: str, sub_code: str, sub_msg: str) -> Response:
        return answer(method, {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg})

    def trade_payload(t: Trade) -> dict[str, Any]:
        status = {"pending": "WAIT_BUYER_PAY", "succeeded": "TRADE_SUCCESS"}.get(
            t.status, "TRADE_CLOSED"
        )
        p: dict[str, Any] = {
            "code": "10000",
            "msg": "Success",
            "trade_no": t.provider_ref,
            "out_trade_no": t.intent_id,
            "total_amount": yuan(t.amount),
            "trade_status": status,
            "buyer_logon_id": "emu***@example.com",
        }
        if t.captured_ms is not None:
            p["send_pay_date"] = datetime.fromtimestamp(t.captured_ms / 1000).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
            p["receipt_amount"] = yuan(t.amount)
            p["buyer_pay_amount"] = yuan(t.amount)
        return p

    def notify_trade(t: Trade) -> None:
        def form(status: str) -> tuple[dict[str, str], bytes]:
            params = {
                "notify_time": _now(),
                "notify_type": "trade_status_sync",
                "notify_id": random_id("", 16),
                "app_id": keys.alipay_app_id,
                "charset": "utf-8",
                "version": "1.0",
                "sign_type": "RSA2",
                "trade_no": t.provider_ref,
                "out_trade_no": t.intent_id,
                "trade_status": status,
                "total_amount": yuan(t.amount),
                "subject": t.bill,
                "gmt_create": _now(),
            }
            if status == "TRADE_SUCCESS":
                params |= {
                    "receipt_amount": yuan(t.amount),
                    "gmt_payment": _now(),
                    "buyer_pay_amount": yuan(t.amount),
                }
            params["sign"] = rsa_sign(
                keys.alipay_platform_private_key, alipay_sign_string(params, drop_sign_type=True)
            )
            from urllib.parse import urlencode

            return (
                {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                urlencode(params).encode(),
            )

        final = "TRADE_SUCCESS" if t.status == "succeeded" else "TRADE_CLOSED"
        state.notify("alipay", t.notify_url, lambda: form(final), lambda: form("WAIT_BUYER_PAY"))

    state.notifiers["alipay"] = notify_trade

    def settle_later(t: Trade, ok: bool = True) -> None:
        """The customer confirms on the phone (or scans the merchant QR) a moment later."""
        if state.qr_autopay_ms <= 0:
            return

        def done() -> None:
            if ok and ledger.capture(t):
                notify_trade(t)
            elif not ok and t.status == "pending":
                ledger.fail(t)
                notify_trade(t)

        state.later(state.qr_autopay_ms / 1000, done)

    @r.api_route("/gateway.do", methods=["GET", "POST"], include_in_schema=False)
    async def gateway(request: Request) -> Response:
        params: dict[str, str] = {k: str(v) for k, v in request.query_params.items()}
        if request.method == "POST":
            params |= await form_params(request)
        method = params.get("method", "")
        if method not in OPS:
            return fail(
                method or "error",
                "40004",
                "Business Failed",
                "isv.invalid-method",
                "unknown method",
            )
        if params.get("app_id") != keys.alipay_app_id:
            return fail(
                method, "40002", "Invalid Arguments", "isv.invalid-app-id", "invalid app_id"
            )
        if params.get("sign_type") != "RSA2" or not rsa_verify(
            keys.alipay_app_public_key,
            alipay_sign_string(params, drop_sign_type=False),
            params.get("sign", ""),
        ):
            return fail(
                method, "40002", "Invalid Arguments", "isv.invalid-signature", "invalid signature"
            )
        try:
            biz: dict[str, Any] = json.loads(params.get("biz_content") or "{}")
        except json.JSONDecodeError:
            return fail(
                method,
                "40002",
                "Invalid Arguments",
                "isv.invalid-parameter",
                "biz_content is not JSON",
            )
        d = await state.before(request, "alipay", OPS[method])
        if d.reject == "timeout":
            return Response(status_code=504)
        if d.reject:
            return Response(
                "<html><body>503 Service Unavailable</body></html>",
                status_code=503,
                media_type="text/html",
            )
        resp = handle(method, biz, params, d.decline)
        if d.lost_answer:
            cut(request)
        return resp

    def handle(method: str, biz: dict[str, Any], params: dict[str, str], decline: bool) -> Response:
        out_trade_no = str(biz.get("out_trade_no") or "")
        if method in ("alipay.trade.pay", "alipay.trade.precreate"):
            return charge(method, biz, params, out_trade_no, decline)
        trade = ledger.get("alipay", out_trade_no) or ledger.by_provider_ref(
            str(biz.get("trade_no") or "")
        )
        if method == "alipay.trade.query":
            if trade is None:
                return fail(method, "40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
            return answer(method, trade_payload(trade))
        if method in ("alipay.trade.cancel", "alipay.trade.close"):
            if trade is None:
                # Cancelling a trade we never saw closes the number for good, so a charge
                # that was still on its way can never capture afterwards.
                ledger.tombstone("alipay", out_trade_no)
                return answer(
                    method,
                    {
                        "code": "10000",
                        "msg": "Success",
                        "out_trade_no": out_trade_no,
                        "retry_flag": "N",
                        "action": "close",
                    },
                )
            action = ledger.reverse(trade)
            if action != "none":
                notify_trade(trade)
            return answer(
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "trade_no": trade.provider_ref,
                    "out_trade_no": trade.intent_id,
                    "retry_flag": "N",
                    "action": action if action != "none" else "close",
                },
            )
        # refund
        if trade is None:
            return fail(method, "40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        try:
            amount = fen(str(biz.get("refund_amount", "")))
        except ValueError:
            return fail(
                method, "40002", "Invalid Arguments", "isv.invalid-parameter", "refund_amount"
            )
        refund_id = str(biz.get("out_request_no") or trade.intent_id)
        outcome = ledger.refund(trade, refund_id, amount)
        if outcome == "too_much":
            return fail(
                method, "40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"
            )
        if outcome == "not_paid":
            return fail(
                method, "40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法"
            )
        return answer(
            method,
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": trade.provider_ref,
                "out_trade_no": trade.intent_id,
                "fund_change": "Y" if outcome == "ok" else "N",
                "refund_fee": yuan(trade.refunded),
                "out_request_no": refund_id,
                "gmt_refund_pay": _now(),
            },
        )

    def charge(
        method: str, biz: dict[str, Any], params: dict[str, str], out_trade_no: str, decline: bool
    ) -> Response:
        if not out_trade_no:
            return fail(
                method, "40002", "Invalid Arguments", "isv.missing-parameter", "out_trade_no"
            )
        try:
            amount = fen(str(biz.get("total_amount", "")))
        except ValueError:
            return fail(
                method, "40002", "Invalid Arguments", "isv.invalid-parameter", "total_amount"
            )
        if ledger.is_tombstoned("alipay", out_trade_no):
            return fail(method, "40004", "Business Failed", "ACQ.TRADE_HAS_CLOSE", "交易已关闭")
        scan = method == "alipay.trade.pay"
        auth_code = str(biz.get("auth_code") or "")
        if scan and not auth_code:
            return fail(method, "40002", "Invalid Arguments", "isv.missing-parameter", "auth_code")
        if scan and not codes.is_code_of("alipay", auth_code):
            return fail(
                method,
                "40004",
                "Business Failed",
                "ACQ.PAYMENT_AUTH_CODE_INVALID",
                "支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款",
            )
        bill = str(biz.get("body") or biz.get("subject") or "")
        trade, created = ledger.open_trade(
            Trade(
                "alipay",
                out_trade_no,
                bill,
                amount,
                "CNY",
                "scan_code" if scan else "merchant_qr",
                time.strftime("%Y%m%d") + random_id("", 10),
                notify_url=params.get("notify_url"),
            )
        )
        if not created:
            if trade.amount != amount:
                return fail(
                    method,
                    "40004",
                    "Business Failed",
                    "ACQ.INVALID_PARAMETER",
                    "同一笔交易金额不一致",
                )
            if trade.status == "succeeded":
                return answer(method, trade_payload(trade) | {"gmt_payment": _now()})
            if trade.status != "pending":
                return fail(method, "40004", "Business Failed", "ACQ.TRADE_HAS_CLOSE", "交易已关闭")
            if not scan:
                return answer(
                    method,
                    {
                        "code": "10000",
                        "msg": "Success",
                        "out_trade_no": out_trade_no,
                        "qr_code": f"https://qr.alipay.com/emu{trade.provider_ref}",
                    },
                )
            return answer(
                method,
                trade_payload(trade) | {"code": "10003", "msg": "order success pay inprocess"},
            )
        if not scan:
            settle_later(trade)
            return answer(
                method,
                {
                    "code": "10000",
                    "msg": "Success",
                    "out_trade_no": out_trade_no,
                    "qr_code": f"https://qr.alipay.com/emu{trade.provider_ref}",
                },
            )
        if decline or codes.declines(auth_code):
            ledger.fail(trade)
            return fail(
                method, "40004", "Business Failed", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足"
            )
        if codes.needs_password(auth_code):  # the customer must enter a password
            settle_later(trade)
            return answer(
                method,
                trade_payload(trade) | {"code": "10003", "msg": "order success pay inprocess"},
            )
        ledger.capture(trade)
        notify_trade(trade)
        return answer(method, trade_payload(trade) | {"gmt_payment": _now()})

    return r
