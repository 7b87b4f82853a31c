"""What the doctor concludes: findings, and the rules that turn readings into them.

Pure: every rule takes readings (numbers, small dicts) and thresholds as arguments, so the
same rules judge a live node, a database alone, or a test's made-up readings. Each finding
says, in Chinese and English, what broke in one sentence, what still works, and the fix, so a
manager at 12:30 on a Saturday knows what to do without reading a log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


RANK = {Severity.OK: 0, Severity.WARN: 1, Severity.FAIL: 2}


@dataclass(frozen=True)
class Words:
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


NONE = Words("", "")
ALL_WORKS = Words("其他功能正常", "everything else works")


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    cause: Words
    works: Words = NONE
    fix: Words = NONE
    safe_fix: str | None = None  # the name of a fix ``--fix`` may apply without asking
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.value
        d["facts"] = dict(self.facts)
        return d

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> Finding:
        return Finding(
            d["check"],
            Severity(d["severity"]),
            Words(**d["cause"]),
            Words(**d["works"]),
            Words(**d["fix"]),
            d.get("safe_fix"),
            dict(d.get("facts") or {}),
        )


def ok(check: str, zh: str, en: str, **facts: Any) -> Finding:
    return Finding(check, Severity.OK, Words(zh, en), facts=facts)


def worst(findings: Iterable[Finding]) -> Severity:
    return max((f.severity for f in findings), key=RANK.__getitem__, default=Severity.OK)


def exit_code(findings: Iterable[Finding]) -> int:
    """0 all ok, 1 something to watch, 2 something broken: what a script or a monitor reads."""
    return RANK[worst(findings)]


def failed_check(check: str, error: str) -> Finding:
    """A check that raised or overran is itself a finding, never a crash of the doctor."""
    return Finding(
        check,
        Severity.FAIL,
        Words(f"检查本身失败：{error}", f"the check itself failed: {error}"),
        Words("其他检查照常进行", "the other checks ran"),
        Words(
            "再运行一次 hearth doctor；仍失败请把 --bundle 生成的文件发给技术支持",
            "run hearth doctor again; if it still fails, send support the "
            "file from hearth doctor --bundle",
        ),
        facts={"error": error},
    )


# -- database --------------------------------------------------------------------------------

MB = 1024 * 1024


def judge_integrity(result: str) -> Finding:
    if result == "ok":
        return ok(
            "database.integrity", "数据库完整性检查通过", "the database passed its integrity check"
        )
    return Finding(
        "database.integrity",
        Severity.FAIL,
        Words(f"数据库文件已损坏（{result}）", f"the database file is damaged ({result})"),
        Words("已记下的数据仍在日志中", "what was recorded is still in the journal"),
        Words(
            "停止营业前请联系技术支持，从备份或总部的副本恢复",
            "call support to restore from a backup or from HQ's copy",
        ),
        facts={"quick_check": result},
    )


def judge_wal(wal_bytes: int, *, warn_bytes: int = 64 * MB, fail_bytes: int = 1024 * MB) -> Finding:
    facts = {"wal_bytes": wal_bytes}
    if wal_bytes < warn_bytes:
        return ok(
            "database.wal",
            f"预写日志 {wal_bytes // MB} MB，正常",
            f"the write-ahead log is {wal_bytes // MB} MB",
            **facts,
        )
    sev = Severity.FAIL if wal_bytes >= fail_bytes else Severity.WARN
    return Finding(
        "database.wal",
        sev,
        Words(
            f"预写日志已有 {wal_bytes // MB} MB，未及时合并回数据库",
            f"the write-ahead log has grown to {wal_bytes // MB} MB without being checkpointed",
        ),
        Words("点单和收款照常，但读取会变慢", "ordering and payments work; reads slow down"),
        Words(
            "运行 hearth doctor --fix 合并预写日志", "run hearth doctor --fix to checkpoint the log"
        ),
        safe_fix="checkpoint-wal",
        facts=facts,
    )


def judge_disk(
    free_bytes: int, total_bytes: int, *, warn_free: float = 0.10, fail_bytes: int = 500 * MB
) -> Finding:
    facts = {"free_bytes": free_bytes, "total_bytes": total_bytes}
    share = free_bytes / total_bytes if total_bytes else 0.0
    if free_bytes >= fail_bytes and share >= warn_free:
        return ok(
            "database.disk",
            f"磁盘剩余 {free_bytes // MB} MB",
            f"{free_bytes // MB} MB of disk free",
            **facts,
        )
    sev = Severity.FAIL if free_bytes < fail_bytes else Severity.WARN
    return Finding(
        "database.disk",
        sev,
        Words(
            f"磁盘只剩 {free_bytes // MB} MB（{share:.0%}）",
            f"only {free_bytes // MB} MB ({share:.0%}) of disk is left",
        ),
        Words(
            "目前点单正常；磁盘写满后将无法记账",
            "ordering works for now; once the disk is full nothing can be saved",
        ),
        Words(
            "删除本机上不需要的文件，或换更大的磁盘",
            "delete files this box does not need, or fit a larger disk",
        ),
        facts=facts,
    )


# -- writer ----------------------------------------------------------------------------------


def judge_writer(
    round_trip_ms: float | None,
    queue_depth: int | None,
    *,
    warn_ms: float = 250,
    fail_ms: float = 2000,
) -> Finding:
    facts = {"round_trip_ms": round_trip_ms, "queue_depth": queue_depth}
    if round_trip_ms is None:
        return Finding(
            "writer",
            Severity.FAIL,
            Words("记账线程没有响应", "the writer did not answer"),
            Words(
                "查询照常；新的点单和收款无法保存",
                "screens still read; new orders and payments cannot be saved",
            ),
            Words(
                "重启 hearth 服务；仍无响应请联系技术支持",
                "restart the hearth service; call support if it stays stuck",
            ),
            facts=facts,
        )
    if round_trip_ms < warn_ms:
        return ok(
            "writer",
            f"记账响应 {round_trip_ms:.0f} ms",
            f"the writer answers in {round_trip_ms:.0f} ms",
            **facts,
        )
    sev = Severity.FAIL if round_trip_ms >= fail_ms else Severity.WARN
    return Finding(
        "writer",
        sev,
        Words(
            f"记账变慢：{round_trip_ms:.0f} ms",
            f"the writer is slow: {round_trip_ms:.0f} ms per commit",
        ),
        Words("点单和收款仍会保存，只是更慢", "orders and payments are still saved, more slowly"),
        Words(
            "检查磁盘是否已满或过慢，并合并预写日志（hearth doctor --fix）",
            "check the disk is not full or failing, and checkpoint the log (hearth doctor --fix)",
        ),
        safe_fix="checkpoint-wal",
        facts=facts,
    )


# -- payment providers -----------------------------------------------------------------------


def judge_provider(route: Mapping[str, Any], *, warn_health: float = 0.8) -> Finding:
    """One provider as the router sees it (``Route.to_json``)."""
    name = str(route["name"])
    check = f"payments.{name}"
    facts = dict(route)
    if not route.get("enabled", True):
        return Finding(
            check,
            Severity.WARN,
            Words(f"支付渠道 {name} 已停用", f"payment provider {name} is turned off"),
            Words("其他渠道和现金照常收款", "other providers and cash still work"),
            Words(
                f"如需使用，在管理页的支付设置里启用 {name}",
                f"turn {name} back on in the admin page's payment settings if it is wanted",
            ),
            facts=facts,
        )
    state = route.get("state")
    health = float(route.get("health", 1.0))
    err = route.get("last_error") or "-"
    if state == "open":
        return Finding(
            check,
            Severity.FAIL,
            Words(
                f"支付渠道 {name} 连续失败，已暂停使用（{err}）",
                f"payment provider {name} keeps failing and is paused ({err})",
            ),
            Words(
                "其他支付渠道和现金照常收款；渠道恢复后自动重试",
                "other providers and cash still take payments; it is tried again by itself",
            ),
            Words(
                f"检查网络和 {name} 商户平台的公告；请顾客换一种支付方式",
                f"check the internet and {name}'s status page; ask guests to pay "
                f"another way meanwhile",
            ),
            facts=facts,
        )
    if state == "half_open" or health < warn_health:
        return Finding(
            check,
            Severity.WARN,
            Words(
                f"支付渠道 {name} 不稳定（成功率 {health:.0%}，{err}）",
                f"payment provider {name} is unreliable (health {health:.0%}, {err})",
            ),
            Words(
                "收款照常，失败时自动切换到备用渠道",
                "payments work; a failure switches to the backup provider",
            ),
            Words(
                "检查网络；若持续，联系该渠道的客服",
                "check the internet; if it lasts, call the provider",
            ),
            facts=facts,
        )
    return ok(check, f"支付渠道 {name} 正常", f"payment provider {name} is healthy", **facts)


def judge_no_providers() -> Finding:
    return ok(
        "payments", "未配置在线支付渠道（只收现金）", "no payment provider is set up (cash only)"
    )


# -- printers --------------------------------------------------------------------------------


def judge_printer(p: Mapping[str, Any]) -> Finding:
    """One printer from the print worker's ``health_report``."""
    name = str(p.get("name") or p.get("printer_id"))
    check = f"printer.{name}"
    state = p.get("state")
    facts = {
        k: p.get(k)
        for k in (
            "printer_id",
            "host",
            "port",
            "state",
            "last_error",
            "queued",
            "failed",
            "checked_at_ms",
        )
    }
    if state == "disabled":
        return ok(check, f"打印机 {name} 已停用", f"printer {name} is turned off", **facts)
    if state in ("offline", "fault"):
        why = p.get("last_error") or state
        return Finding(
            check,
            Severity.FAIL,
            Words(f"打印机 {name} 无法使用：{why}", f"printer {name} cannot print: {why}"),
            Words(
                "点单照常；小票排队等待，厨房屏照常显示",
                "ordering works; its tickets wait in the queue and the kitchen "
                "screens still show them",
            ),
            Words(
                f"检查 {name} 的电源、网线、纸和盖子，然后运行 hearth doctor --fix 重新检测",
                f"check {name}'s power, cable, paper and cover, then run hearth "
                f"doctor --fix to probe it again",
            ),
            safe_fix="reprobe-printers",
            facts=facts,
        )
    if state in ("slow", "unknown"):
        return Finding(
            check,
            Severity.WARN,
            Words(
                f"打印机 {name} 状态未知或响应慢", f"printer {name} has not answered a status check"
            ),
            Words("打印任务照常发送", "print jobs are still sent to it"),
            Words("运行 hearth doctor --fix 重新检测", "run hearth doctor --fix to probe it again"),
            safe_fix="reprobe-printers",
            facts=facts,
        )
    if int(p.get("failed") or 0):
        return Finding(
            check,
            Severity.WARN,
            Words(
                f"打印机 {name} 有 {p['failed']} 张小票打印失败",
                f"printer {name} has {p['failed']} failed jobs",
            ),
            Words("新的打印任务照常", "new jobs print"),
            Words(
                "在管理页的打印页重打失败的小票",
                "reprint the failed jobs from the admin page's printing tab",
            ),
            facts=facts,
        )
    return ok(check, f"打印机 {name} 在线", f"printer {name} is online", **facts)


