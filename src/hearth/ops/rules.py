"""More of the doctor's rules: the clock against HQ, the link to HQ, name lookups, the
database's size a year ahead, and a printer's paper and cover.

Pure like ``domain``: readings in, findings out, thresholds as arguments. The size projection
is here too, so a test can feed it a made-up history.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hearth.ops.domain import ALL_WORKS, MB, Finding, Severity, Words, ok

# -- the clock against HQ --------------------------------------------------------------------


def judge_clock(
    skew_ms: float | None,
    uncertainty_ms: float = 0.0,
    *,
    warn_s: float = 5.0,
    fail_s: float = 60.0,
) -> Finding:
    """The node's clock less HQ's (positive: the node is ahead), measured over one round trip
    (the uncertainty is half of it). Only what the measurement can prove counts: a skew of 6 s
    read over a 4 s round trip may be 4 s, under the warning."""
    facts = {"skew_ms": skew_ms, "uncertainty_ms": uncertainty_ms}
    if skew_ms is None:
        return ok(
            "clock", "未与总部核对时钟（未接入或无应答）", "clock not compared with HQ", **facts
        )
    proven_s = max(0.0, abs(skew_ms) - uncertainty_ms) / 1000
    way_zh = "快" if skew_ms > 0 else "慢"
    way_en = "ahead of" if skew_ms > 0 else "behind"
    if proven_s < warn_s:
        return ok(
            "clock",
            f"本机时钟与总部相差 {abs(skew_ms) / 1000:.1f} 秒",
            f"the clock is within {abs(skew_ms) / 1000:.1f} s of HQ's",
            **facts,
        )
    sev = Severity.FAIL if proven_s >= fail_s else Severity.WARN
    return Finding(
        "clock",
        sev,
        Words(
            f"本机时钟比总部{way_zh} {proven_s:.0f} 秒",
            f"this box's clock is {proven_s:.0f} s {way_en} HQ's",
        ),
        Words(
            "点单和收款照常；但小票、报表和对账上的时间会不准",
            "ordering and payments work, but times on tickets, reports and reconciliation are off",
        ),
        Words(
            "在本机上开启网络校时（NTP，如 ntp.aliyun.com），或手动把时间调准",
            "turn on network time (NTP, e.g. ntp.aliyun.com) on this box, or set its clock right",
        ),
        facts=facts,
    )


# -- the link to HQ --------------------------------------------------------------------------


def judge_hq_link(
    enrolled: bool,
    reachable: bool,
    rtt_ms: float | None,
    error: str | None = None,
    *,
    warn_ms: float = 1500,
) -> Finding:
    facts = {"rtt_ms": rtt_ms, "error": error}
    if not enrolled:
        return ok("hq", "本店未接入总部", "this store is not joined to an HQ", **facts)
    if not reachable:
        return Finding(
            "hq",
            Severity.WARN,
            Words(f"连不上总部（{error}）", f"HQ does not answer ({error})"),
            Words(
                "点单和收款照常；数据保存在本机，联网后自动上传",
                "ordering and payments work; everything is kept here and sent when HQ is back",
            ),
            Words(
                "检查本店的互联网连接（路由器、宽带）；若其他网站能打开，请联系总部",
                "check the store's internet (router, line); if other sites open, call HQ",
            ),
            safe_fix="wake-sync",
            facts=facts,
        )
    assert rtt_ms is not None
    if rtt_ms >= warn_ms:
        return Finding(
            "hq",
            Severity.WARN,
            Words(
                f"总部响应很慢（往返 {rtt_ms:.0f} ms）", f"HQ is slow to answer ({rtt_ms:.0f} ms)"
            ),
            ALL_WORKS,
            Words(
                "检查本店网络是否拥堵（如有人在下载大文件）",
                "check the store's internet is not saturated (large downloads)",
            ),
            facts=facts,
        )
    return ok(
        "hq",
        f"总部可达，往返 {rtt_ms:.0f} ms",
        f"HQ answers in {rtt_ms:.0f} ms",
        **facts,
    )


# -- name lookups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    role: str  # "hq" or a payment provider's name
    host: str
    addresses: tuple[str, ...] = ()
    error: str | None = None
    took_ms: float | None = None


def judge_dns(lookups: Sequence[Lookup]) -> list[Finding]:
    """One finding per host looked up: a name that does not resolve is why calls to it fail."""
    out = []
    for lk in lookups:
        check = f"dns.{lk.role}"
        facts: dict[str, Any] = {
            "host": lk.host,
            "addresses": list(lk.addresses),
            "error": lk.error,
            "took_ms": lk.took_ms,
        }
        if lk.addresses:
            out.append(ok(check, f"{lk.host} 解析正常", f"{lk.host} resolves", **facts))
            continue
        works = (
            Words(
                "点单和收款照常；数据保存在本机，联网后自动上传",
                "ordering and payments work; data waits here for HQ",
            )
            if lk.role == "hq"
            else Words(
                "现金和其他支付渠道照常；该渠道的扫码和刷卡会失败",
                f"cash and other providers work; payments through {lk.role} fail",
            )
        )
        out.append(
            Finding(
                check,
                Severity.WARN,
                Words(
                    f"无法解析域名 {lk.host}（{lk.error}）",
                    f"the name {lk.host} does not resolve ({lk.error})",
                ),
                works,
                Words(
                    "检查路由器的 DNS 设置和互联网连接；可改用 223.5.5.5 或 119.29.29.29",
                    "check the router's DNS setting and the internet line; try DNS "
                    "223.5.5.5 or 119.29.29.29",
                ),
                facts=facts,
            )
        )
    return out


# -- the database a year ahead ---------------------------------------------------------------

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Growth:
    """What the projection rests on, kept in the finding's facts so support sees it."""

    db_bytes: int
    journal_events: int
    events_per_day: float
    days_seen: int
    bytes_per_event: float
    projected_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "db_bytes": self.db_bytes,
            "journal_events": self.journal_events,
            "events_per_day": round(self.events_per_day, 1),
            "days_seen": self.days_seen,
            "bytes_per_event": round(self.bytes_per_event, 1),
            "projected_bytes": self.projected_bytes,
        }


