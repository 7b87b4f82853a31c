"""Secrets handled in one place: argon2 for PINs and passwords, HMAC-signed expiring tokens.

Access tokens are signed rather than looked up so that checking one costs no database read on
the hot path; they carry the staff id, role and terminal, and expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Hasher:
    def __init__(self, time_cost: int = 2, memory_kib: int = 19 * 1024) -> None:
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)

    def hash(self, secret: str) -> str:
        return self._ph.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        try:
            return self._ph.verify(hashed, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(text: str) -> str:
    """For high-entropy tokens (terminal keys) a plain digest is enough to store them safely."""
    return hashlib.sha256(text.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class TokenClaims:
    staff_id: str
    role: str
    terminal_id: str | None
    expires_at_ms: int
    kind: str = "staff"  # "staff" for people; other kinds (a table's QR) come later


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _sign(self, body: bytes) -> str:
        return _b64(hmac.new(self._key, body, hashlib.sha256).digest())

    def mac(self, text: str, length: int = 22) -> str:
        """A short signature of ``text``, for codes that must stay small (a table's QR)."""
        return self._sign(text.encode())[:length]

    def verify_mac(self, text: str, mac: str, length: int = 22) -> bool:
        return hmac.compare_digest(mac, self.mac(text, length))

    def issue(self, claims: TokenClaims) -> str:
        body = json.dumps(
            {
                "s": claims.staff_id,
                "r": claims.role,
                "t": claims.terminal_id,
                "e": claims.expires_at_ms,
                "k": claims.kind,
            },
            separators=(",", ":"),
        ).encode()
        return f"v1.{_b64(body)}.{self._sign(body)}"

    def read(self, token: str, now_ms: int) -> TokenClaims | None:
        """The claims of a genuine, unexpired token; None for anything else."""
        try:
            version, body_b64, sig = token.split(".")
            if version != "v1":
                return None
            body = _unb64(body_b64)
            if not hmac.compare_digest(sig, self._sign(body)):
                return None
            data: dict[str, Any] = json.loads(body)
            claims = TokenClaims(
                data["s"], data["r"], data.get("t"), int(data["e"]), data.get("k", "staff")
            )
        except (ValueError, KeyError, TypeError):
            return None
        if claims.expires_at_ms <= now_ms:
            return None
        return claims
