"""Delivery-platform tables."""

from __future__ import annotations