def project_size(
    db_bytes: int, journal_events: int, daily_events: Sequence[int], *, days: int = 365
) -> Growth:
    """The database's size ``days`` from now.

    The journal is append-only and every other table is either a projection of it (orders,
    tickets: they grow with it) or pruned to a window (idempotency answers, 72 h: steady), so
    the file grows with the journal at the file's own bytes per event. The daily rate is the
    median of the complete days seen (up to two weeks): one holiday or a quiet Monday does not
    move it, where a mean would."""
    per_event = db_bytes / journal_events if journal_events else 0.0
    rate = float(statistics.median(daily_events)) if daily_events else 0.0
    projected = int(db_bytes + per_event * rate * days)
    return Growth(db_bytes, journal_events, rate, len(daily_events), per_event, projected)


def judge_growth(growth: Growth, free_bytes: int | None, *, min_days: int = 3) -> Finding:
    facts = growth.to_json() | {"free_bytes": free_bytes}
    mb_now, mb_year = growth.db_bytes // MB, growth.projected_bytes // MB
    rough_zh = "（数据天数少，仅供参考）" if growth.days_seen < min_days else ""
    rough_en = " (few days seen: rough)" if growth.days_seen < min_days else ""
    added = growth.projected_bytes - growth.db_bytes
    if free_bytes is not None and added > 0.8 * free_bytes:
        sev = Severity.FAIL if added > free_bytes else Severity.WARN
        return Finding(
            "database.growth",
            sev,
            Words(
                f"按目前每天约 {growth.events_per_day:.0f} 条记录，数据库一年后约 "
                f"{mb_year} MB，磁盘剩余 {free_bytes // MB} MB 不够{rough_zh}",
                f"at about {growth.events_per_day:.0f} events a day the database reaches "
                f"{mb_year} MB in a year, more than the {free_bytes // MB} MB free{rough_en}",
            ),
            Words(
                "目前一切照常；磁盘写满前会再次提醒",
                "everything works now; the doctor warns again before the disk fills",
            ),
            Words(
                "换更大的磁盘，或在总部已保存日志后归档本店的旧日志",
                "fit a larger disk, or archive the store's old journal once HQ holds it",
            ),
            facts=facts,
        )
    return ok(
        "database.growth",
        f"数据库现为 {mb_now} MB，预计一年后约 {mb_year} MB{rough_zh}",
        f"the database is {mb_now} MB, about {mb_year} MB a year from now{rough_en}",
        **facts,
    )


# -- a printer's paper and cover -------------------------------------------------------------

PAPER_OUT = "paper_out"
COVER_OPEN = "cover_open"
PAPER_LOW = "paper_low"


def judge_printer_status(p: Mapping[str, Any], backup: str | None) -> Finding | None:
    """What the printer itself says over ESC/POS status (DLE EOT 2 and 4), when it says
    something the generic rule would only call a fault; None leaves the printer to it.

    ``backup`` names where its tickets go meanwhile: the backup printer, the kitchen screens,
    or None when they wait in the queue."""
    reason = p.get("reason")
    name = str(p.get("name") or p.get("printer_id"))
    check = f"printer.{name}"
    facts = {k: p.get(k) for k in ("printer_id", "host", "port", "state", "reason", "queued")}
    if backup:
        works = Words(
            f"小票暂时改由{backup}出，点单照常",
            f"ordering works; tickets go to {backup} meanwhile",
        )
    else:
        works = Words(
            "点单照常；小票排队，装好后自动补打",
            "ordering works; tickets wait in the queue and print once it is fixed",
        )
    if reason == PAPER_OUT:
        return Finding(
            check,
            Severity.FAIL,
            Words(f"打印机 {name} 没纸了", f"printer {name} is out of paper"),
            works,
            Words(
                f"给 {name} 装一卷新纸并合上盖子",
                f"load a new roll in {name} and close its cover",
            ),
            safe_fix="reprobe-printers",
            facts=facts,
        )
    if reason == COVER_OPEN:
        return Finding(
            check,
            Severity.FAIL,
            Words(f"打印机 {name} 的盖子开着", f"printer {name}'s cover is open"),
            works,
            Words(f"合上 {name} 的盖子（听到咔哒声）", f"close {name}'s cover until it clicks"),
            safe_fix="reprobe-printers",
            facts=facts,
        )
    if reason == PAPER_LOW and p.get("state") == "online":
        return Finding(
            check,
            Severity.WARN,
            Words(f"打印机 {name} 的纸快用完了", f"printer {name} is nearly out of paper"),
            Words("打印照常", "it still prints"),
            Words(f"准备一卷新纸，空闲时给 {name} 换上", f"have a new roll ready for {name}"),
            facts=facts,
        )
    return None
