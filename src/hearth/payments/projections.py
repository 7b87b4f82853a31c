"""Payment projectors."""

from __future__ import annotations
