"""The emulator itself: it refuses what the real gateways refuse, keeps honest books, and its
control endpoints do what the fault suite and the demo rely on."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

import httpx
import pytest

from hearth.payments.emulator import Emulator
from hearth.payments.emulator.codes import ALIPAY_CODE, WECHAT_CODE
from hearth.payments.emulator.signing import alipay_sign_string, rsa_sign
from hearth.testing.ports import ReservedPort
from hearth.testing.waiting import wait_until


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator().start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def clean(emu: Emulator) -> None:
    emu.reset()


def alipay_form(
    emu: Emulator, method: str, biz: Mapping[str, object], key: str | None = None
) -> dict[str, str]:
    params = {
        "app_id": emu.keys.alipay_app_id,
        "method": method,
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": "2026-11-25 10:00:00",
        "version": "1.0",
        "biz_content": json.dumps(biz, separators=(",", ":")),
    }
    params["sign"] = rsa_sign(
        key or emu.keys.alipay_app_private_key, alipay_sign_string(params, drop_sign_type=False)
    )
    return params


def post_alipay(emu: Emulator, params: dict[str, str]) -> dict[str, object]:
    r = httpx.post(
        f"{emu.url}/gateway.do",
        content=urlencode(params),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200
    body: dict[str, object] = r.json()
    return body


def test_alipay_request_signed_with_the_wrong_key_is_refused(emu: Emulator) -> None:
    other = Emulator().keys
    biz = {
        "out_trade_no": "x1",
        "scene": "bar_code",
        "auth_code": ALIPAY_CODE,
        "subject": "s",
        "total_amount": "1.00",
    }
    out = post_alipay(emu, alipay_form(emu, "alipay.trade.pay", biz, other.alipay_app_private_key))
    inner = out["alipay_trade_pay_response"]
    assert isinstance(inner, dict) and inner["sub_code"] == "isv.invalid-signature"
    params = alipay_form(emu, "alipay.trade.pay", biz)
    params["biz_content"] = params["biz_content"].replace("1.00", "0.01")  # changed after signing
    inner = post_alipay(emu, params)["alipay_trade_pay_response"]
    assert isinstance(inner, dict) and inner["code"] == "40002"
    assert emu.ledger()["trades"] == []


def test_wechat_request_without_a_valid_authorization_is_401(emu: Emulator) -> None:
    r = httpx.post(f"{emu.url}/v3/pay/transactions/codepay", json={"out_trade_no": "x"})
    assert r.status_code == 401 and r.json()["code"] == "SIGN_ERROR"
    r = httpx.post(
        f"{emu.url}/v3/pay/transactions/codepay",
        json={"out_trade_no": "x"},
        headers={
            "Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1900000001",'
            'nonce_str="n",signature="AAAA",timestamp="1",serial_no="x"'
        },
    )
    assert r.status_code == 401
    assert emu.ledger()["trades"] == []


def test_card_needs_the_api_key_and_honours_idempotency_keys(emu: Emulator) -> None:
    url = f"{emu.url}/v1/payment_intents"
    form = {
        "amount": "500",
        "currency": "cny",
        "confirm": "true",
        "payment_method": "pm_card_visa",
        "metadata[hearth_intent]": "i-1",
        "metadata[bill]": "b-1",
    }
    assert (
        httpx.post(url, data=form, headers={"Authorization": "Bearer sk_wrong"}).status_code == 401
    )
    auth = {"Authorization": f"Bearer {emu.keys.stripe_api_key}", "Idempotency-Key": "i-1"}
    first = httpx.post(url, data=form, headers=auth)
    again = httpx.post(url, data=form, headers=auth)
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = httpx.post(url, data=form | {"amount": "600"}, headers=auth)
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"
    assert emu.ledger()["bills"]["b-1"]["captures_ever"] == 1


def test_ledger_records_two_captures_for_one_bill(emu: Emulator) -> None:
    """Different intent ids for the same bill DO capture twice (as a real provider would);
    the ledger shows it so the fault suite can catch a store that does this."""
    for intent in ("i-a", "i-b"):
        biz = {
            "out_trade_no": intent,
            "scene": "bar_code",
            "auth_code": ALIPAY_CODE,
            "subject": "order bill-9",
            "body": "bill-9",
            "total_amount": "9.90",
        }
        inner = post_alipay(emu, alipay_form(emu, "alipay.trade.pay", biz))[
            "alipay_trade_pay_response"
        ]
        assert isinstance(inner, dict) and inner["code"] == "10000"
    book = httpx.get(f"{emu.url}/_emulator/ledger").json()
    assert book["bills_with_several_kept_captures"] == ["bill-9"]
    assert book["bills"]["bill-9"]["kept"] == 1980


def test_alipay_refuses_a_code_that_is_not_an_alipay_code(emu: Emulator) -> None:
    for code in (WECHAT_CODE, "2812", "DECLINE-1"):
        biz = {
            "out_trade_no": f"w-{code}",
            "scene": "bar_code",
            "auth_code": code,
            "subject": "s",
            "total_amount": "1.00",
        }
        inner = post_alipay(emu, alipay_form(emu, "alipay.trade.pay", biz))[
            "alipay_trade_pay_response"
        ]
        assert isinstance(inner, dict) and inner["sub_code"] == "ACQ.PAYMENT_AUTH_CODE_INVALID"
    assert emu.ledger()["trades"] == []


def test_fault_control_validates_and_expires(emu: Emulator) -> None:
    bad = httpx.post(f"{emu.url}/_emulator/faults", json={"provider": "alipay", "mode": "x"})
    assert bad.status_code == 400
    bad = httpx.post(
        f"{emu.url}/_emulator/faults", json={"provider": "alipay", "mode": "slow", "probability": 2}
    )
    assert bad.status_code == 400
    ok = httpx.post(
        f"{emu.url}/_emulator/faults", json={"provider": "card", "mode": "down", "seconds": 0.3}
    )
    assert [r["mode"] for r in ok.json()["rules"]] == ["down"]
    wait_until(
        lambda: httpx.get(f"{emu.url}/_emulator/faults").json()["rules"] == [],
        what="the 0.3 s rule to expire",
    )
    httpx.post(f"{emu.url}/_emulator/faults", json={"provider": "*", "mode": "error_5xx"})
    assert len(httpx.get(f"{emu.url}/_emulator/faults").json()["rules"]) == 3
    httpx.post(f"{emu.url}/_emulator/faults", json={"clear": True})
    assert httpx.get(f"{emu.url}/_emulator/faults").json()["rules"] == []


def test_statement_endpoint_filters_by_provider_and_time(emu: Emulator) -> None:
    t0 = int(time.time() * 1000)
    biz = {
        "out_trade_no": "s-1",
        "scene": "bar_code",
        "auth_code": ALIPAY_CODE,
        "subject": "s",
        "total_amount": "3.00",
    }
    post_alipay(emu, alipay_form(emu, "alipay.trade.pay", biz))
    got = httpx.get(
        f"{emu.url}/_emulator/statement", params={"provider": "alipay", "since_ms": t0 - 1}
    ).json()["entries"]
    assert [(e["intent_id"], e["kind"], e["amount"]) for e in got] == [("s-1", "charge", 300)]
    assert (
        httpx.get(f"{emu.url}/_emulator/statement", params={"provider": "card"}).json()["entries"]
        == []
    )
    assert (
        httpx.get(f"{emu.url}/_emulator/statement", params={"until_ms": t0 - 1}).json()["entries"]
        == []
    )


def test_runs_as_its_own_process() -> None:
    port = ReservedPort()
    with port.listener() as sock:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hearth.payments.emulator", "--fd", str(sock.fileno())],
            pass_fds=[sock.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def keys() -> dict[str, str] | None:
        assert proc.poll() is None, "the emulator process exited"
        try:
            return dict(httpx.get(f"http://127.0.0.1:{port.port}/_emulator/keys", timeout=1).json())
        except httpx.HTTPError:
            return None

    try:
        got = wait_until(keys, timeout=20, what="the emulator process to answer")
        assert got["alipay_platform_public_key"].startswith("-----BEGIN PUBLIC KEY-----")
        assert len(got["wechat_apiv3_key"]) == 32
    finally:
        proc.terminate()
        proc.wait(10)
        port.release()
