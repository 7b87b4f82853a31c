"""HQ owners: the people who create stores and publish the catalogue. Signed tokens, with
the signing key kept in HQ's database so every worker issues and checks the same tokens."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hearth.core.security import Hasher, TokenClaims, random_token
from hearth.hq.context import HQ, upsert
from hearth.hq.errors import HQError
from hearth.hq.tables import hq_secrets, hq_staff

TOKEN_KIND = "hq-owner"
ROLE = "owner"


def signing_key(engine: Engine) -> str:
    """The key every HQ worker signs with: the first worker to start writes it, the rest read
    the same row."""
    with engine.begin() as conn:
        conn.execute(
            upsert(conn, hq_secrets)
            .values(name="token_key", value=random_token(32))
            .on_conflict_do_nothing()
        )
        return str(
            conn.execute(
                sa.select(hq_secrets.c.value).where(hq_secrets.c.name == "token_key")
            ).scalar_one()
        )


def add_owner(hq: HQ, code: str, name: str, password: str) -> None:
    """Add an owner, or set a new password for one (the CLI's add-owner)."""
    if len(password) < 8:
        raise HQError.SIGN_IN_FAILED.problem(
            "An HQ password has at least 8 characters.", field="password"
        )
    hashed = hq.hasher.hash(password)
    with hq.engine.begin() as conn:
        stmt = upsert(conn, hq_staff).values(
            code=code, name=name, password_hash=hashed, created_at_ms=hq.clock.now_ms()
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[hq_staff.c.code],
                set_={"password_hash": stmt.excluded.password_hash, "name": stmt.excluded.name},
            )
        )


def sign_in(hq: HQ, code: str, password: str) -> tuple[str, int]:
    with hq.engine.connect() as conn:
        row = conn.execute(sa.select(hq_staff).where(hq_staff.c.code == code)).first()
    # Hash even for an unknown code, so the time taken does not say which codes exist.
    if (
        not hq.hasher.verify(row.password_hash if row else _DUMMY.get(hq.hasher), password)
        or row is None
    ):
        raise HQError.SIGN_IN_FAILED.problem("Check the code and password.", field="password")
    expires = hq.clock.now_ms() + hq.token_ttl_ms
    return hq.signer.issue(TokenClaims(code, ROLE, None, expires, TOKEN_KIND)), expires


def check_token(hq: HQ, token: str) -> str:
    claims = hq.signer.read(token, hq.clock.now_ms())
    if claims is None or claims.kind != TOKEN_KIND:
        raise HQError.NOT_SIGNED_IN.problem(
            "Your HQ sign-in has expired; sign in again.",
            extra={"headers": {"WWW-Authenticate": "Bearer"}},
        )
    return claims.staff_id


class _Dummy:
    """One hash per hasher to verify against when the code is unknown."""

    def __init__(self) -> None:
        self._by: dict[int, str] = {}

    def get(self, hasher: Hasher) -> str:
        if id(hasher) not in self._by:
            self._by[id(hasher)] = hasher.hash(random_token(16))
        return self._by[id(hasher)]


_DUMMY = _Dummy()
