"""Idempotency keys for HQ owners' changes: a retry with the same key gets the first answer,
a different request with the same key is refused. Kept in the database, so any HQ worker
answers the retry. An answer's one-time secret (an enrolment code) is not stored: a replay
says it was shown once, and the owner issues a new code."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from pydantic import BaseModel

from hearth.core.digest import canonical_json
from hearth.hq.context import HQ, upsert
from hearth.hq.errors import HQError
from hearth.hq.tables import hq_idempotency

HEADER = "Idempotency-Key"


class Idempotency:
    def __init__(self, hq: HQ, key: str, path: str) -> None:
        self.hq, self.key, self.path = hq, key, path

    def once(
        self,
        owner: str,
        body: BaseModel | dict[str, Any],
        run: Callable[[], dict[str, Any]],
        secret: str | None = None,
    ) -> dict[str, Any]:
        data = body.model_dump() if isinstance(body, BaseModel) else body
        fingerprint = hashlib.sha256(canonical_json([self.path, data]).encode()).hexdigest()
        with self.hq.engine.connect() as conn:
            held = conn.execute(
                sa.select(hq_idempotency).where(
                    hq_idempotency.c.owner_code == owner, hq_idempotency.c.key == self.key
                )
            ).first()
        if held is not None:
            if held.fingerprint != fingerprint:
                raise HQError.IDEMPOTENCY_KEY_REUSED.problem(
                    "This key was used for a different request; use a new key."
                )
            return dict(held.response)
        answer = run()
        kept = dict(answer)
        if secret is not None:
            kept[secret] = None
            kept["replayed"] = "the code was shown once; issue a new one"
        with self.hq.engine.begin() as conn:
            conn.execute(
                upsert(conn, hq_idempotency)
                .values(
                    owner_code=owner,
                    key=self.key,
                    fingerprint=fingerprint,
                    response=kept,
                    created_at_ms=self.hq.clock.now_ms(),
                )
                .on_conflict_do_nothing()
            )
        return answer


async def idempotency(
    request: Request,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=200)] = None,
) -> Idempotency:
    if not idempotency_key:
        raise HQError.IDEMPOTENCY_KEY_MISSING.problem(
            "Send an Idempotency-Key header (a fresh random value per change) so a retry "
            "is answered, not repeated."
        )
    hq: HQ = request.app.state.hq
    return Idempotency(hq, idempotency_key, request.url.path)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
