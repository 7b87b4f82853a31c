"""The faults a drill injects on a live store, each real and each reversible.

A fault says which doctor check should notice it, how to put it on and take it off, what a
detection may need meanwhile (a payment provider's breaker only opens on calls, so the drill
makes the calls a till would), and what the store falls back to. The mechanisms:

- **provider-down**: the payment emulator's own switch (``POST /_emulator/faults``, mode
  ``down`` for that provider); the node's real adapters then meet 503s. A store whose
  providers are the real gateways has no such switch, and the drill says so instead of
  pretending.
- **hq-cut**: the sync client's outbound path goes through a local black hole the drill
  controls: a listener on 127.0.0.1 that resets every connection, put in front of the HQ
  address for as long as the fault lasts. It is chosen over an nftables rule because it needs
  no root, touches no other process's traffic (the chaos suite's namespaces, a second store on
  the same box), and cannot outlive the drill: the swap is in this process's memory only, so
  a crash mid-drill restarts the node with the real HQ address. To the store it is the same
  as a dead uplink: every HTTP call to HQ fails to connect.
- **kds-dark**: the station's live feeds are cut, and any screen that reconnects is cut again
  at once, for the whole fault: a screen whose network is down. The station counts as dark
  from the moment the fault went on (the kitchen's printer fallback then fires as it would).
- **printer-down** / **printer-off**: a printer the node can switch (a test printer registered
  on the node's ``Switchboard``): out of paper (its status says so; the socket closed when the
  printer emulator has no paper switch), or switched off (its socket closed). For a real
  printer the drill is guided: it asks the owner to take the paper out (or switch it off) and
  put it back, and times what the node notices.
- **restore**: the newest backup is taken and restored into a scratch copy, checked and timed;
  the live database is never replaced (that needs the node stopped: ``hearth restore``).
- **node-killed**: only ``hearth drill node-killed`` can do it, as the supervisor of a node it
  starts itself; from the web page the node would not come back, so it is refused there.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import sqlite3
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from hearth.backup import service as backups
from hearth.core.journal import Event
from hearth.core.node import Node
from hearth.kitchen.fallback import screens_of
from hearth.kitchen.tables import stations
from hearth.ops.domain import Finding, Severity, Words
from hearth.payments.runtime import PaymentsRuntime
from hearth.printing.lifecycle import worker_of
from hearth.printing.tables import printers
from hearth.sync.api import status_json
from hearth.sync.lifecycle import runner_of

FAULTS = (
    "provider-down",
    "hq-cut",
    "kds-dark",
    "printer-down",
    "printer-off",
    "restore",
    "node-killed",
)


class FaultUnavailable(Exception):
    """This fault cannot be put on this store; ``words`` says why, in both languages."""

    def __init__(self, words: Words) -> None:
        super().__init__(words.en)
        self.words = words


@dataclass
class Switchboard:
    """Devices this process runs and a drill may switch: test printers by ``host:port``.

    Whoever starts an emulated printer beside the node (a test, the bench, the drill command)
    registers it here; a printer not on the board is a real one and its drill is guided."""

    printers: dict[str, Any] = field(default_factory=dict)

    def add_printer(self, address: str, printer: Any) -> None:
        self.printers[address] = printer


def switchboard_of(node: Node) -> Switchboard:
    return node.parts.setdefault(Switchboard, Switchboard)


def _bad(finding: Finding) -> bool:
    return finding.severity is not Severity.OK


@dataclass
class Fault:
    """One injected fault: the base says nothing and does nothing; each kind fills it in."""

    node: Node
    target: str | None = None
    check: str = ""  # the doctor check (``checks.CHECKS`` name) that should notice it
    guided: bool = False  # a person puts it on and takes it off; the drill waits for them

    kind = ""

    def matches(self, finding: Finding) -> bool:
        return _bad(finding)

    async def prepare(self) -> None:
        """Check the fault can be put on here (raise ``FaultUnavailable``), pick a target."""

    async def inject(self, duration_s: float) -> Words:
        raise NotImplementedError

    async def remove(self) -> Words:
        raise NotImplementedError

    async def tick(self) -> None:
        """What the store does anyway while the fault is on (a till's payment attempt)."""

    def fallback(self) -> Words:
        return Words("", "")

    def recovered(self, findings: list[Finding]) -> bool:
        return not any(self.matches(f) for f in findings)


# -- payment provider down -------------------------------------------------------------------


@dataclass
class ProviderDown(Fault):
    check: str = "payments"
    kind = "provider-down"

    def _runtime(self) -> PaymentsRuntime:
        runtime = self.node.parts.find(PaymentsRuntime)
        if runtime is None or not runtime.providers:
            raise FaultUnavailable(
                Words("本店没有配置支付渠道", "this store has no payment provider to switch off")
            )
        return runtime

    async def prepare(self) -> None:
        runtime = self._runtime()
        if not self.node.settings.payment_emulator_url:
            raise FaultUnavailable(
                Words(
                    "本店连接的是真实支付渠道，演练无法关闭它们；请在测试环境（支付模拟器）中演练",
                    "this store's providers are the real gateways, which a drill cannot turn "
                    "off; run this drill on a store that uses the payment emulator",
                )
            )
        if self.target is None:
            routes = runtime.routing.to_json()
            self.target = str(routes[0]["name"]) if routes else next(iter(runtime.providers))
        if self.target not in runtime.providers:
            raise FaultUnavailable(
                Words(f"没有支付渠道 {self.target}", f"there is no provider {self.target}")
            )

    async def _switch(self, spec: dict[str, Any]) -> None:
        url = self.node.settings.payment_emulator_url.rstrip("/") + "/_emulator/faults"
        async with httpx.AsyncClient(timeout=5) as client:
            r = await client.post(url, json=spec)
            r.raise_for_status()

    async def inject(self, duration_s: float) -> Words:
        # The emulator ends the rule by itself a minute after the drill should have: a drill
        # that dies half-way never leaves the provider down for good.
        await self._switch({"provider": self.target, "mode": "down", "seconds": duration_s + 60})
        return Words(
            f"已在支付模拟器中关闭支付渠道 {self.target}",
            f"switched payment provider {self.target} off in the payment emulator",
        )

    async def remove(self) -> Words:
        await self._switch({"provider": self.target, "mode": "none"})
        await self.tick()  # the first call after: what a till's next payment does
        return Words(
            f"已重新开启支付渠道 {self.target}", f"switched payment provider {self.target} on"
        )

    async def tick(self) -> None:
        """A status query such as the settler or a till sends: the breaker counts it."""
        runtime = self._runtime()
        name = str(self.target)
        if not runtime.routing.allow(name):
            return
        timeout = self.node.settings.payment_call_timeout_ms / 1000
        with contextlib.suppress(Exception):
            await runtime.call(name, runtime.providers[name].query("drill-probe"), timeout)

    def matches(self, finding: Finding) -> bool:
        return finding.check == f"payments.{self.target}" and _bad(finding)

    def fallback(self) -> Words:
        runtime = self._runtime()
        others = [
            str(r["name"])
            for r in runtime.routing.to_json()
            if r["name"] != self.target and r.get("enabled", True) and r.get("state") != "open"
        ]
        names = "、".join(others) or "现金"
        return Words(
            f"扫码/刷卡改由 {names} 收款；现金照常",
            f"payments go to {', '.join(others) or 'cash only'} instead; cash works as always",
        )


# -- HQ link cut -----------------------------------------------------------------------------


async def _reset(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:  # RST, not FIN: what a dead route looks like to the client
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()


@dataclass
class HqCut(Fault):
    check: str = "sync"
    kind = "hq-cut"
    _server: asyncio.Server | None = None
    _make: Callable[..., Any] | None = None

    async def prepare(self) -> None:
        runner = runner_of(self.node)
        state = runner.syncer.state() if runner is not None else None
        if runner is None or runner.task is None or state is None:
            raise FaultUnavailable(
                Words(
                    "本店未接入总部，没有可切断的总部连接",
                    "this store is not joined to an HQ, so there is no HQ link to cut",
                )
            )
        self.target = state.hq_url

    async def inject(self, duration_s: float) -> Words:
        runner = runner_of(self.node)
        assert runner is not None
        self._server = await asyncio.start_server(_reset, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        hole = f"http://127.0.0.1:{port}"
        make = self._make = runner.syncer.make_client
        runner.syncer.make_client = lambda _url, cred: make(hole, cred)
        runner.syncer.shaken = False
        runner.wake()
        return Words(
            f"已切断到总部 {self.target} 的连接（经由本机 {hole} 黑洞）",
            f"cut the link to HQ {self.target} (its traffic now goes to a black hole at {hole})",
        )

    async def remove(self) -> Words:
        runner = runner_of(self.node)
        if runner is not None and self._make is not None:
            runner.syncer.make_client = self._make
            runner.syncer.shaken = False
            runner.attempt = 0
            runner.wake()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        return Words(f"已恢复到总部 {self.target} 的连接", f"restored the link to HQ {self.target}")

    def matches(self, finding: Finding) -> bool:
        return finding.check == "sync" and _bad(finding)

    def recovered(self, findings: list[Finding]) -> bool:
        """Back when the doctor is content and the backlog has drained to HQ."""
        if any(self.matches(f) for f in findings):
            return False
        sync = [f for f in findings if f.check == "sync"]
        return all(int(f.facts.get("events_waiting") or 0) == 0 for f in sync)

    def fallback(self) -> Words:
        waiting = int(status_json(self.node).get("events_waiting") or 0)
        return Words(
            f"点单、收款、厨房照常；新记录在本店排队（现有 {waiting} 条），恢复后自动上传总部",
            "ordering, payments and the kitchen carry on; new events queue in the store "
            f"({waiting} now) and go to HQ when the link is back",
        )


# -- KDS station dark ------------------------------------------------------------------------


def _station_probe(station_id: str) -> tuple[Event, Event]:
    def ev(sid: str) -> Event:
        return Event(0, "", "", "", "", 0, "TicketCreated", {"station_id": sid}, "", None, 0)

    return ev(station_id), ev("\x00not-a-station")


@dataclass
class KdsDark(Fault):
    check: str = "kds"
    kind = "kds-dark"
    name: str = ""
    was_online: bool = False
    cut: int = 0
    _task: asyncio.Task[None] | None = None
    _since_ms: int = 0

    def _rows(self) -> list[Any]:
        with self.node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(stations.c.id, stations.c.name_en)
                    .where(stations.c.store_id == self.node.settings.store_id)
                    .order_by(stations.c.name_en)
                )
            )

    async def prepare(self) -> None:
        rows = await asyncio.to_thread(self._rows)
        if not rows:
            raise FaultUnavailable(Words("本店没有厨房档口", "this store has no kitchen station"))
        screens = screens_of(self.node)
        if self.target is None:  # a station with a screen on, if any: the drill means most
            on = [r for r in rows if screens.online.get(r.id)]
            self.target = (on or rows)[0].id
        match = [r for r in rows if self.target in (r.id, r.name_en)]
        if not match:
            raise FaultUnavailable(
                Words(f"没有厨房档口 {self.target}", f"there is no kitchen station {self.target}")
            )
        self.target, self.name = match[0].id, match[0].name_en

    def _drop(self) -> None:
        """Cut every live feed that carries this station's tickets and no other station's."""
        mine, other = _station_probe(str(self.target))
        feed = self.node.livefeed
        for lis in list(feed._listeners):  # the feed's own way to cut a client: _DROPPED
            if lis.dropped or not lis.accept(mine) or lis.accept(other):
                continue
            lis.dropped = True
            lis.queue.put_nowait(_dropped_marker())
            self.cut += 1
        screens = screens_of(self.node)
        if not screens.online.get(str(self.target)):
            since = screens.offline_since.get(str(self.target), self._since_ms)
            screens.offline_since[str(self.target)] = min(since, self._since_ms)

    async def _keep_dark(self) -> None:
        while True:
            self._drop()
            await asyncio.sleep(0.1)

    async def inject(self, duration_s: float) -> Words:
        self.was_online = bool(screens_of(self.node).online.get(str(self.target)))
        self._since_ms = self.node.now_ms()
        self._drop()
        self._task = asyncio.create_task(self._keep_dark(), name="hearth-drill-kds")
        if not self.was_online:
            return Words(
                f"厨房档口 {self.name} 本来就没有连接的屏幕；演练保持它断开",
                f"kitchen station {self.name} had no screen connected; the drill keeps it dark",
            )
        return Words(
            f"已断开厨房档口 {self.name} 的屏幕，重连也会被断开",
            f"cut kitchen station {self.name}'s screens off, and cut them again on reconnect",
        )

    async def remove(self) -> Words:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return Words(
            f"不再断开 {self.name} 的屏幕（屏幕会自动重连；共断开 {self.cut} 次）",
            f"stopped cutting {self.name}'s screens (they reconnect by themselves; "
            f"{self.cut} connections were cut)",
        )

    def matches(self, finding: Finding) -> bool:
        return finding.facts.get("station_id") == self.target and _bad(finding)

    def recovered(self, findings: list[Finding]) -> bool:
        # A station that had no screen before the drill has none to come back.
        return not self.was_online or super().recovered(findings)

    def fallback(self) -> Words:
        return Words(
            f"{self.name} 的新小票改为在该档口的打印机上打印（若有）；点单照常",
            f"{self.name}'s new tickets print on the station's printer (if it has one); "
            "ordering carries on",
        )


def _dropped_marker() -> object:
    from hearth.core import livefeed

    return livefeed._DROPPED


# -- printer ---------------------------------------------------------------------------------


@dataclass
class PrinterDown(Fault):
    check: str = "printers"
    kind = "printer-down"
    name: str = ""
    switch: Any = None
    how: str = ""

    def _rows(self) -> list[Any]:
        with self.node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(printers)
                    .where(printers.c.store_id == self.node.settings.store_id)
                    .where(printers.c.enabled)
                    .order_by(printers.c.name)
                )
            )

    async def prepare(self) -> None:
        rows = await asyncio.to_thread(self._rows)
        if not rows:
            raise FaultUnavailable(Words("本店没有启用的打印机", "this store has no printer on"))
        board = switchboard_of(self.node)
        if self.target is None:  # one the drill can switch, if any
            switchable = [r for r in rows if f"{r.host}:{r.port}" in board.printers]
            self.target = (switchable or rows)[0].id
        match = [r for r in rows if self.target in (r.id, r.name)]
        if not match:
            raise FaultUnavailable(
                Words(f"没有打印机 {self.target}", f"there is no printer {self.target}")
            )
        row = match[0]
        self.target, self.name = row.id, row.name
        self.switch = board.printers.get(f"{row.host}:{row.port}")
        self.guided = self.switch is None

    async def inject(self, duration_s: float) -> Words:
        if self.switch is None:
            return Words(
                f"请现在取出打印机 {self.name} 的纸（或关闭其电源）",
                f"take the paper out of printer {self.name} now (or switch it off)",
            )
        if hasattr(self.switch, "paper_out") and self.kind == "printer-down":
            self.how = "paper-out"
            self.switch.paper_out = True
            return Words(f"打印机 {self.name} 缺纸", f"printer {self.name} is out of paper")
        self.how = "socket-closed"
        await asyncio.to_thread(self.switch.down)
        return Words(
            f"已关闭打印机 {self.name} 的端口（如同关机）",
            f"closed printer {self.name}'s socket (as if switched off)",
        )

    async def remove(self) -> Words:
        if self.switch is None:
            return Words(
                f"请把纸放回打印机 {self.name}（或打开电源）",
                f"put the paper back in printer {self.name} (or switch it on)",
            )
        if self.how == "paper-out":
            self.switch.paper_out = False
        else:
            await asyncio.to_thread(self.switch.up)
        return Words(f"打印机 {self.name} 已恢复", f"printer {self.name} is back")

    def matches(self, finding: Finding) -> bool:
        return finding.facts.get("printer_id") == self.target and _bad(finding)

    def fallback(self) -> Words:
        worker = worker_of(self.node)
        queued = 0
        if worker is not None:
            from hearth.printing.worker import health_report

            for p in health_report(self.node, worker):
                if p["printer_id"] == self.target:
                    queued = int(p.get("queued") or 0)
        return Words(
            f"小票转到备用打印机或排队（现排队 {queued} 张）；厨房屏照常显示",
            f"its tickets go to the backup printer or wait in the queue ({queued} waiting); "
            "the kitchen screens still show them",
        )


