"""``hearth drill``: a drill on a running node over its API, or the node killed under our watch.

Every fault but one runs inside the node (``drills.py``): the command starts it with the
owner's token and prints each step as the node records it. The node killed cannot be run from
inside: the command itself is the supervisor. It starts ``hearth serve`` on the database as a
child, places orders through it, SIGKILLs it, notices the exit, starts it again, times until it
answers ``/readyz``, and checks that every acknowledged order is there and the journal has no
gap; the drill's steps are then journaled into the same database like any other drill's.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from hearth.core.config import Settings
from hearth.ops import drills as d
from hearth.ops.domain import Words

Say = Callable[[dict[str, Any]], None]  # prints one step


def remote(
    url: str,
    token: str,
    body: dict[str, Any],
    say: Say,
    *,
    poll_s: float = 1.0,
    tick: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Start a drill on the node at ``url`` and report its steps until it finishes."""
    headers = {"Authorization": f"Bearer {token}"}
    base = url.rstrip("/")
    r = httpx.post(
        f"{base}/api/ops/drills",
        json=body,
        headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    if r.status_code != 202:
        problem = r.json() if "json" in r.headers.get("content-type", "") else {}
        raise RuntimeError(problem.get("detail") or f"HTTP {r.status_code}: {r.text[:200]}")
    drill_id = r.json()["id"]
    shown = 0
    start = time.monotonic()
    while True:
        report = httpx.get(f"{base}/api/ops/drills/{drill_id}", headers=headers, timeout=30).json()
        for step in report["steps"][shown:]:
            say(step)
        shown = len(report["steps"])
        if report["status"] != "running":
            return dict(report)
        if tick is not None:
            tick(time.monotonic() - start)
        time.sleep(poll_s)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Child:
    """``hearth serve`` on the store database, as a child this command supervises."""

    db_url: str
    log: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> float:
        """Start and wait until /readyz answers; the seconds it took."""
        begun = time.monotonic()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "hearth.cli", "serve", "--db", self.db_url),
                    *("--port", str(self.port), "--log-level", "warning"),
                ],
                stdout=out,
                stderr=out,
            )
        while time.monotonic() - begun < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the node exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - begun
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"the node did not answer within {timeout_s:g} s; see {self.log}")

    def kill(self) -> float:
        """SIGKILL; the seconds until the exit was seen (what a supervisor notices)."""
        assert self.proc is not None
        begun = time.monotonic()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        return time.monotonic() - begun

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _orders(url: str, token: str, item_id: str, n: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    acked = []
    for _ in range(n):
        r = httpx.post(
            f"{url}/api/orders",
            json={
                "channel": "takeaway",
                "lines": [{"item_id": item_id, "quantity": 1}],
                "submit": False,
            },
            headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
            timeout=10,
        )
        if r.status_code in (200, 201):
            acked.append(str(r.json()["id"]))
    return acked


def _some_item(engine: sa.engine.Engine) -> str | None:
    from hearth.menu.tables import items

    with engine.connect() as conn:
        row = conn.execute(sa.select(items.c.id).limit(1)).first()
    return str(row.id) if row else None


def node_killed(
    settings: Settings,
    token: str | None,
    say: Say,
    *,
    build_node: Callable[[Settings], Any],
    force: bool,
    orders: int = 10,
) -> dict[str, Any]:
    """Kill the node under this command's supervision, bring it back, check nothing is lost.

    ``token`` (a till's or the owner's access token) lets the drill place orders through the
    node before the kill; without one the check is the journal alone. ``build_node`` is the
    composition root's (handed down: ops sits below it)."""
    node = build_node(settings)
    try:
        with node.engine.connect() as conn:
            periods, _ = d.periods_of(conn, settings.store_id)
        now = node.now_ms()
        busy = d.in_period(periods, d.local_hhmm(now, settings.timezone))
        if busy is not None and not force:
            raise d.DrillError.IN_SERVICE.problem(
                f"It is inside the service period {busy[0]}-{busy[1]}; use --force (owner).",
                field="force",
            )
        item = _some_item(node.engine)
        seq0 = d._journal_top(node)
    finally:
        node.close()
    log = Path(settings.sqlite_path() or Path("var/store.db")).with_suffix(".drill.log")
    child = Child(settings.db_url, log)
    steps: list[tuple[str, bool, Words, dict[str, Any]]] = []
    t0 = time.monotonic()

    def step(kind: str, ok: bool, words: Words, **facts: Any) -> None:
        after = int((time.monotonic() - t0) * 1000)
        steps.append((kind, ok, words, facts))
        say({"kind": kind, "ok": ok, "zh": words.zh, "en": words.en, "after_ms": after})

    acked: list[str] = []
    missing: list[str] = []
    top_before = seq0
    detected_ms: int | None = None
    recovered_ms: int | None = None
    try:
        took = child.start()
        step(
            "note",
            True,
            Words(f"门店服务已启动（{took:.1f} 秒）", f"the node is up ({took:.1f} s)"),
        )
        if token and item:
            acked = _orders(child.url, token, item, orders)
        top_before = _top(settings)
        seen = child.kill()
        detected_ms = int(seen * 1000)
        step(
            "injected",
            True,
            Words(
                f"已强制结束门店服务（SIGKILL），此前已确认 {len(acked)} 张订单",
                f"killed the node (SIGKILL) after {len(acked)} acknowledged orders",
            ),
        )
        step(
            "detected",
            True,
            Words(
                f"守护进程 {seen:.2f} 秒后发现服务已退出",
                f"the supervisor saw the node gone after {seen:.2f} s",
            ),
        )
        step(
            "staff-saw",
            True,
            Words(
                "收银台显示“与门店服务器的连接已断开，正在重连…”，并自动重试未完成的操作",
                "tills show 'Lost the connection to the store node; reconnecting…' and "
                "retry what was in flight under the same keys",
            ),
        )
        back = child.start()
        recovered_ms = int(back * 1000)
        step(
            "recovered",
            recovered_ms <= d.RECOVER_GOAL_MS,
            Words(
                f"重启后 {back:.1f} 秒恢复服务", f"back and ready {back:.1f} s after the restart"
            ),
        )
        if token:
            headers = {"Authorization": f"Bearer {token}"}
            for oid in acked:
                r = httpx.get(f"{child.url}/api/orders/{oid}", headers=headers, timeout=10)
                if r.status_code != 200:
                    missing.append(oid)
    finally:
        child.stop()
    node = build_node(settings)
    try:
        got = d.losses(node, seq0)
        top_after = _top(settings)
        ok = not missing and got["journal_gaps"] == 0 and top_after >= top_before
        step(
            "checked",
            ok,
            Words(
                f"{'没有丢失' if ok else '发现缺失'}：已确认订单 {len(acked) - len(missing)}/"
                f"{len(acked)} 都在，记录连续（缺口 {got['journal_gaps']}）",
                f"{'nothing lost' if ok else 'something is missing'}: acknowledged orders "
                f"{len(acked) - len(missing)}/{len(acked)} present, journal continuous "
                f"({got['journal_gaps']} gaps)",
            ),
        )
        return _journal(node, steps, detected_ms, recovered_ms, ok, force)
    finally:
        node.close()


def _top(settings: Settings) -> int:
    engine = sa.create_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            top = conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM journal").scalar()
            return int(top or 0)
    finally:
        engine.dispose()


def _journal(
    node: Any,
    steps: list[tuple[str, bool, Words, dict[str, Any]]],
    detected_ms: int | None,
    recovered_ms: int | None,
    ok: bool,
    force: bool,
) -> dict[str, Any]:
    """Record the drill like the in-node ones: started, each step, finished."""
    now = node.now_ms()
    plan = d.Plan("node-killed", None, 0.0, force)

    def write(tx: Any) -> str:
        drill_id = d.start_drill(tx, plan, now, node.settings.timezone, None, frozenset())
        for n, (kind, good, words, facts) in enumerate(steps, 1):
            tx.append(
                f"drill:{drill_id}",
                "DrillStep",
                {
                    "drill_id": drill_id,
                    "n": n,
                    "kind": kind,
                    "ok": good,
                    "at_ms": now,
                    "after_ms": 0,
                    "zh": words.zh,
                    "en": words.en,
                    "facts": facts,
                },
            )
        passed = ok and detected_ms is not None and recovered_ms is not None
        det = f"{detected_ms / 1000:.2f}" if detected_ms is not None else "-"
        rec = f"{recovered_ms / 1000:.1f}" if recovered_ms is not None else "-"
        tx.append(
            f"drill:{drill_id}",
            "DrillFinished",
            {
                "drill_id": drill_id,
                "status": "passed" if passed else "failed",
                "detected_after_ms": detected_ms,
                "recovered_after_ms": recovered_ms,
                "nothing_lost": ok,
                "at_ms": node.now_ms(),
                "summary_zh": f"node-killed：{det} 秒发现，{rec} 秒恢复，"
                f"{'无丢失' if ok else '有缺失'}",
                "summary_en": f"node-killed: detected in {det} s, recovered in {rec} s, "
                f"{'nothing lost' if ok else 'something missing'}",
            },
        )
        return drill_id

    drill_id = node.writer.run(write)
    with node.engine.connect() as conn:
        return d.drill_json(conn, drill_id) or {}
