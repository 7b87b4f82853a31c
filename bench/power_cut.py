"""The long power-cut run: cut the power under a real store node 60 times while tills order and
pay (`make powercut`, and `make chaos` after the sync chaos run).

The node's database lives on the power-cut file system (hearth.testing.powercut_fs): at each cut
the writes not yet fsynced are lost (in turn: a torn last write, a random subset of pages, or
all of them) and the node is SIGKILLed; the disk comes back, the node starts by itself, the
requests left unanswered are retried with their keys, and every acknowledged order and payment
must be there exactly once, the journal without a gap, and `PRAGMA integrity_check` ok.

    python -m bench.power_cut [--cuts 60] [--clients 4] [--seed 11]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from hearth.testing.powercut_fs import PowerCutReport, run_power_cut_suite

console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cuts", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=Path("bench/results/power_cut.json"))
    args = parser.parse_args()
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Progress(
            TextColumn("[bold]power cut[/] {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("", total=args.cuts)

        def tick(n: int, r: PowerCutReport) -> None:
            bar.update(
                task,
                completed=n,
                description=(
                    f"{r.orders_acknowledged} orders, {r.payments_acknowledged} payments acked; "
                    f"lost {r.lost_orders + r.lost_payments}, twice "
                    f"{r.duplicate_orders + r.duplicate_payments}, "
                    f"integrity failures {len(r.integrity_failures)}"
                ),
            )

        report = run_power_cut_suite(
            Path(tmp), args.cuts, clients=args.clients, seed=args.seed, progress=tick
        )
    elapsed = time.monotonic() - started
    table = Table(title=f"Power-cut run: {report.cuts} cuts during a rush")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in asdict(report).items():
        table.add_row(key.replace("_", " "), str(value if value != [] else 0))
    table.add_row("run time (s)", f"{elapsed:.0f}")
    clean = report.clean and report.cuts == args.cuts
    table.add_row("verdict", "[green]clean[/]" if clean else "[red]FAILED[/]")
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({**asdict(report), "run_s": round(elapsed), "clean": clean}, indent=2)
    )
    console.print(f"Written to {args.out}")
    raise SystemExit(0 if clean else 1)


if __name__ == "__main__":
    main()
