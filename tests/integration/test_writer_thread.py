"""The single writer never waits behind unrelated blocking work: provider SDK calls and other
blocking helpers run on asyncio's shared default executor, the writer on a thread of its own."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from hearth.bootstrap import build_node
from hearth.testing.builders import fast_settings


def test_orders_commit_while_every_shared_worker_thread_is_stuck(tmp_path: Path) -> None:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"))
    release = threading.Event()

    async def scenario() -> tuple[int, bool]:
        await node.writer.start()
        try:
            # Fill the default executor (and its queue) with calls that hang, as a provider
            # that never answers does.
            stuck = [asyncio.to_thread(release.wait, 30) for _ in range(64)]
            tasks = [asyncio.ensure_future(s) for s in stuck]
            await asyncio.sleep(0)
            top = await asyncio.wait_for(
                node.writer.submit(lambda tx: tx.append("test:writer", "Pinged", {}).seq), 20
            )
            still_stuck = not any(t.done() for t in tasks)
            release.set()
            await asyncio.gather(*tasks)
            return top, still_stuck
        finally:
            release.set()
            await node.writer.stop()

    try:
        seq, blockers_still_running = asyncio.run(scenario())
    finally:
        node.close()
    assert seq >= 1
    assert blockers_still_running, "the write should have committed while the pool was stuck"
