"""The long crash run: SIGKILL a real store node 100 times while clients order and pay.

After every restart: requests the kill left unanswered are retried with their Idempotency-Key;
every acknowledged order and payment is present exactly once, the journal's seq has no gap, and
(node stopped) a full rebuild must reproduce every projection.

    python -m bench.crash_suite [--kills 100] [--clients 8] [--rebuild-every 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from hearth.testing.crash import CrashReport, run_crash_suite

console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rebuild-every",
        type=int,
        default=1,
        help="replay the journal and compare every projection after every "
        "Nth kill (1: after each one)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/crash_suite.json"))
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Progress(
            TextColumn("[bold]SIGKILL[/] {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("", total=args.kills)

        def tick(n: int, r: CrashReport) -> None:
            bar.update(
                task,
                completed=n,
                description=(
                    f"{r.orders_acknowledged} orders, {r.payments_acknowledged} payments acked; "
                    f"lost {r.lost_orders + r.lost_payments}, twice "
                    f"{r.duplicate_orders + r.duplicate_payments}, seq gaps {r.seq_gaps}"
                ),
            )

        report = run_crash_suite(
            Path(tmp),
            args.kills,
            clients=args.clients,
            seed=args.seed,
            rebuild_every=args.rebuild_every,
            progress=tick,
        )
    table = Table(title=f"Crash suite: {report.kills} SIGKILLs during a rush")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in asdict(report).items():
        table.add_row(key.replace("_", " "), str(value if value != [] else 0))
    table.add_row("verdict", "[green]clean[/]" if report.clean else "[red]FAILED[/]")
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**asdict(report), "clean": report.clean}, indent=2))
    console.print(f"Written to {args.out}")
    raise SystemExit(0 if report.clean else 1)


if __name__ == "__main__":
    main()
