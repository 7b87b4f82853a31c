"""Where a store node's time goes during a lunch rush: py-spy samples the node while
``bench/rush_client.py`` plays the rush against it.

Samples are taken only from the thread holding the GIL (``--gil``): the node is one Python
process, so that is the time that limits it. Each sample is put in one bucket by the first
frame that names a part of the node (the writer and what runs inside it, the HTTP layer, the
subscribers, the live feeds), and inside the writer by the use case. The raw stacks are kept
under ``bench/results/`` for a flame graph.

    python -m bench.profile_rush [--clients 100] [--seconds 12] [--rate 100]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.common import live_node
from bench.order_rush import rush_command, tables_for_waiters

console = Console(width=110)

# (bucket, a substring of a frame); the first that matches a sample's stack, root first, wins.
BUCKETS = (
    ("writer: one transaction for many requests", "Writer.run_batch"),
    ("subscribers reading the journal", "SubscriberRunner._read"),
    ("live feeds (SSE)", "livefeed"),
    ("HTTP: routing, validation, dependencies, JSON", "RequestResponseCycle.run_asgi"),
    ("HTTP: uvicorn protocol", "httptools_impl"),
    ("event loop", "asyncio"),
)


def frame_name(frame: str) -> str:
    """``func (path/to/hearth/module.py:12)`` -> ``func hearth/module.py``."""
    func, _, where = frame.partition(" (")
    path = where.split(":")[0]
    return f"{func} {path[path.find('hearth/') :] if 'hearth/' in path else path}"


def analyse(raw: Path) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    buckets: Counter[str] = Counter()
    use_cases: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        count = int(n)
        total += count
        frames = stack.split(";")
        bucket = next((name for name, pat in BUCKETS if pat in stack), "other")
        buckets[bucket] += count
        if bucket.startswith("writer"):
            start = next(i for i, f in enumerate(frames) if f.startswith("Writer.run_batch"))
            inside = [
                frame_name(f)
                for f in frames[start + 1 :]
                if "hearth/" in f and not any(skip in f for skip in ("core/writer.py", "/api.py"))
            ]
            use_cases[" > ".join(inside[:2]) if inside else "commit and savepoints"] += count
            leaves[frame_name(frames[-1])] += count
    return total, buckets, use_cases, leaves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--out", type=Path, default=Path("bench/results/profile_rush.txt"))
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        sys.exit("py-spy is not installed: `make setup` installs the dev dependencies")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    raw = args.out.with_suffix(".raw")

    with live_node(prepare=tables_for_waiters(args.clients)) as live:
        assert live.node.proc is not None
        console.print(
            f"Rush: {args.clients} waiters for {args.seconds:.0f} s; sampling the "
            f"node (pid {live.node.proc.pid}) with py-spy ..."
        )
        clients = subprocess.Popen(
            rush_command(live, args.clients, args.seconds, live.tmp / "rush-result.json")
        )
        time.sleep(min(2.0, args.seconds / 4))  # past sign-in, into the steady rush
        subprocess.run(
            [
                spy,
                "record",
                "--pid",
                str(live.node.proc.pid),
                "--gil",
                "--rate",
                str(args.rate),
                "--duration",
                str(int(args.seconds * 0.7)),
                "--format",
                "raw",
                "--output",
                str(raw),
            ],
            check=True,
            capture_output=True,
            timeout=args.seconds + 60,
        )
        clients.wait(timeout=args.seconds + 120)

    total, buckets, use_cases, leaves = analyse(raw)
    report = []
    sections = (
        ("Where the node's time goes (GIL held)", buckets, 10),
        ("Inside the writer, by use case and the step under it", use_cases, 15),
        ("Inside the writer, innermost frames", leaves, 15),
    )
    for title, counts, rows in sections:
        table = Table(title=f"{title}: {total} samples")
        table.add_column("share", justify="right")
        table.add_column("where")
        for name, count in counts.most_common(rows):
            table.add_row(f"{count / max(total, 1):.0%}", name)
            report.append(f"{title}\t{count / max(total, 1):.3f}\t{name}")
        console.print(table)
    args.out.write_text("\n".join(report) + "\n")
    console.print(f"Written to {args.out} (raw stacks: {raw})")


if __name__ == "__main__":
    main()
