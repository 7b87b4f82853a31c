"""Alipay face-to-face pay (当面付) through ``python-alipay-sdk``.

Scanning the customer's payment code is ``alipay.trade.pay``; showing a merchant QR is
``alipay.trade.precreate``; ``out_trade_no`` is always our intent id, so a retried call can only
ever find the same trade. The SDK is synchronous (urllib), so every call runs in a worker thread
with a socket timeout; the caller adds its own overall deadline. Answers are verified with the
platform's RSA2 key by the SDK; a bad signature is ``INVALID``.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

from hearth.payments.providers.base import (
    CallbackEvent,
    ChargeRequest,
    FailureKind,
    ProviderError,
    ProviderResult,
    ProviderStatus,
    StatementEntry,
)
from hearth.payments.providers.common import (
    EmulatorKeySource,
    bill_of,
    emulator_statement,
    money_fen,
    transport_failure,
    yuan,
)

REAL_GATEWAY = "https://openapi.alipay.com/gateway.do"


class GatewayAliPay(AliPay):
    """The SDK with a configurable gateway that POSTs its signed form (as the real gateway
    accepts) instead of putting everything in the query string."""

    def __init__(self, gateway: str, timeout_s: float, **kw: Any) -> None:
        super().__init__(**kw)
        self._gateway = gateway
        self._timeout_s = timeout_s

    def verified_sync_response(self, data: dict[str, Any], response_type: str) -> Any:
        body = self.sign_data(data).encode()
        req = urllib.request.Request(
            self._gateway + "?charset=utf-8",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        with urllib.request.urlopen(req, timeout=self._timeout_s) as resp:
            raw = resp.read().decode()
        return self._verify_and_return_sync_response(raw, response_type)


class AlipayProvider:
    name = "alipay"
    methods = frozenset({"scan_code", "merchant_qr"})
    wallets: frozenset[str] = frozenset({"alipay"})

    def __init__(
        self,
        *,
        gateway: str = REAL_GATEWAY,
        app_id: str = "",
        app_private_key: str = "",
        platform_public_key: str = "",
        notify_url: str | None = None,
        timeout_s: float = 5.0,
        emulator_url: str = "",
        name: str = "alipay",
    ) -> None:
        self.name = name
        self.gateway = gateway
        self.notify_url = notify_url
        self.timeout_s = timeout_s
        self.emulator_url = emulator_url
        self._conf = {
            "app_id": app_id,
            "app_private_key": app_private_key,
            "platform_public_key": platform_public_key,
        }
        self._keys = (
            EmulatorKeySource(emulator_url)
            if emulator_url and not (app_id and app_private_key and platform_public_key)
            else None
        )
        self._sdk: GatewayAliPay | None = None

    def sdk(self) -> GatewayAliPay:
        if self._sdk is None:
            conf = dict(self._conf)
            if self._keys is not None:
                k = self._keys.get()
                conf = {
                    "app_id": k["alipay_app_id"],
                    "app_private_key": k["alipay_app_private_key"],
                    "platform_public_key": k["alipay_platform_public_key"],
                }
            self._sdk = GatewayAliPay(
                self.gateway,
                self.timeout_s,
                appid=conf["app_id"],
                app_notify_url=self.notify_url,
                app_private_key_string=conf["app_private_key"],
                alipay_public_key_string=conf["platform_public_key"],
                sign_type="RSA2",
            )
        return self._sdk

    async def _call(
        self, op: str, fn: Any, *args: Any, **kw: Any
    ) -> dict[str, Any] | ProviderResult:
        def run() -> Any:
            return getattr(self.sdk(), fn)(*args, **kw)

        try:
            out: dict[str, Any] = await asyncio.to_thread(run)
            return out
        except AliPayValidationError as exc:
            raise ProviderError(FailureKind.INVALID, "alipay: answer signature invalid") from exc
        except AliPayException as exc:  # unsigned error answer (bad app id, gateway error)
            raise ProviderError(FailureKind.INVALID, f"alipay: {exc}") from exc
        except ProviderError:
            raise
        except json.JSONDecodeError as exc:  # an HTML error page instead of an answer
            raise ProviderError(FailureKind.UNAVAILABLE, "alipay: gateway error page") from exc
        except OSError as exc:
            code = getattr(exc, "code", None)
            if isinstance(code, int) and code >= 500:
                raise ProviderError(FailureKind.UNAVAILABLE, f"alipay: HTTP {code}") from exc
            return transport_failure(op, "alipay", exc)
        except Exception as exc:  # http.client errors that are not OSError (IncompleteRead)
            return transport_failure(op, "alipay", exc)

    @staticmethod
    def _failure(r: dict[str, Any]) -> ProviderResult:
        code = str(r.get("code"))
        sub = str(r.get("sub_code", ""))
        text = f"{r.get('sub_msg') or r.get('msg')} ({sub or code})"
        if code == "20000" or sub.endswith("SYSTEM_ERROR"):
            return ProviderResult(ProviderStatus.UNKNOWN, message=f"alipay: {text}", raw=r)
        if code == "40002":
            raise ProviderError(FailureKind.INVALID, f"alipay: {text}")
        return ProviderResult(ProviderStatus.FAILED, message=f"alipay: {text}", raw=r)

    def _trade(self, r: dict[str, Any], expect: int | None = None) -> ProviderResult:
        status = {
            "WAIT_BUYER_PAY": ProviderStatus.PENDING,
            "TRADE_SUCCESS": ProviderStatus.SUCCEEDED,
            "TRADE_FINISHED": ProviderStatus.SUCCEEDED,
        }.get(str(r.get("trade_status")))
        if status is None:  # TRADE_CLOSED: given back if it was ever paid, else never paid
            status = ProviderStatus.REVERSED if r.get("send_pay_date") else ProviderStatus.FAILED
        amount = money_fen(r.get("total_amount"))
        if expect is not None and amount != expect:
            raise ProviderError(
                FailureKind.INVALID, f"alipay: amount {amount} does not match {expect}"
            )
        return ProviderResult(
            status,
            str(r.get("trade_no") or ""),
            amount,
            "CNY",
            f"alipay: {r.get('trade_status')}",
            raw=r,
        )

    async def charge(self, req: ChargeRequest) -> ProviderResult:
        if req.currency != "CNY":
            raise ProviderError(FailureKind.INVALID, "alipay takes CNY only")
        bill = bill_of(req.description)
        subject = req.description or "Hearth"
        if req.method == "scan_code":
            if not req.auth_code:
                raise ProviderError(FailureKind.INVALID, "alipay: no payment code scanned")
            r = await self._call(
                "charge",
                "api_alipay_trade_pay",
                req.intent_id,
                "bar_code",
                req.auth_code,
                subject,
                total_amount=yuan(req.amount),
                body=bill,
            )
        elif req.method == "merchant_qr":
            r = await self._call(
                "charge",
                "api_alipay_trade_precreate",
                subject,
                req.intent_id,
                yuan(req.amount),
                body=bill,
            )
        else:
            raise ProviderError(FailureKind.INVALID, f"alipay does not take {req.method}")
        if isinstance(r, ProviderResult):
            return r
        code = str(r.get("code"))
        if req.method == "merchant_qr":
            if code != "10000":
                return self._failure(r)
            return ProviderResult(
                ProviderStatus.PENDING,
                None,
                req.amount,
                "CNY",
                "alipay: QR ready",
                qr_content=str(r.get("qr_code")),
                raw=r,
            )
        if code == "10000":
            return self._trade(r | {"trade_status": "TRADE_SUCCESS"}, req.amount)
        if code == "10003":
            return self._trade(r | {"trade_status": "WAIT_BUYER_PAY"}, req.amount)
        return self._failure(r)

    async def query(self, intent_id: str) -> ProviderResult:
        r = await self._call("query", "api_alipay_trade_query", out_trade_no=intent_id)
        if isinstance(r, ProviderResult):
            return r
        if str(r.get("code")) == "10000":
            return self._trade(r)
        if r.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return ProviderResult(ProviderStatus.NOT_FOUND, message="alipay: no such trade", raw=r)
        return self._failure(r)

    async def refund(self, intent_id: str, refund_id: str, amount: int) -> ProviderResult:
        r = await self._call(
            "refund",
            "api_alipay_trade_refund",
            yuan(amount),
            out_trade_no=intent_id,
            out_request_no=refund_id,
        )
        if isinstance(r, ProviderResult):
            return r
        if str(r.get("code")) == "10000":
            return ProviderResult(
                ProviderStatus.REFUNDED,
                str(r.get("trade_no") or ""),
                amount,
                "CNY",
                "alipay: refunded",
                raw=r,
            )
        return self._failure(r)

    async def reverse(self, intent_id: str, method: str | None = None) -> ProviderResult:
        """``alipay.trade.cancel`` for both kinds: it closes an unpaid trade (a payment code
        waiting for the password, a QR nobody scanned) and refunds a paid one."""
        r = await self._call("reverse", "api_alipay_trade_cancel", out_trade_no=intent_id)
        if isinstance(r, ProviderResult):
            return r
        if str(r.get("code")) == "10000" and r.get("retry_flag") != "Y":
            return ProviderResult(
                ProviderStatus.REVERSED,
                str(r.get("trade_no") or "") or None,
                None,
                "CNY",
                f"alipay: {r.get('action')}",
                raw=r,
            )
        if str(r.get("code")) == "10000":
            return ProviderResult(ProviderStatus.UNKNOWN, message="alipay: retry the cancel", raw=r)
        return self._failure(r)

    def verify_callback(self, headers: dict[str, str], body: bytes) -> CallbackEvent:
        """An asynchronous notify (form POST to notify_url), RSA2-signed by the gateway."""
        try:
            params = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProviderError(FailureKind.INVALID, "alipay notify: not a form") from exc
        sign = params.pop("sign", "")
        try:
            ok = bool(sign) and self.sdk().verify(dict(params), sign)
        except (ValueError, TypeError, AliPayException) as exc:
            raise ProviderError(FailureKind.INVALID, f"alipay notify: {exc}") from exc
        if not ok:
            raise ProviderError(FailureKind.INVALID, "alipay notify: bad signature")
        if params.get("app_id") != self.sdk().appid:
            raise ProviderError(FailureKind.INVALID, "alipay notify: another app's notify")
        intent_id = params.get("out_trade_no", "")
        if not intent_id:
            raise ProviderError(FailureKind.INVALID, "alipay notify: no out_trade_no")
        r = self._trade(params)
        return CallbackEvent(
            intent_id,
            r.status,
            r.provider_ref,
            r.amount or 0,
            "CNY",
            params.get("notify_id") or f"{intent_id}:{params.get('trade_status')}",
        )

    async def statement(self, since_ms: int, until_ms: int) -> list[StatementEntry]:
        return await emulator_statement(self.emulator_url, self.name, since_ms, until_ms)
