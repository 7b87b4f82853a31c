"""The partition harness: a store and its HQ in network namespaces, faults between them while
tills keep ordering and paying, and a judge of what HQ ends up holding.

HQ (``hearth hq serve`` over SQLite) runs in one namespace; the store node (``hearth serve``)
in the other, reaching HQ over the veth through a fault proxy in its own namespace. Client
threads (``hearth.testing.crash``'s, moved into the store's namespace) order and pay cash the
whole time. Each fault is one of: the link down, an nftables partition, iptables random loss,
a fault-proxy mode, or SIGKILL of the store or of HQ (restarted). After each heal we time how
long HQ takes to hold everything the store had at the heal (the backlog then), with a 30 s goal.

At the end (tills stopped, everything healed) the store's journal and HQ's copy must be the
same list of ``(seq, event_id)`` — no gap, no duplicate — and the two digests at the top equal.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import sqlalchemy as sa

from hearth.bootstrap import build_node
from hearth.core.tables import journal
from hearth.hq import tables as hq_tables
from hearth.sync.tables import sync_state
from hearth.testing import crash
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.faultproxy import FaultProxy, Mode
from hearth.testing.netns import NetnsPair, entered

T = TypeVar("T")
STORE_PORT = 8000  # inside a namespace of our own nothing else can hold a port
HQ_PORT = 8100
STORE_ID = "store-001"
PG_SOCKET_DIR = "/var/run/postgresql"
DRAIN_GOAL_S = 30.0
PROXY_MODES = (Mode.DELAY, Mode.REFUSE, Mode.CUT, Mode.LOSE_ANSWER, Mode.DUPLICATE, Mode.HOLD)
KINDS = (
    "link",
    "partition",
    "loss",
    *(f"proxy-{m.value}" for m in PROXY_MODES),
    "kill-store",
    "kill-hq",
)
ENV = {"HEARTH_ARGON2_TIME_COST": "1", "HEARTH_ARGON2_MEMORY_KIB": "1024"}


def reachable_from_netns(db_url: str) -> str:
    """A PostgreSQL URL on this machine's loopback, rewritten to the server's Unix socket:
    HQ's namespace has no route to the host's 127.0.0.1, but the socket is a file, and files
    are shared by every namespace."""
    url = sa.engine.make_url(db_url)
    if (
        url.get_backend_name() != "postgresql"
        or url.host not in ("127.0.0.1", "localhost")
        or not Path(PG_SOCKET_DIR).is_dir()
    ):
        return db_url
    return (
        url._replace(host=None, port=None)
        .update_query_dict({"host": PG_SOCKET_DIR})
        .render_as_string(hide_password=False)
    )


def in_ns(ns: str, fn: Callable[[], T]) -> T:
    """Run ``fn`` on a thread inside ``ns`` and return what it returns."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            with entered(ns):
                box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Proc:
    """A ``hearth`` command line run inside a namespace, killable and restartable."""

    net: NetnsPair
    ns: str
    argv: list[str]
    health_url: str
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            self.net.argv_in(self.ns, [sys.executable, "-m", "hearth.cli", *self.argv]),
            stdout=out,
            stderr=out,
            env=os.environ | ENV,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while not in_ns(self.ns, lambda: _healthy(self.health_url)):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.argv[0]} exited with {self.proc.returncode}; see {self.log}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.argv} did not become healthy; see {self.log}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class PartitionReport:
    seed: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    drains_s: list[float] = field(default_factory=list)
    drains_by_kind: dict[str, list[float]] = field(default_factory=dict)
    drain_misses: int = 0
    max_backlog: int = 0
    store_events: int = 0
    hq_events: int = 0
    missing: int = 0
    duplicates: int = 0
    gaps: int = 0
    mismatched: int = 0
    digests_equal: bool = False
    final_drain_s: float = 0.0
    orders_acknowledged: int = 0
    payments_acknowledged: int = 0
    lost_orders: int = 0
    duplicate_orders: int = 0
    lost_payments: int = 0
    duplicate_payments: int = 0
    sync_status: str = ""

    @property
    def clean(self) -> bool:
        return (
            not (
                self.missing
                or self.duplicates
                or self.gaps
                or self.mismatched
                or self.drain_misses
                or self.lost_orders
                or self.duplicate_orders
                or self.lost_payments
                or self.duplicate_payments
            )
            and self.digests_equal
            and self.sync_status == "ok"
        )


