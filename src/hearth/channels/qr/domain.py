"""Table QR codes: a signed, rotatable token that says which table a diner is sitting at.

The token is ``<table id>.<version>.<signature>``. Rotating a table's token bumps its version,
so a photo of last month's QR code stops working while the new sticker works at once. The
signature uses the store node's own key, so a diner cannot forge another table's code.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.core.security import TokenSigner


@dataclass(frozen=True, slots=True)
class TableToken:
    table_id: str
    version: int


def make_table_token(signer: TokenSigner, table_id: str, version: int) -> str:
    body = f"{table_id}.{version}"
    return f"{body}.{signer.mac('table:' + body)}"


def read_table_token(signer: TokenSigner, token: str) -> TableToken | None:
    """The table and version of a genuine token; None for anything forged or malformed."""
    try:
        table_id, version_text, mac = token.rsplit(".", 2)
        version = int(version_text)
    except ValueError:
        return None
    if not table_id or version < 1 or len(token) > 200:
        return None
    if not signer.verify_mac(f"table:{table_id}.{version}", mac):
        return None
    return TableToken(table_id, version)