# -- kitchen screens -------------------------------------------------------------------------


def judge_station(
    station_id: str,
    name: str,
    offline_for_s: float | None,
    has_printer: bool,
    *,
    ever_connected: bool = True,
    is_expo: bool = False,
) -> Finding:
    """A station whose screen went dark is a fault; one that never had a screen since the node
    started is how that station works when it prints its tickets (or, for the expo, when the
    stations bump their own), so it is not one."""
    check = f"kds.{name}"
    facts = {"station_id": station_id, "offline_for_s": offline_for_s}
    if offline_for_s is None:
        return ok(check, f"厨房屏 {name} 已连接", f"kitchen screen {name} is connected", **facts)
    if not ever_connected and has_printer:
        return ok(
            check,
            f"档口 {name} 用打印机出单（启动以来没有连接厨房屏）",
            f"station {name} prints its tickets (no screen has connected since start)",
            **facts,
        )
    if not ever_connected and is_expo:
        return ok(
            check,
            f"传菜口 {name} 没有使用厨房屏；各档口自行出餐",
            f"expo {name} has no screen in use; the stations bump their own tickets",
            **facts,
        )
    works = (
        Words(
            "新小票改为在该档口的打印机上打印", "new tickets print on the station's printer instead"
        )
        if has_printer
        else Words(
            "点单照常，但该档口看不到新小票",
            "ordering works, but the station does not see new tickets",
        )
    )
    return Finding(
        check,
        Severity.WARN,
        Words(
            f"厨房屏 {name} 没有连接（已 {offline_for_s:.0f} 秒）",
            f"no screen is connected for kitchen station {name} (for {offline_for_s:.0f} s)",
        ),
        works,
        Words(
            f"打开 {name} 的厨房屏并检查其网络", f"turn on {name}'s screen and check its network"
        ),
        facts=facts,
    )


