"""Douyin-style signing: a JSON body, ``X-Douyin-Timestamp`` (seconds) and
``X-Douyin-Signature`` = hex HMAC-SHA256 over ``timestamp + "\n" + raw body`` with the app
secret. The raw bytes are signed, so re-encoding the JSON can never make a valid request fail.
"""

from __future__ import annotations

import hashlib
import hmac

NAME = "douyin"
TIMESTAMP_HEADER = "X-Douyin-Timestamp"
SIGNATURE_HEADER = "X-Douyin-Signature"
APP_HEADER = "X-Douyin-App-Id"


def sign(timestamp: str, body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def verify(timestamp: str, body: bytes, signature: str, secret: str) -> bool:
    return bool(signature) and hmac.compare_digest(signature.lower(), sign(timestamp, body, secret))


def headers(app_id: str, timestamp: str, body: bytes, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        APP_HEADER: app_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(timestamp, body, secret),
    }


def ok_answer(extra: dict[str, object] | None = None) -> dict[str, object]:
    """What Douyin expects on success: ``err_no`` 0."""
    return {"err_no": 0, "err_tips": "success", **(extra or {})}


def refusal(code: int, message: str) -> dict[str, object]:
    return {"err_no": code, "err_tips": message}
