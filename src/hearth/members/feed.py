"""The members feed from HQ: members' balances as HQ holds them and this store's offline
allowance per member (``GET /sync/v1/members?after=V``, hq/members.py).

The store's member events reach HQ in the ordinary journal upload; this is the way back. Each
page is applied in one writer transaction as events in the store's own journal:
``MemberJoined`` for members who joined at another store, ``MemberHqFigures`` with HQ's
figures, and a ``StoredValueChanged`` (reason ``hq_sync``) that sets the member's
stored-value account, the one the tender charges, to HQ's balance plus what this store did
since the seq HQ's figures include. So the till shows HQ's balance minus spends HQ has not yet
acknowledged, and a rebuild of the store replays the same figures.

It runs beside the sync loop, with the store's credential, through the sync client (a
subclass adding the one call); it never touches the upload.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.node import Node
from hearth.core.writer import Command, Tx
from hearth.members import domain as d
from hearth.members import service
from hearth.members.tables import member_ledger, member_rules, members
from hearth.payments.tables import stored_value_accounts
from hearth.sync.client import HqClient, HqRefused, HqUnavailable
from hearth.sync.service import load_credential, load_state

log = structlog.get_logger(__name__)

INTERVAL_S = 10.0


class MembersClient(HqClient):
    async def members(self, after: int) -> dict[str, Any]:
        return await self._call("GET", "/sync/v1/members", params={"after": after})


def feed_version(conn: Connection) -> int:
    body = conn.execute(
        sa.select(member_rules.c.body)
        .where(member_rules.c.kind == "feed")
        .where(member_rules.c.id == "hq")
    ).scalar()
    return int(body["version"]) if body else 0


def _unacked(conn: Connection, member_id: str, acked_seq: int) -> dict[str, int]:
    rows = conn.execute(
        sa.select(member_ledger.c.account, sa.func.sum(member_ledger.c.delta))
        .where(member_ledger.c.member_id == member_id)
        .where(member_ledger.c.seq > acked_seq)
        .group_by(member_ledger.c.account)
    ).all()
    return {str(a): int(s or 0) for a, s in rows}


def apply_page(page: dict[str, Any]) -> Command[int]:
    """One feed page as events in the store's journal (see the module's docstring)."""

    def run(tx: Tx) -> int:
        acked = int(page["acked_seq"])
        figures = []
        for f in page["members"]:
            member_id = f["member_id"]
            known = tx.conn.execute(
                sa.select(members.c.id).where(members.c.id == member_id)
            ).first()
            if known is None:
                _join_from_hq(tx, f)
            figures.append(
                {
                    "member_id": member_id,
                    "points": f["points"],
                    "paid": f["paid"],
                    "bonus": f["bonus"],
                    "acked_seq": acked,
                    "allowance": f["allowance"],
                }
            )
        version = max([int(f["version"]) for f in page["members"]] or [0])
        tx.append(
            "members:hq-feed", "MemberHqFigures", {"members": figures, "version": version}, None
        )
        for f in figures:
            local = _unacked(tx.conn, f["member_id"], acked)
            target = f["paid"] + f["bonus"] + local.get("paid", 0) + local.get("bonus", 0)
            now = tx.conn.execute(
                sa.select(stored_value_accounts.c.balance).where(
                    stored_value_accounts.c.id == f["member_id"]
                )
            ).scalar()
            if now is None:
                service.ensure_account(tx, f["member_id"], "", None)
                now = 0
            if int(now) != target:
                tx.append(
                    f"account:{f['member_id']}",
                    "StoredValueChanged",
                    {
                        "account_id": f["member_id"],
                        "delta": target - int(now),
                        "reason": "hq_sync",
                        "payment_id": None,
                    },
                    None,
                )
        return len(figures)

    return run


def _join_from_hq(tx: Tx, f: dict[str, Any]) -> None:
    phone = f.get("phone")
    if phone and tx.conn.execute(sa.select(members.c.id).where(members.c.phone == phone)).first():
        # Joined at two stores with one phone while apart: keep both, found by code, until
        # a manager merges them.
        log.warning("members.feed.phone_taken", member=f.get("code"), phone=d.mask_phone(phone))
        phone = None
    member = {
        "id": f["member_id"],
        "code": f.get("code") or d.member_code(f["member_id"]),
        "phone": phone,
        "name": f.get("name") or "",
        "birthday": f.get("birthday"),
        "tier": f.get("tier"),
        "tags": f.get("tags") or [],
        "home_store_id": f.get("home_store_id"),
    }
    tx.append(f"member:{f['member_id']}", "MemberJoined", {"member": member, "source": "hq"}, None)
    tx.append(
        f"account:{f['member_id']}",
        "StoredValueAccountOpened",
        {
            "account_id": f["member_id"],
            "name": member["name"],
            "phone": d.mask_phone(phone),
            "member": True,
        },
        None,
    )


Write = Callable[[Command[int]], Awaitable[int]]


async def pull(
    node: Node, transport: httpx.AsyncBaseTransport | None = None, write: Write | None = None
) -> int:
    """Fetch and apply every feed page after this store's version; how many members.
    ``write`` runs a command (the running node's writer by default)."""
    write = write or node.writer.submit
    with node.engine.connect() as conn:
        state = load_state(conn)
        credential = load_credential(conn)
        after = feed_version(conn)
    if state is None or credential is None or state.status != "ok":
        return 0
    total = 0
    client = MembersClient(state.hq_url, credential, transport=transport)
    try:
        while True:
            page = await client.members(after)
            if not page.get("members"):
                return total
            total += await write(apply_page(page))
            after = max(int(f["version"]) for f in page["members"])
            if after >= int(page.get("latest", after)):
                return total
    finally:
        await client.aclose()


@dataclass
class FeedLoop:
    task: asyncio.Task[None]


async def _loop(node: Node) -> None:
    while True:
        try:
            await pull(node)
        except (HqUnavailable, HqRefused) as exc:
            log.info("members.feed.unavailable", error=str(exc))
        except Exception as exc:  # the feed never stops the node; it tries again
            log.warning("members.feed.failed", error=str(exc))
        await asyncio.sleep(INTERVAL_S)


async def on_start(node: Node) -> None:
    node.parts.put(FeedLoop(asyncio.create_task(_loop(node), name="members-feed")))


async def on_stop(node: Node) -> None:
    loop = node.parts.pop(FeedLoop)
    if loop is not None:
        loop.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop.task