# -- subscribers -----------------------------------------------------------------------------


def judge_subscriber(
    name: str,
    lag: int,
    failures: int,
    last_error: str | None,
    *,
    warn_lag: int = 500,
    fail_failures: int = 5,
) -> Finding:
    check = f"subscriber.{name}"
    facts = {"lag": lag, "failures": failures, "last_error": last_error}
    if failures >= fail_failures:
        return Finding(
            check,
            Severity.FAIL,
            Words(
                f"后台任务 {name} 连续失败 {failures} 次：{last_error}",
                f"background task {name} failed {failures} times in a row: {last_error}",
            ),
            Words(
                "点单和收款照常；它落下的部分会在恢复后补上",
                "ordering and payments work; it catches up once it runs again",
            ),
            Words(
                "运行 hearth doctor --fix 重启它；仍失败请联系技术支持",
                "run hearth doctor --fix to restart it; call support if it keeps failing",
            ),
            safe_fix="restart-subscribers",
            facts=facts,
        )
    if lag >= warn_lag or failures:
        return Finding(
            check,
            Severity.WARN,
            Words(
                f"后台任务 {name} 落后 {lag} 条事件",
                f"background task {name} is {lag} events behind",
            ),
            ALL_WORKS,
            Words(
                "稍等片刻；若不减少，运行 hearth doctor --fix",
                "give it a minute; if it does not shrink, run hearth doctor --fix",
            ),
            safe_fix="restart-subscribers",
            facts=facts,
        )
    return ok(check, f"后台任务 {name} 正常", f"background task {name} is up to date", **facts)