@dataclass
class PrinterOff(PrinterDown):
    """The printer switched off: its socket closed (connections refused), never paper-out."""

    kind = "printer-off"


# -- restore from backup ---------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    took_ms: int
    manifest: backups.Manifest
    problems: list[str]
    journal_top: int
    gaps: int


def rehearse_restore(node: Node, scratch: Path) -> RestoreResult:
    """Take a backup now, restore it into ``scratch``, check it opens whole and gap-free."""
    start = time.monotonic()
    manifest = backups.take_backup(node.settings, node.clock.now_ms())
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / "restored.db"
    shutil.copyfile(backups.backup_dir(node.settings) / manifest.file, target)
    problems = list(manifest.problems) + backups.check_file(target)
    with contextlib.closing(sqlite3.connect(f"file:{target}?mode=ro", uri=True)) as conn:
        top, count = conn.execute("SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM journal").fetchone()
    took = int((time.monotonic() - start) * 1000)
    target.unlink(missing_ok=True)
    return RestoreResult(took, manifest, problems, int(top), int(top) - int(count))


# -- choosing one ----------------------------------------------------------------------------

KINDS: dict[str, type[Fault]] = {
    "provider-down": ProviderDown,
    "hq-cut": HqCut,
    "kds-dark": KdsDark,
    "printer-down": PrinterDown,
    "printer-off": PrinterOff,
}


def make_fault(node: Node, kind: str, target: str | None) -> Fault:
    """The fault to inject (restore and node-killed have their own runs, see drills.py)."""
    cls = KINDS.get(kind)
    if cls is None:
        raise FaultUnavailable(Words(f"没有这种演练：{kind}", f"there is no drill {kind}"))
    return cls(node, target)
