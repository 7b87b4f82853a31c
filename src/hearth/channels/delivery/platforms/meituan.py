"""Meituan-style signing: flat string parameters (form or JSON), ``sig`` = MD5 of the
parameters sorted by name as ``k=v`` joined with ``&``, followed by the app secret.

The order itself travels as a JSON string in the ``order`` parameter, as Meituan pushes it, so
the signature covers exactly the bytes the platform sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

NAME = "meituan"


def signing_base(params: Mapping[str, str], secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "sig")
    return "&".join(f"{k}={v}" for k, v in pairs) + secret


def sign(params: Mapping[str, str], secret: str) -> str:
    return hashlib.md5(signing_base(params, secret).encode(), usedforsecurity=False).hexdigest()


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Constant-time comparison, so the answer time says nothing about the right signature."""
    given = params.get("sig", "")
    return bool(given) and hmac.compare_digest(given.lower(), sign(params, secret))


def signed(params: Mapping[str, str], secret: str) -> dict[str, str]:
    out = dict(params)
    out["sig"] = sign(out, secret)
    return out


def ok_answer(extra: dict[str, object] | None = None) -> dict[str, object]:
    """What Meituan expects on success: ``{"data": "ok"}``."""
    return {"data": "ok", **(extra or {})}


def refusal(code: int, message: str) -> dict[str, object]:
    """Meituan's error shape, merged into our problem details so the platform can read it."""
    return {"data": "ng", "error": {"code": code, "msg": message}}