# -- sync ------------------------------------------------------------------------------------


def judge_sync(
    status: Mapping[str, Any], now_ms: int, *, warn_age_s: float = 600, fail_age_s: float = 6 * 3600
) -> Finding:
    """The sync module's ``status_json``."""
    facts = {
        k: status.get(k)
        for k in (
            "enrolled",
            "hq_url",
            "hq_reachable",
            "events_waiting",
            "waiting_since_ms",
            "status",
            "last_error",
        )
    }
    if not status.get("enrolled"):
        return ok(
            "sync",
            "本店未接入总部（单店运行）",
            "this store is not joined to an HQ (runs on its own)",
            **facts,
        )
    waiting = int(status.get("events_waiting") or 0)
    since = status.get("waiting_since_ms")
    age_s = max(0.0, (now_ms - since) / 1000) if since and waiting else 0.0
    facts["oldest_waiting_s"] = age_s
    alarms = list(status.get("alarms") or [])
    hard = [a for a in alarms if a.get("code") in ("sync-diverged", "sync-fenced", "sync-revoked")]
    if hard:
        a = hard[0]
        return Finding(
            "sync",
            Severity.FAIL,
            Words(a["zh"], a["en"]),
            Words(
                "点单和收款照常，数据保存在本机",
                "ordering and payments work; everything is kept on this box",
            ),
            Words("请联系技术支持", "call support"),
            facts=facts,
        )
    unreachable = status.get("hq_reachable") is False
    if unreachable or age_s >= warn_age_s or any(a.get("code") == "backlog-stuck" for a in alarms):
        sev = Severity.FAIL if age_s >= fail_age_s else Severity.WARN
        cause = (
            Words(
                f"无法连接总部，{waiting} 条事件等待上传（最早 {age_s / 60:.0f} 分钟前）",
                f"HQ cannot be reached; {waiting} events wait to be sent (oldest "
                f"{age_s / 60:.0f} min)",
            )
            if unreachable
            else Words(
                f"{waiting} 条事件等待上传总部（最早 {age_s / 60:.0f} 分钟前）",
                f"{waiting} events wait to be sent to HQ (oldest {age_s / 60:.0f} min)",
            )
        )
        return Finding(
            "sync",
            sev,
            cause,
            Words(
                "点单和收款照常；联网后自动补传，不会丢失",
                "ordering and payments work; the events are sent when HQ is back, nothing is lost",
            ),
            Words(
                "检查本店的互联网连接，然后运行 hearth doctor --fix 立即同步",
                "check the store's internet, then run hearth doctor --fix to sync now",
            ),
            safe_fix="wake-sync",
            facts=facts,
        )
    return ok(
        "sync", f"已与总部同步（{waiting} 条等待）", f"in sync with HQ ({waiting} waiting)", **facts
    )


# -- stuck orders ----------------------------------------------------------------------------


def judge_stuck_tickets(
    ages_s_by_station: Mapping[str, Sequence[float]], late_s_by_station: Mapping[str, float]
) -> Finding:
    """Tickets sent and never bumped, held to each station's red threshold."""
    late = {
        s: sum(1 for a in ages if a >= late_s_by_station.get(s, 600))
        for s, ages in ages_s_by_station.items()
    }
    late = {s: n for s, n in late.items() if n}
    if not late:
        return ok("orders.kitchen", "没有超时的厨房小票", "no kitchen ticket is overdue")
    total = sum(late.values())
    names = ", ".join(sorted(late))
    return Finding(
        "orders.kitchen",
        Severity.WARN,
        Words(
            f"{total} 张厨房小票超时未完成（{names}）",
            f"{total} kitchen tickets are past their red time ({names})",
        ),
        Words("点单照常", "ordering works"),
        Words(
            "请厨房核对这些小票：已出餐的请在厨房屏上完成",
            "ask the kitchen to check them: bump the ones already served",
        ),
        facts={"late": late},
    )


