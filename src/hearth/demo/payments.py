"""This module's part of the demo restaurant and of `hearth demo`'s side services."""

from __future__ import annotations

from typing import Any

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.payments.accounts import number_of, open_account
from hearth.payments.emulator import codes, demo_sidecar
from hearth.payments.tables import stored_value_accounts as t

# Members with stored value on the store node (name, phone, balance in fen); `hearth demo`
# prints them (``member_lines``) so the till can find one by phone.
DEMO_MEMBERS = (
    ("王女士", "13800000001", 50_000),
    ("李先生", "13800000002", 12_000),
    ("陈小姐", "13800000003", 800),
)
# The store's provider list as the demo starts it: Alipay first, WeChat Pay as the backup
# for both wallet tenders, the card acquirer for cards. Keys and URLs come from settings
# (``hearth demo`` points them at the emulator it starts beside the node).
DEMO_PROVIDERS = (
    ("alipay", ["wallet_qr", "wallet_scan"], 10),
    ("wechat", ["wallet_qr", "wallet_scan"], 20),
    ("card", ["card"], 30),
)


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Add this module's demo data: stored-value accounts for a few members (their ids in
    ``ids["account"]``) and the store's payment provider list."""

    def seed(tx: Tx) -> dict[str, str]:
        made = {}
        for name, phone, balance in DEMO_MEMBERS:
            made[phone] = open_account(tx, name, phone, balance, None)["id"]
        for name, tenders, priority in DEMO_PROVIDERS:
            tx.append(
                "payments:providers",
                "PaymentProviderConfigured",
                {
                    "name": name,
                    "tenders": tenders,
                    "priority": priority,
                    "enabled": True,
                    "settings": {},
                },
                None,
            )
        return made

    ids["account"] = node.writer.run(seed)


def member_lines(settings: Any) -> list[str]:
    """The demo's stored-value members as they are now (phone, account number, balance), so
    a person trying the till can pay from one by looking it up by phone."""

    rows: list[tuple[str, str | None, str, int]] = []
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(settings.db_url)
        try:
            with engine.connect() as conn:
                rows = [
                    (r.name, r.phone, number_of(r.id), r.balance)
                    for r in conn.execute(
                        sa.select(t).where(t.c.store_id == settings.store_id).order_by(t.c.phone)
                    )
                ]
        finally:
            engine.dispose()
    except Exception:  # an unreadable database must not stop the demo; show the seed
        rows = [(name, phone, "-", balance) for name, phone, balance in DEMO_MEMBERS]
    if not rows:
        return []
    lines = ["Stored-value members (POS: Pay -> Stored value -> find by phone):"]
    for name, phone, number, balance in rows:
        lines.append(
            f"  {name}  phone {phone or '-'}  account No. {number}  "
            f"balance ¥{balance // 100}.{balance % 100:02d}"
        )
    return lines


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    """Start what the demo needs beside the node (emulators, a test printer) in daemon threads
    and return lines to print for a person trying the demo."""
    import os

    members = member_lines(settings)
    if getattr(settings, "payment_emulator_url", ""):
        return members  # pointed at an emulator (or real gateways) already
    emu = demo_sidecar(8765)
    callbacks = f"{base_url}/api/payments/callbacks/{{provider}}"
    emu.state.stripe_webhook_url = callbacks.format(provider="card")
    # `hearth demo` serves with settings read from the environment after this returns.
    os.environ["HEARTH_PAYMENT_EMULATOR_URL"] = emu.url
    os.environ.setdefault("HEARTH_PAYMENT_NOTIFY_URL_TEMPLATE", callbacks)
    down = (
        f"curl -X POST {emu.url}/_emulator/faults -H 'Content-Type: application/json' "
        '-d \'{"provider":"alipay","mode":"down","seconds":60}\''
    )
    return [
        *members,
        f"Payment provider emulator (Alipay, WeChat Pay, card): {emu.url}",
        f"  customer payment codes to scan: Alipay {codes.ALIPAY_CODE}, WeChat Pay "
        f"{codes.WECHAT_CODE} (ending 0000: declined)",
        f"  turn Alipay off for a minute: {down}",
        f"  its ledger: {emu.url}/_emulator/ledger",
    ]
