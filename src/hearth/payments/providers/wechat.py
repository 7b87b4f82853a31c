"""WeChat Pay API v3 through ``wechatpayv3``: payment-code pay (codepay) and native QR.

The two kinds end differently: a codepay order is reversed (``/reverse``), a native order is
closed (``/close``) while unpaid and refunded once paid; the platform refuses the other call.

The SDK signs every request (``WECHATPAY2-SHA256-RSA2048``), verifies every 2xx answer against
the platform public key (``public_key`` + ``public_key_id`` mode, so no certificate download),
and opens callback resources with the APIv3 key. It has no gateway option, so the adapter sets
its core's gateway attribute to point it at the emulator (or any other host). Calls are
synchronous (``requests``) and run in a worker thread with a connect/read timeout.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

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
    check_currency,
    emulator_statement,
    transport_failure,
)

REAL_GATEWAY = "https://api.mch.weixin.qq.com"
STATE = {
    "SUCCESS": ProviderStatus.SUCCEEDED,
    "REFUND": ProviderStatus.SUCCEEDED,
    "NOTPAY": ProviderStatus.PENDING,
    "USERPAYING": ProviderStatus.PENDING,
    "CLOSED": ProviderStatus.FAILED,
    "PAYERROR": ProviderStatus.FAILED,
    "REVOKED": ProviderStatus.REVERSED,
}
KEYS = (
    "wechat_mchid",
    "wechat_appid",
    "wechat_cert_serial_no",
    "wechat_private_key",
    "wechat_platform_public_key",
    "wechat_public_key_id",
    "wechat_apiv3_key",
)


class WechatProvider:
    name = "wechat"
    methods = frozenset({"scan_code", "merchant_qr"})
    wallets: frozenset[str] = frozenset({"wechat"})

    def __init__(
        self,
        *,
        gateway: str = REAL_GATEWAY,
        notify_url: str | None = None,
        timeout_s: float = 5.0,
        emulator_url: str = "",
        name: str = "wechat",
        **keys: str,
    ) -> None:
        self.name = name
        self.gateway = gateway.rstrip("/")
        # The SDK insists on a notify_url for native QR; without one nobody is told.
        self.notify_url = notify_url or "http://127.0.0.1:9/no-callbacks"
        self.timeout_s = timeout_s
        self.emulator_url = emulator_url
        self._conf = {k: keys.get(k, "") for k in KEYS}
        self._keys = (
            EmulatorKeySource(emulator_url)
            if emulator_url and not all(self._conf.values())
            else None
        )
        self._sdk: WeChatPay | None = None

    def sdk(self) -> WeChatPay:
        if self._sdk is None:
            conf = self._conf if self._keys is None else self._keys.get()
            sdk = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=conf["wechat_mchid"],
                private_key=conf["wechat_private_key"],
                cert_serial_no=conf["wechat_cert_serial_no"],
                appid=conf["wechat_appid"],
                apiv3_key=conf["wechat_apiv3_key"],
                notify_url=self.notify_url,
                timeout=(self.timeout_s, self.timeout_s),
                public_key=conf["wechat_platform_public_key"],
                public_key_id=conf["wechat_public_key_id"],
            )
            sdk._core._gate_way = self.gateway  # no public option for the host
            self._sdk = sdk
        return self._sdk

    async def _call(
        self, op: str, fn: str, **kw: Any
    ) -> tuple[int, dict[str, Any]] | ProviderResult:
        def run() -> tuple[int, Any]:
            code, text = getattr(self.sdk(), fn)(**kw)
            return int(code), text

        try:
            code, text = await asyncio.to_thread(run)
        except ProviderError:
            raise
        except requests.RequestException as exc:
            return transport_failure(op, "wechat", exc)
        except Exception as exc:  # the SDK raises bare Exception for a bad answer signature
            if "signature" in str(exc):
                raise ProviderError(FailureKind.INVALID, f"wechat: {exc}") from exc
            raise ProviderError(FailureKind.UNAVAILABLE, f"wechat: {exc}") from exc
        if code >= 500:
            raise ProviderError(FailureKind.UNAVAILABLE, f"wechat: HTTP {code}")
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError) as exc:
            raise ProviderError(FailureKind.UNAVAILABLE, f"wechat: HTTP {code}, not JSON") from exc
        if code == 401:
            raise ProviderError(FailureKind.INVALID, f"wechat: {data.get('message')}")
        return code, data if isinstance(data, dict) else {}

    def _trade(self, data: dict[str, Any], expect: int | None = None) -> ProviderResult:
        status = STATE.get(str(data.get("trade_state")), ProviderStatus.UNKNOWN)
        amount_obj = data.get("amount") or {}
        amount = amount_obj.get("total") if isinstance(amount_obj, dict) else None
        if not isinstance(amount, int) or amount <= 0:
            raise ProviderError(FailureKind.INVALID, "wechat: answer without an amount")
        currency = check_currency(amount_obj.get("currency", "CNY"))
        if expect is not None and amount != expect:
            raise ProviderError(
                FailureKind.INVALID, f"wechat: amount {amount} does not match {expect}"
            )
        return ProviderResult(
            status,
            str(data.get("transaction_id") or "") or None,
            amount,
            currency,
            f"wechat: {data.get('trade_state')}",
            raw=data,
        )

    async def charge(self, req: ChargeRequest) -> ProviderResult:
        check_currency(req.currency)
        common: dict[str, Any] = {
            "description": req.description or "Hearth",
            "out_trade_no": req.intent_id,
            "amount": {"total": req.amount, "currency": req.currency},
            "attach": bill_of(req.description),
        }
        if req.method == "scan_code":
            if not req.auth_code:
                raise ProviderError(FailureKind.INVALID, "wechat: no payment code scanned")
            out = await self._call(
                "charge",
                "pay",
                pay_type=WeChatPayType.CODEPAY,
                payer={"auth_code": req.auth_code},
                scene_info={"store_info": {"out_id": "hearth"}},
                **common,
            )
        elif req.method == "merchant_qr":
            out = await self._call("charge", "pay", pay_type=WeChatPayType.NATIVE, **common)
        else:
            raise ProviderError(FailureKind.INVALID, f"wechat does not take {req.method}")
        if isinstance(out, ProviderResult):
            return out
        code, data = out
        if req.method == "merchant_qr" and code == 200:
            return ProviderResult(
                ProviderStatus.PENDING,
                None,
                req.amount,
                req.currency,
                "wechat: QR ready",
                qr_content=str(data.get("code_url")),
                raw=data,
            )
        if code == 200:
            return self._trade(data, req.amount)
        if code == 202:  # USERPAYING: the customer is entering the password
            return ProviderResult(
                ProviderStatus.PENDING,
                None,
                req.amount,
                req.currency,
                f"wechat: {data.get('message')}",
                raw=data,
            )
        return ProviderResult(
            ProviderStatus.FAILED,
            message=f"wechat: {data.get('message')} ({data.get('code')})",
            raw=data,
        )

    async def query(self, intent_id: str) -> ProviderResult:
        out = await self._call("query", "query", out_trade_no=intent_id)
        if isinstance(out, ProviderResult):
            return out
        code, data = out
        if code == 200:
            return self._trade(data)
        if code == 404:
            return ProviderResult(ProviderStatus.NOT_FOUND, message="wechat: no such order")
        raise ProviderError(FailureKind.INVALID, f"wechat: {data.get('message')}")

    async def refund(self, intent_id: str, refund_id: str, amount: int) -> ProviderResult:
        paid = await self.query(intent_id)  # the v3 refund needs the order's total
        if paid.status is ProviderStatus.NOT_FOUND or paid.amount is None:
            return paid
        return await self._refund(intent_id, refund_id, amount, paid.amount, paid.currency or "CNY")

    async def _refund(
        self, intent_id: str, refund_id: str, amount: int, total: int, currency: str
    ) -> ProviderResult:
        out = await self._call(
            "refund",
            "refund",
            out_refund_no=refund_id,
            out_trade_no=intent_id,
            amount={"refund": amount, "total": total, "currency": currency},
        )
        if isinstance(out, ProviderResult):
            return out
        code, data = out
        if code == 200 and data.get("status") in ("SUCCESS", "PROCESSING"):
            return ProviderResult(
                ProviderStatus.REFUNDED,
                str(data.get("refund_id")),
                int((data.get("amount") or {}).get("refund", amount)),
                currency,
                "wechat: refunded",
                raw=data,
            )
        return self._refused(data)

    @staticmethod
    def _refused(data: dict[str, Any]) -> ProviderResult:
        return ProviderResult(
            ProviderStatus.FAILED,
            message=f"wechat: {data.get('message')} ({data.get('code')})",
            raw=data,
        )

    async def reverse(self, intent_id: str, method: str | None = None) -> ProviderResult:
        """Give an order back the way WeChat Pay v3 wants for its kind.

        A payment-code (codepay) order is reversed: closed if unpaid, refunded if paid. A
        native (merchant QR) order cannot be reversed: it is closed while unpaid (so a
        customer scanning it later cannot pay), and refunded in full once paid. Without
        ``method`` the order's own ``trade_type`` decides."""
        if method is None:
            seen = await self.query(intent_id)
            method = "merchant_qr" if seen.raw.get("trade_type") == "NATIVE" else "scan_code"
        if method == "merchant_qr":
            return await self._close_native(intent_id)
        out = await self._call("reverse", "codepay_reverse", out_trade_no=intent_id)
        if isinstance(out, ProviderResult):
            return out
        code, data = out
        if code in (200, 204):
            return ProviderResult(
                ProviderStatus.REVERSED, None, None, "CNY", "wechat: reversed", raw=data
            )
        return self._refused(data)

    async def _close_native(self, intent_id: str) -> ProviderResult:
        out = await self._call("reverse", "close", out_trade_no=intent_id)
        if isinstance(out, ProviderResult):
            return out
        code, data = out
        if code in (200, 204):
            return ProviderResult(
                ProviderStatus.REVERSED, None, None, "CNY", "wechat: order closed", raw=data
            )
        if data.get("code") != "ORDERPAID":
            return self._refused(data)
        # Paid already (the customer scanned it): a paid order is given back by a refund of
        # everything, under a refund number derived from the intent, so a retry is the same.
        paid = await self.query(intent_id)
        if paid.status in (ProviderStatus.REVERSED, ProviderStatus.FAILED):
            return ProviderResult(
                ProviderStatus.REVERSED,
                paid.provider_ref,
                paid.amount,
                paid.currency,
                "wechat: nothing kept",
                raw=paid.raw,
            )
        if paid.status is not ProviderStatus.SUCCEEDED or paid.amount is None:
            return ProviderResult(
                ProviderStatus.UNKNOWN,
                message=f"wechat: order state {paid.raw.get('trade_state')}; try the close again",
            )
        back = await self._refund(
            intent_id, f"{intent_id}-reversal", paid.amount, paid.amount, paid.currency or "CNY"
        )
        if back.status is not ProviderStatus.REFUNDED:
            return back
        return ProviderResult(
            ProviderStatus.REVERSED,
            paid.provider_ref,
            paid.amount,
            paid.currency,
            "wechat: paid QR order refunded in full",
            raw=back.raw,
        )

    def verify_callback(self, headers: dict[str, str], body: bytes) -> CallbackEvent:
        """Signature over ``ts\\nnonce\\nbody\\n`` and the AES-GCM resource, both by the SDK."""
        try:
            data = self.sdk().callback(headers, body)
        except ProviderError:
            raise
        except Exception as exc:
            raise ProviderError(FailureKind.INVALID, f"wechat callback: {exc}") from exc
        if not data or not isinstance(data.get("resource"), dict):
            raise ProviderError(FailureKind.INVALID, "wechat callback: bad signature or resource")
        tx: dict[str, Any] = data["resource"]
        if tx.get("mchid") != self.sdk()._mchid:
            raise ProviderError(FailureKind.INVALID, "wechat callback: another merchant's")
        r = self._trade(tx)
        intent_id = str(tx.get("out_trade_no") or "")
        if not intent_id:
            raise ProviderError(FailureKind.INVALID, "wechat callback: no out_trade_no")
        return CallbackEvent(
            intent_id,
            r.status,
            r.provider_ref,
            r.amount or 0,
            r.currency or "CNY",
            str(data.get("id")),
        )

    async def statement(self, since_ms: int, until_ms: int) -> list[StatementEntry]:
        return await emulator_statement(self.emulator_url, self.name, since_ms, until_ms)
