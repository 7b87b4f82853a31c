"""A diner joins or signs in on the QR page with their phone and a one-time code.

The code is six digits, kept only as a hash, good for 5 minutes and 5 tries; a new request
replaces it. It reaches the diner through an ``SmsGateway``: the demo's prints it to the log
(``LogSms``); a real gateway is an adapter with the same one method, put on the node's parts.
Neither call takes an Idempotency-Key: asking again sends a new code (the old one stops
working), and a code verifies once. A right code signs the diner in with a member token
(kind ``member``, 12 hours); with a name and no membership yet, it also makes them a member
(marketing consent only if they ticked it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
import structlog
from fastapi import APIRouter
from pydantic import Field

from hearth.core.api import NodeDep, Strict
from hearth.core.node import Node
from hearth.core.security import TokenClaims
from hearth.core.writer import Tx
from hearth.members import domain as d
from hearth.members import service
from hearth.members.errors import MembersError
from hearth.members.service import Who
from hearth.members.tables import member_otps, members

log = structlog.get_logger(__name__)

CODE_TTL_MS = 5 * 60_000
# One code per phone per minute: the route is public (a diner is not signed in yet), and every
# call costs the restaurant a text message, so a script must not be able to send thousands.
RESEND_AFTER_MS = 60_000
MAX_TRIES = 5
TOKEN_TTL_MS = 12 * 3600_000


class SmsGateway(Protocol):
    def send_code(self, phone: str, code: str) -> None: ...


class LogSms:
    """The demo's gateway: the code goes to the log, where the person trying the demo reads it."""

    def send_code(self, phone: str, code: str) -> None:
        log.info("members.sms_code", phone=d.mask_phone(phone), code=code)


def _hash(phone: str, code: str) -> str:
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


router = APIRouter(prefix="/api/members/qr", tags=["members"])
PUBLIC_ROUTES = frozenset({("POST", "/api/members/qr/code"), ("POST", "/api/members/qr/verify")})


class CodeIn(Strict):
    phone: str = Field(min_length=3, max_length=30)


class VerifyIn(Strict):
    phone: str = Field(min_length=3, max_length=30)
    code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")
    name: str | None = Field(default=None, min_length=1, max_length=80)
    consent_version: int | None = Field(default=None, ge=1, le=10_000)


@dataclass
class Sms:
    """The node's part holding the gateway: a deployment puts ``Sms(its_adapter)`` on the
    node's parts at build; without one, the log gateway."""

    gateway: SmsGateway


def gateway(node: Node) -> SmsGateway:
    return node.parts.setdefault(Sms, lambda: Sms(LogSms())).gateway


@router.post("/code", summary="Send a one-time sign-in code to a phone (the demo logs it)")
async def send_code(body: CodeIn, node: NodeDep) -> dict[str, Any]:
    phone = service.phone_of(body.phone)
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = node.now_ms() + CODE_TTL_MS

    def save(tx: Tx) -> int:
        last = tx.conn.execute(
            sa.select(member_otps.c.expires_at_ms).where(member_otps.c.phone == phone)
        ).scalar()
        sent_at = last - CODE_TTL_MS if last is not None else None
        if sent_at is not None and node.now_ms() < sent_at + RESEND_AFTER_MS:
            return sent_at + RESEND_AFTER_MS - node.now_ms()
        tx.conn.execute(member_otps.delete().where(member_otps.c.phone == phone))
        tx.conn.execute(
            member_otps.insert().values(
                phone=phone, code_hash=_hash(phone, code), expires_at_ms=expires, tries=0
            )
        )
        return 0

    wait_ms = await node.writer.submit(save)
    if wait_ms > 0:
        seconds = max(1, -(-wait_ms // 1000))
        raise MembersError.CODE_TOO_SOON.problem(
            f"A code was sent to this phone less than a minute ago; wait {seconds} seconds "
            "before asking for another.",
            field="phone",
            extra={"retry_after_s": seconds, "headers": {"Retry-After": str(seconds)}},
        )
    gateway(node).send_code(phone, code)
    return {"phone": d.mask_phone(phone), "expires_at_ms": expires}


@router.post("/verify", summary="Sign in (or join) with the phone and its code")
async def verify(body: VerifyIn, node: NodeDep) -> dict[str, Any]:
    phone = service.phone_of(body.phone)
    who = Who(None, node.now_ms(), node.settings.timezone)

    def check(tx: Tx) -> str | None:
        row = tx.conn.execute(sa.select(member_otps).where(member_otps.c.phone == phone)).first()
        if row is None or row.expires_at_ms <= who.now_ms or row.tries >= MAX_TRIES:
            return "expired"
        if not hmac.compare_digest(row.code_hash, _hash(phone, body.code)):
            tx.conn.execute(
                member_otps.update()
                .where(member_otps.c.phone == phone)
                .values(tries=member_otps.c.tries + 1)
            )
            return "wrong"
        tx.conn.execute(member_otps.delete().where(member_otps.c.phone == phone))
        return None

    why = await node.writer.submit(check)
    if why is not None:
        raise MembersError.CODE_INVALID.problem(
            "That code is not right; check the message or ask for a new one."
            if why == "wrong"
            else "The code has expired or was tried too often; ask for a new one.",
            field="code",
        )

    def join_or_find(tx: Tx) -> str:
        row = tx.conn.execute(sa.select(members.c.id).where(members.c.phone == phone)).first()
        if row is not None:
            return str(row.id)
        if body.name is None:
            raise MembersError.MEMBER_NOT_FOUND.problem(
                "No member has this phone yet: give your name to join.", field="name"
            )
        return service.join(
            tx, who, phone=phone, name=body.name, consent_version=body.consent_version, source="qr"
        )

    member_id = await node.writer.submit(join_or_find)
    token = node.signer.issue(
        TokenClaims(member_id, "member", None, who.now_ms + TOKEN_TTL_MS, kind="member")
    )
    with node.engine.connect() as conn:
        member = service.get_member(conn, member_id, "")
    return {"member": member, "token": token}