def _till(
    base: str,
    token: str,
    ids: DemoIds,
    ledger: crash.Ledger,
    stop: threading.Event,
    seed: int,
    pace_s: float,
) -> None:
    """A till: orders and pays cash like ``crash``'s clients, at a till's pace. Flat out, on a
    busy 2-core box the tills outran HQ's ingest and the backlog only grew (17,000 events
    behind after 5 minutes), which measures the machine, not the sync."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=10) as http:
        auth = {"Authorization": f"Bearer {token}"}
        while not stop.is_set():
            key = uuid.uuid4().hex
            body = {
                "channel": "takeaway",
                "submit": rng.random() < 0.7,
                "note": key,
                "lines": [
                    {"item_id": ids.items["rice"], "quantity": rng.randint(1, 3)},
                    {"item_id": ids.items["gbjd"], "modifier_option_ids": [ids.options["Mild"]]},
                ],
            }
            order = crash._send(http, auth, ledger, "/api/orders", body, key)
            if order is not None and rng.random() < 0.7:
                due = order["totals"]["total"]
                crash._send(
                    http,
                    auth,
                    ledger,
                    f"/api/orders/{order['id']}/payments",
                    {"tender": "cash", "amount": due, "tendered": due},
                    uuid.uuid4().hex,
                )
            stop.wait(rng.uniform(0, 2 * pace_s))


class Rush:
    """Tills ordering and paying on the store, inside its namespace."""

    def __init__(
        self, ns: str, base: str, token: str, ids: DemoIds, clients: int, seed: int, pace_s: float
    ) -> None:
        self.ns, self.base, self.token, self.ids = ns, base, token, ids
        self.clients, self.seed, self.pace_s = clients, seed, pace_s
        self.ledger = crash.Ledger()
        self.stop_flag = threading.Event()
        self.threads: list[threading.Thread] = []
        self.round = 0

    def start(self) -> None:
        self.round += 1
        self.stop_flag = threading.Event()
        self.threads = [
            threading.Thread(
                target=in_ns,
                args=(
                    self.ns,
                    lambda i=i: _till(
                        self.base,
                        self.token,
                        self.ids,
                        self.ledger,
                        self.stop_flag,
                        self.seed * 100_000 + self.round * 10 + i,
                        self.pace_s,
                    ),
                ),
            )
            for i in range(self.clients)
        ]
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stop_flag.set()
        for t in self.threads:
            t.join()

    def retry_unanswered(self) -> None:
        in_ns(self.ns, lambda: crash._retry_unanswered(self.base, self.token, self.ledger))


class PartitionRig:
    """The two namespaces, HQ, the proxy, the store and its tills, over ``tmp``."""

    def __init__(
        self,
        tmp: Path,
        *,
        seed: int,
        clients: int,
        pace_s: float = 0.05,
        fault_s: tuple[float, float] = (0.5, 2.5),
        hq_db: str | None = None,
    ) -> None:
        self.tmp = tmp
        self.pace_s = pace_s
        self.fault_s = fault_s
        self.rng = random.Random(seed)
        self.seed = seed
        self.clients = clients
        self.net = NetnsPair()
        self.store_db = f"sqlite:///{tmp}/store.db"
        self.hq_db = reachable_from_netns(hq_db) if hq_db else f"sqlite:///{tmp}/hq.db"
        self.store_reader = sa.create_engine(self.store_db)
        self.hq_reader = sa.create_engine(self.hq_db)

    def __enter__(self) -> PartitionRig:
        self.net.setup()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cli(self, *argv: str, ns: str | None = None) -> str:
        cmd = [sys.executable, "-m", "hearth.cli", *argv]
        r = subprocess.run(
            self.net.argv_in(ns, cmd) if ns else cmd,
            capture_output=True,
            text=True,
            env=os.environ | ENV | {"COLUMNS": "400"},
            timeout=120,
        )
        if r.returncode != 0:
            raise RuntimeError(f"hearth {' '.join(argv[:3])} failed: {r.stdout}{r.stderr}")
        return r.stdout

    def _start(self) -> None:
        net = self.net
        setup = build_node(fast_settings(self.store_db))
        self.ids = a_small_restaurant(setup)
        setup.close()
        self._cli("hq", "init", "--db", self.hq_db)
        out = self._cli(
            "hq", "create-store", "--store-id", STORE_ID, "--name", "Chaos", "--db", self.hq_db
        )
        code = re.search(rf"{re.escape(STORE_ID)}\.\S+", out)
        assert code, out
        self.hq = Proc(
            net,
            net.hq_ns,
            [
                "hq",
                "serve",
                "--db",
                self.hq_db,
                "--host",
                net.hq_addr,
                "--port",
                str(HQ_PORT),
                "--log-level",
                "warning",
            ],
            f"http://{net.hq_addr}:{HQ_PORT}/healthz",
            self.tmp / "hq.log",
        )
        self.hq.start()
        self.proxy = FaultProxy((net.hq_addr, HQ_PORT), netns=net.store_ns, seed=self.seed).start()
        self._cli(
            "init",
            "--db",
            self.store_db,
            "--hq",
            f"http://127.0.0.1:{self.proxy.port}",
            "--enrol",
            code.group(0),
            ns=net.store_ns,
        )
        self.base = f"http://127.0.0.1:{STORE_PORT}"
        self.store = Proc(
            net,
            net.store_ns,
            [
                "serve",
                "--db",
                self.store_db,
                "--host",
                "127.0.0.1",
                "--port",
                str(STORE_PORT),
                "--log-level",
                "warning",
            ],
            f"{self.base}/healthz",
            self.tmp / "store.log",
        )
        self.store.start()
        token = in_ns(
            net.store_ns,
            lambda: httpx.post(
                f"{self.base}/api/auth/pin",
                json={"staff_code": "C01", "pin": self.ids.pins["C01"]},
                headers={"X-Terminal-Key": self.ids.terminal_key},
            ).json()["access_token"],
        )
        self.rush = Rush(
            net.store_ns, self.base, token, self.ids, self.clients, self.seed, self.pace_s
        )

    def close(self) -> None:
        rush = getattr(self, "rush", None)
        if rush is not None:
            rush.stop()
        for part in ("store", "hq"):
            proc = getattr(self, part, None)
            if proc is not None:
                proc.stop()
        proxy = getattr(self, "proxy", None)
        if proxy is not None:
            proxy.stop()
        self.net.cleanup()
        self.store_reader.dispose()
        self.hq_reader.dispose()

    # -- what each side holds ------------------------------------------------------------------
    def store_top(self) -> int:
        with self.store_reader.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)

    def hq_acked(self) -> int:
        with self.hq_reader.connect() as conn:
            return int(
                conn.execute(
                    sa.select(hq_tables.stores.c.acked_seq).where(
                        hq_tables.stores.c.store_id == STORE_ID
                    )
                ).scalar()
                or 0
            )

    def wait_hq_holds(self, upto: int, deadline_s: float) -> float | None:
        """Seconds until HQ's cursor reaches ``upto``; None past the deadline."""
        started = time.monotonic()
        while self.hq_acked() < upto:
            if time.monotonic() - started > deadline_s:
                return None
            time.sleep(0.05)
        return time.monotonic() - started

    # -- faults --------------------------------------------------------------------------------
    def inject(self, kind: str) -> Callable[[], None]:
        """Start fault ``kind``; the function that heals it."""
        net, rng = self.net, self.rng
        if kind == "link":
            net.link_down()
            return net.link_up
        if kind == "partition":
            net.partition()
            return net.end_partition
        if kind == "loss":
            net.loss(rng.uniform(0.2, 0.6))
            return net.end_loss
        if kind.startswith("proxy-"):
            mode = Mode(kind.removeprefix("proxy-"))
            self.proxy.set_mode(
                mode,
                delay_s=rng.uniform(0.01, 0.3),
                jitter_s=rng.uniform(0, 0.3),
                hold_s=rng.uniform(0.5, 3),
            )
            return lambda: self.proxy.set_mode(Mode.PASS)
        if kind == "kill-hq":
            self.hq.kill()
            return self.hq.start
        if kind == "kill-store":
            # The tills stop with it: their unanswered requests are retried after the restart.
            self.store.kill()
            self.rush.stop()

            def back() -> None:
                self.store.start()
                self.rush.retry_unanswered()
                self.rush.start()

            return back
        raise ValueError(kind)

    def run(
        self,
        faults: int,
        report: PartitionReport,
        progress: Callable[[int, PartitionReport], None] | None = None,
    ) -> PartitionReport:
        self.rush.start()
        for n in range(1, faults + 1):
            kind = self.rng.choice(KINDS)
            time.sleep(self.rng.uniform(0.2, 0.8))  # the tills run fault-free for a while
            heal = self.inject(kind)
            report.faults[kind] += 1
            time.sleep(self.rng.uniform(*self.fault_s))  # how long this fault lasts
            heal()
            top = self.store_top()
            report.max_backlog = max(report.max_backlog, top - self.hq_acked())
            took = self.wait_hq_holds(top, DRAIN_GOAL_S)
            if took is None:
                report.drain_misses += 1
                took = self.wait_hq_holds(top, 120.0)
                if took is None:
                    raise AssertionError(
                        f"after fault {n} ({kind}) HQ stays below seq {top}; see {self.tmp}"
                    )
                took += DRAIN_GOAL_S
            report.drains_s.append(took)
            report.drains_by_kind.setdefault(kind, []).append(took)
            if progress:
                progress(n, report)
        self.rush.stop()
        self.rush.retry_unanswered()
        return report

    # -- the judge -----------------------------------------------------------------------------
    def judge(self, report: PartitionReport) -> PartitionReport:
        top = self.store_top()
        took = self.wait_hq_holds(top, DRAIN_GOAL_S)
        report.final_drain_s = took if took is not None else -1.0
        if took is None:
            report.drain_misses += 1
        # The store moves its own cursor after HQ's answer: wait for that too.
        deadline = time.monotonic() + DRAIN_GOAL_S
        while self._store_state()["acked_seq"] < top and time.monotonic() < deadline:
            time.sleep(0.05)
        with self.store_reader.connect() as conn:
            ours = [
                (int(r.seq), r.event_id)
                for r in conn.execute(
                    sa.select(journal.c.seq, journal.c.event_id).order_by(journal.c.seq)
                )
            ]
        with self.hq_reader.connect() as conn:
            theirs = [
                (int(r.seq), r.event_id)
                for r in conn.execute(
                    sa.select(hq_tables.hq_events.c.seq, hq_tables.hq_events.c.event_id)
                    .where(hq_tables.hq_events.c.store_id == STORE_ID)
                    .order_by(hq_tables.hq_events.c.seq)
                )
            ]
            hq_digest = conn.execute(
                sa.select(hq_tables.stores.c.digest).where(hq_tables.stores.c.store_id == STORE_ID)
            ).scalar()
        state = self._store_state()
        report.store_events, report.hq_events = len(ours), len(theirs)
        seqs = [s for s, _ in theirs]
        ids = [e for _, e in theirs]
        report.duplicates = (len(seqs) - len(set(seqs))) + (len(ids) - len(set(ids)))
        report.gaps = sum(1 for i, s in enumerate(sorted(set(seqs)), start=1) if s != i)
        report.missing = len(set(ours) - set(theirs))
        report.mismatched = len(set(theirs) - set(ours))
        report.digests_equal = state["acked_seq"] == top and state["acked_digest"] == hq_digest
        report.sync_status = str(state["status"])
        crash_report = crash.CrashReport()
        crash._check_ledger(self.store_reader, self.rush.ledger, crash_report, True)
        report.orders_acknowledged = len(self.rush.ledger.orders)
        report.payments_acknowledged = len(self.rush.ledger.payments)
        report.lost_orders, report.duplicate_orders = (
            crash_report.lost_orders,
            crash_report.duplicate_orders,
        )
        report.lost_payments, report.duplicate_payments = (
            crash_report.lost_payments,
            crash_report.duplicate_payments,
        )
        return report

    def _store_state(self) -> dict[str, Any]:
        with self.store_reader.connect() as conn:
            row = conn.execute(sa.select(sync_state)).first()
        assert row is not None, "the store is not enrolled"
        return dict(row._mapping)


def run_partition_suite(
    tmp: Path,
    faults: int,
    *,
    seed: int = 13,
    clients: int = 4,
    pace_s: float = 0.05,
    fault_s: tuple[float, float] = (0.5, 2.5),
    hq_db: str | None = None,
    progress: Callable[[int, PartitionReport], None] | None = None,
) -> PartitionReport:
    """``hq_db``: HQ's database URL (default: SQLite beside the store's)."""
    report = PartitionReport(seed=seed)
    with PartitionRig(
        tmp, seed=seed, clients=clients, pace_s=pace_s, fault_s=fault_s, hq_db=hq_db
    ) as rig:
        rig.run(faults, report, progress)
        rig.judge(report)
    return report