def judge_unknown_payments(ages_s: Sequence[float], *, warn_s: float = 300) -> Finding:
    stuck = [a for a in ages_s if a >= warn_s]
    if not stuck:
        return ok("orders.payments", "没有悬而未决的支付", "no payment is left undecided")
    return Finding(
        "orders.payments",
        Severity.WARN,
        Words(
            f"{len(stuck)} 笔支付结果未知已超过 {warn_s / 60:.0f} 分钟",
            f"{len(stuck)} payments have been undecided for over {warn_s / 60:.0f} min",
        ),
        Words("新的收款照常；顾客不会被重复扣款", "new payments work; nobody is charged twice"),
        Words(
            "运行 hearth doctor --fix 向支付渠道查询结果",
            "run hearth doctor --fix to ask the providers how they ended",
        ),
        safe_fix="settle-payments",
        facts={"count": len(stuck), "oldest_s": max(stuck)},
    )


# -- backups ---------------------------------------------------------------------------------


def judge_backup(
    last_backup_ms: int | None,
    now_ms: int,
    *,
    verified: bool = True,
    error: str | None = None,
    scheduled: bool = True,
    warn_age_s: float = 26 * 3600,
) -> Finding:
    """The newest backup kept (its time, whether it passed its check) and the last error."""
    take_one = Words(
        "在管理页点“立即备份”，或运行 hearth backup",
        "press Back up now on the admin page, or run hearth backup",
    )
    facts: dict[str, Any] = {
        "last_backup_ms": last_backup_ms,
        "verified": verified,
        "error": error,
        "scheduled": scheduled,
    }
    if error:
        return Finding(
            "backup",
            Severity.FAIL,
            Words(f"最近一次备份失败：{error}", f"the last backup failed: {error}"),
            Words("营业照常；已有的备份仍在", "the store works; older backups are kept"),
            Words(
                "检查备份目录的磁盘空间和权限，然后立即备份一次",
                "check the backup folder's disk space and permissions, then back up now",
            ),
            facts=facts,
        )
    if last_backup_ms is None:
        return Finding(
            "backup",
            Severity.WARN,
            Words(
                "还没有任何备份" if scheduled else "还没有设置备份",
                "no backup has been taken yet" if scheduled else "backups are not set up yet",
            ),
            Words(
                "一切照常；总部（如已接入）保存着本店的日志副本",
                "everything works; HQ, if joined, holds a copy of the journal",
            ),
            take_one,
            facts=facts,
        )
    if not verified:
        return Finding(
            "backup",
            Severity.FAIL,
            Words("最近的备份没有通过校验", "the newest backup failed its check"),
            Words("营业照常", "the store works"),
            take_one,
            facts=facts,
        )
    age_s = max(0.0, (now_ms - last_backup_ms) / 1000)
    facts["age_s"] = age_s
    if age_s >= warn_age_s:
        return Finding(
            "backup",
            Severity.WARN,
            Words(
                f"最近一次备份在 {age_s / 3600:.0f} 小时前",
                f"the last backup is {age_s / 3600:.0f} hours old",
            ),
            ALL_WORKS,
            take_one,
            facts=facts,
        )
    return ok(
        "backup",
        f"最近备份于 {age_s / 3600:.1f} 小时前，已校验",
        f"last backup {age_s / 3600:.1f} hours ago, verified",
        **facts,
    )


# -- redaction for the support bundle --------------------------------------------------------

SECRET_KEY = re.compile(
    r"(secret|key|credential|password|passwd|token|pin|auth|signing)", re.IGNORECASE
)
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def mask_phones(text: str) -> str:
    """Mainland mobile numbers keep their first three and last four digits: 138****1234."""
    return PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def redact(value: Any, key: str = "") -> Any:
    """Settings or a report with secrets replaced and phone numbers masked."""
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, key) for v in value]
    if key and SECRET_KEY.search(key) and value not in (None, "", 0, False):
        return "***"
    if isinstance(value, str):
        return mask_phones(URL_PASSWORD.sub(r"\1***@", value))
    return value
