"""The long partition run: a store and its HQ in network namespaces, 1,000 faults between them
while tills order and pay cash (links down, nftables partitions, iptables random loss, the
fault proxy's delays, refusals, cut requests, lost answers, duplicates and held requests, and
SIGKILL of the store or HQ mid-batch).

Goals (issue 13): after every heal HQ holds everything the store had within 30 s; at the end HQ
holds every event of the store's journal exactly once (same seqs, same event ids, no gap, no
duplicate) and both digests are equal.

    python -m bench.sync_chaos [--faults 1000] [--clients 4] [--seed 13] [--hq-db URL]

Needs root, ip, nft and iptables (make netns-tools).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import traceback
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from bench.common import percentile
from hearth.testing.netns import unavailable_reason
from hearth.testing.partitions import DRAIN_GOAL_S, PartitionReport, PartitionRig

console = Console()


def _verdict(ok: bool) -> str:
    return "[green]PASS[/]" if ok else "[red]MISS[/]"


def _drains(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 50):.2f} / {percentile(values, 99):.2f} / {max(values):.2f}"


def print_report(report: PartitionReport, elapsed_s: float, error: str | None) -> None:
    kinds = Table(title=f"Faults injected (seed {report.seed})")
    kinds.add_column("fault")
    kinds.add_column("count", justify="right")
    kinds.add_column("drain after heal p50 / p99 / max (s)", justify="right")
    for kind, count in sorted(report.faults.items()):
        kinds.add_row(kind, str(count), _drains(report.drains_by_kind.get(kind, [])))
    kinds.add_row("[bold]all[/]", str(sum(report.faults.values())), _drains(report.drains_s))
    console.print(kinds)

    table = Table(
        title=f"Sync chaos: {sum(report.faults.values())} faults in {elapsed_s / 60:.1f} min"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("", justify="center")
    drain_max = max(report.drains_s, default=0.0)
    rows = [
        ("max backlog at a heal (events)", f"{report.max_backlog}", "", ""),
        ("drain after heal p50 (s)", f"{percentile(report.drains_s, 50):.2f}", "", ""),
        ("drain after heal p99 (s)", f"{percentile(report.drains_s, 99):.2f}", "", ""),
        (
            "drain after heal max (s)",
            f"{drain_max:.2f}",
            f"≤ {DRAIN_GOAL_S:.0f}",
            _verdict(report.drain_misses == 0),
        ),
        ("heals over the goal", str(report.drain_misses), "0", _verdict(report.drain_misses == 0)),
        (
            "final drain (s)",
            f"{report.final_drain_s:.2f}",
            f"≤ {DRAIN_GOAL_S:.0f}",
            _verdict(0 <= report.final_drain_s <= DRAIN_GOAL_S),
        ),
        ("events in the store's journal", str(report.store_events), "", ""),
        (
            "events at HQ",
            str(report.hq_events),
            str(report.store_events),
            _verdict(report.hq_events == report.store_events),
        ),
        ("missing at HQ", str(report.missing), "0", _verdict(report.missing == 0)),
        (
            "at HQ but not the store's (seq, id)",
            str(report.mismatched),
            "0",
            _verdict(report.mismatched == 0),
        ),
        ("duplicates at HQ", str(report.duplicates), "0", _verdict(report.duplicates == 0)),
        ("seq gaps at HQ", str(report.gaps), "0", _verdict(report.gaps == 0)),
        ("digests equal", str(report.digests_equal), "True", _verdict(report.digests_equal)),
        ("store sync status", report.sync_status, "ok", _verdict(report.sync_status == "ok")),
        (
            "orders / payments acknowledged",
            f"{report.orders_acknowledged} / {report.payments_acknowledged}",
            "",
            "",
        ),
        (
            "orders lost / twice",
            f"{report.lost_orders} / {report.duplicate_orders}",
            "0 / 0",
            _verdict(not (report.lost_orders or report.duplicate_orders)),
        ),
        (
            "payments lost / twice",
            f"{report.lost_payments} / {report.duplicate_payments}",
            "0 / 0",
            _verdict(not (report.lost_payments or report.duplicate_payments)),
        ),
    ]
    for row in rows:
        table.add_row(*row)
    ok = report.clean and error is None
    table.add_row("[bold]verdict[/]", "", "", _verdict(ok))
    console.print(table)
    if error:
        console.print(f"[red]The run stopped:[/] {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faults", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--pace", type=float, default=0.05, help="mean pause of each till between orders (s)"
    )
    parser.add_argument(
        "--hq-db",
        default=None,
        help="HQ's database URL (default: SQLite); a PostgreSQL URL on "
        "127.0.0.1 is reached over the server's Unix socket",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/sync_chaos.json"))
    args = parser.parse_args()
    reason = unavailable_reason()
    if reason is not None:
        console.print(f"[red]Cannot run the partition suite:[/] {reason}")
        raise SystemExit(2)
    console.print(f"sync chaos: {args.faults} faults, {args.clients} tills, seed {args.seed}")
    report = PartitionReport(seed=args.seed)
    error: str | None = None
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Progress(
            TextColumn("[bold]fault[/] {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("", total=args.faults)

        def tick(n: int, r: PartitionReport) -> None:
            if not console.is_terminal and n % 25 == 0:  # a log file gets a line now and then
                console.print(
                    f"fault {n}/{args.faults}: max drain {max(r.drains_s):.2f} s, "
                    f"over {DRAIN_GOAL_S:.0f} s: {r.drain_misses}, "
                    f"max backlog {r.max_backlog}"
                )
            bar.update(
                task,
                completed=n,
                description=(
                    f"last drain {r.drains_s[-1]:.2f} s, max {max(r.drains_s):.2f} s, "
                    f"over {DRAIN_GOAL_S:.0f} s: {r.drain_misses}, max backlog {r.max_backlog}"
                ),
            )

        try:
            with PartitionRig(
                Path(tmp), seed=args.seed, clients=args.clients, pace_s=args.pace, hq_db=args.hq_db
            ) as rig:
                try:
                    rig.run(args.faults, report, tick)
                except Exception as exc:  # still judge and print what was reached
                    error = f"{type(exc).__name__}: {exc}"
                    console.print(traceback.format_exc())
                    rig.rush.stop()
                    rig.net.heal()
                    rig.proxy.set_mode(rig.proxy.settings.mode.PASS)
                rig.judge(report)
        except Exception as exc:
            error = error or f"{type(exc).__name__}: {exc}"
            console.print(traceback.format_exc())
    elapsed = time.monotonic() - started
    print_report(report, elapsed, error)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # asdict() would rebuild the Counter from (kind, count) pairs: count the pairs instead.
    fields = {k: getattr(report, k) for k in report.__dataclass_fields__} | {
        "faults": dict(report.faults)
    }
    args.out.write_text(
        json.dumps(
            {
                **fields,
                "clean": report.clean and error is None,
                "error": error,
                "elapsed_s": elapsed,
                "drain_p50_s": percentile(report.drains_s, 50),
                "drain_p99_s": percentile(report.drains_s, 99),
            },
            indent=2,
            default=str,
        )
    )
    console.print(f"Written to {args.out}")
    raise SystemExit(0 if report.clean and error is None else 1)


if __name__ == "__main__":
    main()
