"""Asynchronous notifications: what the emulator sends (as each provider would) and what the
adapters accept. Only a genuine, well-shaped callback becomes a CallbackEvent."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

import pytest

from hearth.core.config import Settings
from hearth.payments.emulator import Emulator
from hearth.payments.emulator.signing import (
    alipay_sign_string,
    rsa_sign,
    stripe_signature_header,
    wechat_response_headers,
    wechat_seal,
)
from hearth.payments.emulator.sink import CallbackSink
from hearth.payments.providers.base import (
    ChargeRequest,
    FailureKind,
    Provider,
    ProviderError,
    ProviderStatus,
)
from hearth.payments.providers.factory import build_providers

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NAMES = ["alipay", "wechat", "card"]


@pytest.fixture(scope="module")
def sink() -> Iterator[CallbackSink]:
    s = CallbackSink().start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def emu(sink: CallbackSink) -> Iterator[Emulator]:
    e = Emulator(qr_autopay_ms=100, stripe_webhook_url=f"{sink.url}/card").start()
    yield e
    e.stop()


@pytest.fixture(scope="module")
def adapters(emu: Emulator, sink: CallbackSink) -> dict[str, Provider]:
    s = Settings(
        payment_emulator_url=emu.url, payment_notify_url_template=f"{sink.url}/{{provider}}"
    )
    return {p.name: p for p in build_providers(s)}


@pytest.fixture(autouse=True)
def clean(emu: Emulator, sink: CallbackSink) -> None:
    emu.reset()
    sink.clear()


def pay(name: str, p: Provider, amount: int = 1880) -> ChargeRequest:
    """A QR payment for the wallets (they notify), a card for the acquirer (webhook)."""
    method = "card" if name == "card" else "merchant_qr"
    req = ChargeRequest(f"pi-{uuid.uuid4().hex[:12]}", amount, "CNY", method, "order cb")
    out = asyncio.run(p.charge(req))
    assert out.status in (ProviderStatus.PENDING, ProviderStatus.SUCCEEDED)
    return req


def delivered(sink: CallbackSink, name: str, n: int = 1) -> list[tuple[dict[str, str], bytes]]:
    got = [(h, b) for path, h, b in sink.wait_for(n) if path == f"/{name}"]
    assert len(got) >= n, f"{name}: {len(got)} callbacks"
    return got


@pytest.mark.parametrize("name", NAMES)
def test_genuine_callback_verifies(
    name: str, emu: Emulator, sink: CallbackSink, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    req = pay(name, p)
    headers, body = delivered(sink, name)[0]
    ev = p.verify_callback(headers, body)
    assert ev.intent_id == req.intent_id
    assert ev.status is ProviderStatus.SUCCEEDED
    assert (ev.amount, ev.currency) == (1880, "CNY")
    assert ev.provider_ref and ev.event_id


def tamper(name: str, body: bytes) -> bytes:
    if name == "alipay":
        params = dict(parse_qsl(body.decode()))
        params["total_amount"] = "0.01"
        return urlencode(params).encode()
    if name == "card":
        return body.replace(b'"amount":1880', b'"amount":1')
    data = json.loads(body)
    data["event_type"] = "TRANSACTION.CLOSED"
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("name", NAMES)
def test_a_tampered_callback_is_invalid(
    name: str, sink: CallbackSink, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    pay(name, p)
    headers, body = delivered(sink, name)[0]
    with pytest.raises(ProviderError) as exc:
        p.verify_callback(headers, tamper(name, body))
    assert exc.value.kind is FailureKind.INVALID


@pytest.mark.parametrize("name", NAMES)
def test_a_callback_signed_with_another_key_is_invalid(
    name: str, sink: CallbackSink, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    pay(name, p)
    headers, body = delivered(sink, name)[0]
    other = Emulator().keys  # fresh keys nobody configured
    if name == "alipay":
        params = dict(parse_qsl(body.decode()))
        params["sign"] = rsa_sign(
            other.alipay_platform_private_key, alipay_sign_string(params, drop_sign_type=True)
        )
        body = urlencode(params).encode()
    elif name == "card":
        headers = headers | {
            "Stripe-Signature": stripe_signature_header(other.stripe_webhook_secret, body.decode())
        }
    else:
        headers = wechat_response_headers(
            other.wechat_platform_private_key, headers["Wechatpay-Serial"], body.decode()
        )
    with pytest.raises(ProviderError) as exc:
        p.verify_callback(headers, body)
    assert exc.value.kind is FailureKind.INVALID
    with pytest.raises(ProviderError):
        p.verify_callback({}, body)  # no signature at all


@pytest.mark.parametrize("name", NAMES)
def test_a_genuinely_signed_callback_with_a_bad_amount_or_currency_is_invalid(
    name: str, emu: Emulator, adapters: dict[str, Provider]
) -> None:
    """The signature is right but the shape is not: refused all the same."""
    p = adapters[name]
    k = emu.keys
    if name == "alipay":
        params = {
            "app_id": k.alipay_app_id,
            "out_trade_no": "pi-x",
            "trade_no": "t1",
            "trade_status": "TRADE_SUCCESS",
            "total_amount": "-5.00",
            "notify_id": "n1",
            "sign_type": "RSA2",
        }
        params["sign"] = rsa_sign(
            k.alipay_platform_private_key, alipay_sign_string(params, drop_sign_type=True)
        )
        headers, body = {}, urlencode(params).encode()
    elif name == "card":
        text = json.dumps(
            {
                "id": "evt_1",
                "type": "payment_intent.succeeded",
                "object": "event",
                "data": {
                    "object": {
                        "id": "pi_1",
                        "amount": 100,
                        "currency": "元元",
                        "metadata": {"hearth_intent": "pi-x"},
                    }
                },
            }
        )
        headers = {"Stripe-Signature": stripe_signature_header(k.stripe_webhook_secret, text)}
        body = text.encode()
    else:
        tx = {
            "mchid": k.wechat_mchid,
            "out_trade_no": "pi-x",
            "transaction_id": "42",
            "trade_state": "SUCCESS",
            "amount": {"total": "100", "currency": "CNY"},
        }
        text = json.dumps(
            {
                "id": "e1",
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "resource": wechat_seal(k.wechat_apiv3_key, json.dumps(tx)),
            }
        )
        headers = wechat_response_headers(
            k.wechat_platform_private_key, k.wechat_public_key_id, text
        )
        body = text.encode()
    with pytest.raises(ProviderError) as exc:
        p.verify_callback(headers, body)
    assert exc.value.kind is FailureKind.INVALID


@pytest.mark.parametrize("name", NAMES)
def test_duplicate_callbacks_carry_the_same_event_id(
    name: str, emu: Emulator, sink: CallbackSink, adapters: dict[str, Provider]
) -> None:
    p = adapters[name]
    emu.fault(name, "duplicate_callbacks")
    req = pay(name, p)
    got = delivered(sink, name, 2)
    events = [p.verify_callback(h, b) for h, b in got]
    assert len({e.event_id for e in events}) == 1
    assert {e.intent_id for e in events} == {req.intent_id}
    assert emu.ledger()["bills"]["cb"]["captures_ever"] == 1  # one capture, told twice


@pytest.mark.parametrize("name", ["alipay", "wechat"])
def test_out_of_order_callbacks_end_with_a_stale_one(
    name: str, emu: Emulator, sink: CallbackSink, adapters: dict[str, Provider]
) -> None:
    """The last notification to arrive says "still waiting" after the payment succeeded: a
    store that trusts arrival order would be wrong, so both verify and the caller decides by
    state, not by order."""
    p = adapters[name]
    emu.fault(name, "out_of_order_callbacks")
    pay(name, p)
    got = delivered(sink, name, 2)
    statuses = [p.verify_callback(h, b).status for h, b in got]
    assert ProviderStatus.SUCCEEDED in statuses and ProviderStatus.PENDING in statuses
    assert statuses[-1] is ProviderStatus.PENDING
