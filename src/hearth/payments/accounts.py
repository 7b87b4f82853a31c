"""Member stored value held on the store node: open, top up; charges and refunds go through
payments. Every change is a journaled delta; the balance never goes below zero."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.payments.errors import PaymentsError
from hearth.payments.tables import stored_value_accounts

# Checks a module above payments adds to every stored-value charge (members: HQ's offline
# allowance for the member). Each raises a Problem to refuse, and may append events in the same
# transaction; payments calls them without knowing who they are.
ChargeCheck = Callable[[Tx, str, int, Any], None]
charge_checks: list[ChargeCheck] = []


def check_charge(tx: Tx, account_id: str, need: int, settings: Any) -> None:
    for check in charge_checks:
        check(tx, account_id, need, settings)


NUMBER_LEN = 8  # the account number printed on a member card: the id's last 8 characters


def number_of(account_id: str) -> str:
    return account_id.replace("-", "")[-NUMBER_LEN:].upper()


def _json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": number_of(row.id),
        "name": row.name,
        "phone": row.phone,
        "balance": row.balance,
        "updated_at_ms": row.updated_at_ms,
    }


def account_json(conn: Connection, store_id: str, account_id: str) -> dict[str, Any]:
    row = conn.execute(
        sa.select(stored_value_accounts)
        .where(stored_value_accounts.c.id == account_id)
        .where(stored_value_accounts.c.store_id == store_id)
    ).first()
    if row is None:
        raise not_found(PaymentsError.ACCOUNT_NOT_FOUND, account_id)
    return _json(row)


_PHONE_PUNCTUATION = re.compile(r"[\s\-()+]")
_NUMBER = re.compile(r"[0-9A-Fa-f-]+")


def find(
    conn: Connection,
    store_id: str,
    *,
    phone: str | None = None,
    number: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Accounts a cashier is looking for: by phone number (whole, or its last 4 digits or
    more) or by account number (the id, or its last 6 characters or more, as on the card).
    Exact matches first."""
    found: dict[str, tuple[int, Any]] = {}
    base = sa.select(stored_value_accounts).where(stored_value_accounts.c.store_id == store_id)
    if phone is not None:
        digits = _PHONE_PUNCTUATION.sub("", phone)
        if not digits.isascii() or not digits.isdigit() or len(digits) < 4:
            raise PaymentsError.PHONE_INVALID.problem(
                "Give the member's phone number, or at least its last 4 digits.", field="phone"
            )
        for row in conn.execute(
            base.where(stored_value_accounts.c.phone.like(f"%{digits}")).limit(limit)
        ):
            found[row.id] = (0 if row.phone == digits else 1, row)
    if number is not None:
        wanted = number.strip().replace("-", "").lower()
        if not _NUMBER.fullmatch(number.strip()) or len(wanted) < 6:
            raise PaymentsError.ACCOUNT_NUMBER_INVALID.problem(
                "Give the account number on the member's card (at least its last 6 characters).",
                field="number",
            )
        column = sa.func.lower(sa.func.replace(stored_value_accounts.c.id, "-", ""))
        for row in conn.execute(base.where(column.like(f"%{wanted}")).limit(limit)):
            exact = row.id.replace("-", "").lower() == wanted
            found.setdefault(row.id, (0 if exact else 1, row))
    ranked = sorted(found.values(), key=lambda x: (x[0], x[1].name, x[1].id))
    return [_json(row) for _, row in ranked[:limit]]


def open_account(
    tx: Tx, name: str, phone: str | None, balance: int, actor: str | None
) -> dict[str, Any]:
    """Open an account, with an opening top-up when ``balance`` is above zero."""
    account_id = new_id()
    tx.append(
        f"account:{account_id}",
        "StoredValueAccountOpened",
        {"account_id": account_id, "name": name, "phone": phone},
        actor,
    )
    if balance:
        top_up(tx, account_id, balance, actor)
    return account_json(tx.conn, tx.store_id, account_id)


def top_up(tx: Tx, account_id: str, amount: int, actor: str | None) -> dict[str, Any]:
    account_json(tx.conn, tx.store_id, account_id)  # 404 for an unknown account
    tx.append(
        f"account:{account_id}",
        "StoredValueChanged",
        {"account_id": account_id, "delta": amount, "reason": "top_up", "payment_id": None},
        actor,
    )
    return account_json(tx.conn, tx.store_id, account_id)
