"""Self-service kiosk routes: a registered kiosk orders and pays without a staff sign-in."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/kiosk", tags=["kiosk"])

# (method, path) pairs this module serves without a staff token; each must authenticate its
# caller some other way (a signed table token, a webhook signature, a kiosk key).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset()
