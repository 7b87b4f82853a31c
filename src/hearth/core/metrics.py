"""Prometheus metrics for one store node: counted from the journal, read from the tables at scrape.

Counters come from one commit listener that looks only at each committed event's type (orders
by channel, payments by tender and outcome), so no module carries metric calls. Gauges that
describe the present (tickets open, backlog, breakers, printers) are read when Prometheus
scrapes, from each module's ``metrics`` in its ``Module``. The registry is the node's own, not
the process-wide default, so several nodes in one test process never collide.
"""

from __future__ import annotations

import shutil
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hearth.core.journal import Event
from hearth.core.node import Node

# Outcomes a payment intent can reach; counted once per outcome reached (an intent that
# succeeds and is later refunded counts once under each).
PAYMENT_OUTCOMES = frozenset(
    {"succeeded", "failed", "unknown", "refunded", "reversed", "declined_later"}
)
_TENDERS_REMEMBERED = 4096  # PaymentStatusChanged does not repeat the tender


class NodeMetrics:
    """The node's registry and the metrics fed by the writer."""

    def __init__(
        self, node: Node, gauges: Iterable[Callable[[Node], Iterable[Metric]]] = ()
    ) -> None:
        self.node = node
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.orders = Counter(
            "hearth_orders", "Orders placed, by channel.", ["channel"], registry=r
        )
        self.payments = Counter(
            "hearth_payments",
            "Payment outcomes reached, by tender.",
            ["tender", "outcome"],
            registry=r,
        )
        self.events = Counter(
            "hearth_journal_events", "Events committed, by type.", ["type"], registry=r
        )
        self.commit_seconds = Histogram(
            "hearth_writer_commit_seconds",
            "Time the writer takes to run and commit a batch.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )
        self._tenders: OrderedDict[str, str] = OrderedDict()
        r.register(_Scraped(node, tuple(gauges)))

    def attach(self) -> None:
        """Listen to the writer's commits and time them."""
        writer = self.node.writer
        if self.on_commit not in writer.listeners:
            writer.listeners.append(self.on_commit)
        writer.observer = self.commit_seconds.observe

    def detach(self) -> None:
        writer = self.node.writer
        if self.on_commit in writer.listeners:
            writer.listeners.remove(self.on_commit)
        if writer.observer == self.commit_seconds.observe:
            writer.observer = None

    def on_commit(self, events: list[Event]) -> None:
        for ev in events:
            self.events.labels(ev.type).inc()
            if ev.type == "OrderOpened":
                self.orders.labels(str(ev.payload.get("channel"))).inc()
            elif ev.type == "PaymentStarted":
                tender = str(ev.payload.get("tender"))
                self._remember(str(ev.payload.get("payment_id")), tender)
                self._payment(tender, ev.payload.get("status"))
            elif ev.type == "PaymentStatusChanged":
                tender = self._tenders.get(str(ev.payload.get("payment_id")), "unknown")
                self._payment(tender, ev.payload.get("status"))

    def _remember(self, payment_id: str, tender: str) -> None:
        self._tenders[payment_id] = tender
        if len(self._tenders) > _TENDERS_REMEMBERED:
            self._tenders.popitem(last=False)

    def _payment(self, tender: str, status: object) -> None:
        if status in PAYMENT_OUTCOMES:
            self.payments.labels(tender, str(status)).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _Scraped(Collector):
    """What is true now: the writer, the journal, the disk, and each module's gauges."""

    def __init__(self, node: Node, gauges: tuple[Callable[[Node], Iterable[Metric]], ...]):
        self.node = node
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        node = self.node
        yield GaugeMetricFamily(
            "hearth_writer_queue_depth", "Commands waiting for the writer.", node.writer.queue_depth
        )
        yield GaugeMetricFamily(
            "hearth_writer_up",
            "1 while the writer takes commands.",
            1 if node.writer.running else 0,
        )
        yield GaugeMetricFamily(
            "hearth_journal_seq",
            "The last committed journal sequence.",
            node.writer.journal.next_seq - 1,
        )
        yield from _disk(node.settings.sqlite_path())
        for gauges in self.gauges:
            yield from gauges(node)


def _disk(path: Path | None) -> Iterator[Metric]:
    if path is None:
        return
    size = GaugeMetricFamily(
        "hearth_database_size_bytes", "The SQLite database and its WAL on disk.", labels=["file"]
    )
    for name, p in (("db", path), ("wal", path.with_name(path.name + "-wal"))):
        try:
            size.add_metric([name], p.stat().st_size)
        except OSError:
            continue
    yield size
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return
    yield GaugeMetricFamily(
        "hearth_disk_free_bytes", "Free space on the database's file system.", free
    )


def gauge(
    name: str, doc: str, labels: list[str], rows: Iterable[tuple[list[str], float]]
) -> GaugeMetricFamily:
    """A labelled gauge from (label values, value) rows: the shape every module's gauges take."""
    family = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in rows:
        family.add_metric(values, value)
    return family
