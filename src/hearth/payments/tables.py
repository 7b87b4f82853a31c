"""Payment projections."""

from __future__ import annotations
