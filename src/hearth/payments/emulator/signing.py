"""The cryptography the three protocols use, shared by the emulator and checked by the adapters.

Alipay open API: RSA2 = SHA256withRSA (PKCS#1 v1.5) over the sorted ``k=v&...`` string.
WeChat Pay v3: SHA256withRSA over ``"method\\npath\\nts\\nnonce\\nbody\\n"`` in the
``Authorization`` header, answers and callbacks signed over ``"ts\\nnonce\\nbody\\n"``, callback
resources sealed with AEAD_AES_256_GCM under the merchant's APIv3 key.
Stripe: ``Stripe-Signature: t=...,v1=hex(HMAC-SHA256(secret, "t.payload"))``.

Keys are generated when an emulator starts (test keys, never real ones) and handed out through
``GET /_emulator/keys`` so a node pointed at the emulator can configure itself.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


@dataclass(frozen=True)
class EmulatorKeys:
    """Everything both sides need. Private keys of the merchant are here because the emulator
    plays the merchant's key ceremony too; a real store would generate its own."""

    alipay_app_id: str
    alipay_app_private_key: str  # merchant's key: signs requests (PEM, PKCS#8)
    alipay_app_public_key: str  # the gateway verifies requests with it
    alipay_platform_private_key: str  # the gateway signs answers and notifies
    alipay_platform_public_key: str  # configured in the merchant's SDK
    wechat_mchid: str
    wechat_appid: str
    wechat_cert_serial_no: str
    wechat_private_key: str  # merchant API key (signs Authorization)
    wechat_merchant_public_key: str
    wechat_platform_private_key: str
    wechat_platform_public_key: str
    wechat_public_key_id: str
    wechat_apiv3_key: str  # 32 chars, AES-256-GCM key for callback resources
    stripe_api_key: str
    stripe_webhook_secret: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> EmulatorKeys:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


def _pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    pub = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return priv, pub


def generate_keys() -> EmulatorKeys:
    a_priv, a_pub = _pair()
    ap_priv, ap_pub = _pair()
    w_priv, w_pub = _pair()
    wp_priv, wp_pub = _pair()
    return EmulatorKeys(
        alipay_app_id="2021000000000001",
        alipay_app_private_key=a_priv,
        alipay_app_public_key=a_pub,
        alipay_platform_private_key=ap_priv,
        alipay_platform_public_key=ap_pub,
        wechat_mchid="1900000001",
        wechat_appid="wx0000000000000001",
        wechat_cert_serial_no=secrets.token_hex(20).upper(),
        wechat_private_key=w_priv,
        wechat_merchant_public_key=w_pub,
        wechat_platform_private_key=wp_priv,
        wechat_platform_public_key=wp_pub,
        wechat_public_key_id="PUB_KEY_ID_" + secrets.token_hex(8).upper(),
        wechat_apiv3_key=secrets.token_hex(16),  # 32 ASCII chars
        stripe_api_key="sk_test_" + secrets.token_hex(12),
        stripe_webhook_secret="whsec_" + secrets.token_hex(16),
    )


@functools.lru_cache(maxsize=64)  # loading a private key checks it: ~50 ms, do it once
def _private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@functools.lru_cache(maxsize=64)
def _public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def rsa_sign(private_pem: str, message: str) -> str:
    sig = _private(private_pem).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode()


def rsa_verify(public_pem: str, message: str, signature: str) -> bool:
    try:
        _public(public_pem).verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return True
    except (InvalidSignature, ValueError):
        return False


# --- Alipay ---------------------------------------------------------------------------------


def alipay_sign_string(params: dict[str, str], *, drop_sign_type: bool) -> str:
    """Requests sign everything but ``sign``; notifies also leave out ``sign_type``."""
    skip = {"sign", "sign_type"} if drop_sign_type else {"sign"}
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in skip and v != "")


def alipay_signed_response(
    response_type: str, payload: dict[str, object], platform_private_pem: str
) -> str:
    """The gateway's answer: the exact JSON text of the inner object is what is signed."""
    inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    sign = rsa_sign(platform_private_pem, inner)
    return f'{{"{response_type}":{inner},"sign":"{sign}"}}'


# --- WeChat Pay v3 --------------------------------------------------------------------------


def wechat_parse_authorization(header: str) -> dict[str, str] | None:
    scheme = "WECHATPAY2-SHA256-RSA2048 "
    if not header.startswith(scheme):
        return None
    out: dict[str, str] = {}
    for part in header[len(scheme) :].split(","):
        k, _, v = part.strip().partition("=")
        out[k] = v.strip('"')
    return (
        out if {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= out.keys() else None
    )


def wechat_request_message(method: str, path: str, ts: str, nonce: str, body: str) -> str:
    return f"{method}\n{path}\n{ts}\n{nonce}\n{body}\n"


def wechat_response_headers(
    platform_private_pem: str, public_key_id: str, body: str
) -> dict[str, str]:
    ts = str(int(time.time()))
    nonce = secrets.token_hex(16).upper()
    return {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(platform_private_pem, f"{ts}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": public_key_id,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def wechat_seal(
    apiv3_key: str, plaintext: str, associated_data: str = "transaction"
) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 ASCII bytes, as WeChat sends
    ct = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ct).decode(),
        "associated_data": associated_data,
        "original_type": "transaction",
        "nonce": nonce,
    }


# --- Stripe ---------------------------------------------------------------------------------


def stripe_signature_header(secret: str, payload: str, ts: int | None = None) -> str:
    t = int(time.time()) if ts is None else ts
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def random_id(prefix: str, n: int = 12) -> str:
    return prefix + os.urandom(n).hex()
