"""Payment routes: intents, tenders, refunds, shifts, provider health and callbacks."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/payments", tags=["payments"])
