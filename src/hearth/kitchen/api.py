"""Kitchen routes: stations, tickets, bump and recall, the live feed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/kitchen", tags=["kitchen"])
