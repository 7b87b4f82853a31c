"""Store settings use cases: read them (receipts, the POS, the admin page) and change them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.writer import Tx
from hearth.store import projections as _projections  # noqa: F401  (registers the projector)
from hearth.store.domain import CashRounding, StoreSettings, check_settings
from hearth.store.errors import StoreError
from hearth.store.tables import store_settings

STREAM = "store:settings"


def current(conn: Connection, store_id: str) -> tuple[StoreSettings, int]:
    """The store's settings and their version; the defaults (version 0) until first saved.

    Other modules (printing's receipt footer, the POS's cash rounding) read them through this.
    """
    row = conn.execute(
        sa.select(store_settings).where(store_settings.c.store_id == store_id)
    ).first()
    if row is None:
        return StoreSettings(), 0
    return StoreSettings(
        name_zh=row.name_zh,
        name_en=row.name_en,
        address=row.address,
        phone=row.phone,
        service_charge_bp=row.service_charge_bp,
        receipt_footer_zh=row.receipt_footer_zh,
        receipt_footer_en=row.receipt_footer_en,
        cash_rounding=CashRounding(row.cash_rounding),
        languages=tuple(row.languages),
        default_language=row.default_language,
        qr_self_seating=row.qr_self_seating,
        qr_max_per_line=row.qr_max_per_line,
        qr_max_per_order=row.qr_max_per_order,
        qr_changes_per_minute=row.qr_changes_per_minute,
        qr_confirm_above=row.qr_confirm_above,
    ), row.version


def settings_json(conn: Connection, store_id: str) -> dict[str, Any]:
    s, version = current(conn, store_id)
    return {**s.as_json(), "version": version}


def change_settings(
    tx: Tx, raw: dict[str, Any], expected_version: int | None, actor: str | None
) -> dict[str, Any]:
    """Replace the settings with a checked, complete value.

    ``expected_version`` guards against two managers editing at once: the second save is refused
    instead of silently undoing the first. Saving the same value again writes nothing.
    """
    new = check_settings(raw)
    old, version = current(tx.conn, tx.store_id)
    if expected_version is not None and expected_version != version:
        raise StoreError.SETTINGS_CHANGED_MEANWHILE.problem(
            f"The settings were changed since you opened them (version {version}, "
            f"you had {expected_version}). Reload and make your change again.",
            field="version",
        )
    if new == old and version > 0:
        return {**new.as_json(), "version": version}
    tx.append(STREAM, "StoreSettingsChanged", {**new.as_json(), "version": version + 1}, actor)
    return {**new.as_json(), "version": version + 1}
