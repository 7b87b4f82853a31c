"""The doctor's readings that go beyond the box: HQ's clock and round trip, name lookups, and
the journal's growth by day.

Each reading has a hard deadline of its own (a dead HQ or a DNS server that never answers
costs at most that), and none of them writes anything.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa

from hearth.core.config import Settings
from hearth.core.tables import journal
from hearth.ops.rules import DAY_MS, Lookup

# Lookups run on threads of their own: a resolver that hangs keeps a thread, never the loop,
# and never the default executor the rest of the node uses.
_DNS_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="hearth-dns")


# -- HQ ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HqProbe:
    reachable: bool
    rtt_ms: float | None = None
    skew_ms: float | None = None  # the node's clock less HQ's
    uncertainty_ms: float = 0.0
    error: str | None = None


async def probe_hq(
    base_url: str,
    now_ms: Callable[[], int],
    *,
    timeout_s: float = 2.5,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HqProbe:
    """One request to HQ's clock (``GET /sync/v1/time``): whether it answers, how long the
    round trip took, and how far the node's clock is from HQ's, taken at the round trip's
    middle (NTP's estimate; the truth is within half the round trip). An HQ without that
    route still sends a ``Date`` header, good to the second."""
    url = base_url.rstrip("/")
    try:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(2.0, timeout_s)), transport=transport
        ) as client:
            start, local0 = time.monotonic(), now_ms()
            r = await asyncio.wait_for(client.get(f"{url}/sync/v1/time"), timeout_s + 0.5)
            rtt = (time.monotonic() - start) * 1000
            local = (local0 + now_ms()) / 2
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return HqProbe(False, error=(f"{type(exc).__name__}: {exc}".rstrip(": "))[:200])
    if r.status_code >= 500:
        return HqProbe(False, rtt, error=f"HQ answered {r.status_code}")
    server: float | None = None
    extra = 0.0
    if r.status_code == 200:
        try:
            server = float(r.json()["server_time_ms"])
        except (ValueError, KeyError, TypeError):
            server = None
    if server is None and r.headers.get("date"):
        try:
            server = email.utils.parsedate_to_datetime(r.headers["date"]).timestamp() * 1000
            extra = 1000.0  # the header says whole seconds
        except (TypeError, ValueError):
            server = None
    if server is None:
        return HqProbe(True, rtt)
    return HqProbe(True, rtt, local - server, rtt / 2 + extra)


# -- names ------------------------------------------------------------------------------------


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


_REAL_HOSTS = {
    "alipay": ("payment_alipay_app_id", "openapi.alipay.com"),
    "wechat": ("payment_wechat_mchid", "api.mch.weixin.qq.com"),
    "card": ("payment_stripe_api_key", "api.stripe.com"),
}


def provider_hosts(settings: Settings, live: Mapping[str, object] | None) -> dict[str, str]:
    """Each payment provider's host: from the running adapters when there are some (they know
    their gateway), else from the settings of the providers that are set up."""
    out: dict[str, str] = {}
    if live is not None:
        for name, provider in live.items():
            for attr in ("gateway", "api_base", "base_url", "emulator_url"):
                host = host_of(getattr(provider, attr, None))
                if host:
                    out[name] = host
                    break
        return out
    emulator = host_of(settings.payment_emulator_url)
    for name in (n.strip() for n in settings.payment_providers.split(",")):
        if emulator:
            out[name] = emulator
        elif name in _REAL_HOSTS and str(getattr(settings, _REAL_HOSTS[name][0], "") or ""):
            out[name] = _REAL_HOSTS[name][1]
    return out


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


async def resolve(role: str, host: str, timeout_s: float = 2.0) -> Lookup:
    if _is_address(host):
        return Lookup(role, host, (host,), took_ms=0.0)
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    try:
        infos = await asyncio.wait_for(
            loop.run_in_executor(
                _DNS_POOL, lambda: socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
            ),
            timeout_s,
        )
    except TimeoutError:
        return Lookup(role, host, error=f"no answer within {timeout_s:g} s")
    except OSError as exc:
        return Lookup(role, host, error=str(exc.strerror or exc)[:120])
    took = (time.monotonic() - start) * 1000
    addresses = tuple(dict.fromkeys(str(i[4][0]) for i in infos))
    return Lookup(role, host, addresses, took_ms=took)


async def resolve_all(hosts: Iterable[tuple[str, str]], timeout_s: float = 2.0) -> list[Lookup]:
    return list(await asyncio.gather(*(resolve(r, h, timeout_s) for r, h in hosts)))


# -- the journal's growth -------------------------------------------------------------------


def _seq_at(conn: sa.Connection, top: int, at_ms: int) -> int:
    """The first seq recorded at or after ``at_ms`` (top + 1 when none): a binary search over
    the primary key, about twenty point reads however long the journal, where counting by day
    would scan it all. Recorded times follow seq (one writer appends them in order)."""
    lo, hi = 1, top + 1
    while lo < hi:
        mid = (lo + hi) // 2
        t = conn.execute(sa.select(journal.c.recorded_at_ms).where(journal.c.seq == mid)).scalar()
        if t is None or t < at_ms:
            lo = mid + 1
        else:
            hi = mid
    return lo


def daily_events(conn: sa.Connection, now_ms: int, days: int = 14) -> tuple[int, list[int]]:
    """The journal's size, and its events in each whole 24 hours of the last ``days`` that the
    store was running for (a store younger than a day: its rate so far, scaled to a day)."""
    top = int(
        conn.execute(sa.select(sa.func.coalesce(sa.func.max(journal.c.seq), 0))).scalar() or 0
    )
    if top == 0:
        return 0, []
    first = conn.execute(sa.select(journal.c.recorded_at_ms).where(journal.c.seq == 1)).scalar()
    first_ms = int(first) if first is not None else now_ms
    marks = [now_ms - k * DAY_MS for k in range(days + 1)]
    seqs = [_seq_at(conn, top, m) if k else top + 1 for k, m in enumerate(marks)]
    counts = [seqs[k] - seqs[k + 1] for k in range(days) if marks[k + 1] >= first_ms]
    if counts:
        return top, counts
    span = now_ms - first_ms
    if span < 3600_000:  # under an hour: nothing to scale from
        return top, []
    return top, [round(top * DAY_MS / span)]


def file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
