"""Member stored value held on the store node: open, top up; charges and refunds go through
payments. Every change is a journaled delta; the balance never goes below zero."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.payments.tables import stored_value_accounts


def account_json(conn: Connection, store_id: str, account_id: str) -> dict[str, Any]:
    row = conn.execute(sa.select(stored_value_accounts)
                       .where(stored_value_accounts.c.id == account_id)
                       .where(stored_value_accounts.c.store_id == store_id)).first()
    if row is None:
        raise not_found("account", account_id)
    return {"id": row.id, "name": row.name, "phone": row.phone, "balance": row.balance,
            "updated_at_ms": row.updated_at_ms}


def open_account(tx: Tx, name: str, phone: str | None, balance: int,
                 actor: str | None) -> dict[str, Any]:
    """Open an account, with an opening top-up when ``balance`` is above zero."""
    account_id = new_id()
    tx.append(f"account:{account_id}", "StoredValueAccountOpened",
              {"account_id": account_id, "name": name, "phone": phone}, actor)
    if balance:
        top_up(tx, account_id, balance, actor)
    return account_json(tx.conn, tx.store_id, account_id)


def top_up(tx: Tx, account_id: str, amount: int, actor: str | None) -> dict[str, Any]:
    account_json(tx.conn, tx.store_id, account_id)  # 404 for an unknown account
    tx.append(f"account:{account_id}", "StoredValueChanged",
              {"account_id": account_id, "delta": amount, "reason": "top_up",
               "payment_id": None}, actor)
    return account_json(tx.conn, tx.store_id, account_id)
