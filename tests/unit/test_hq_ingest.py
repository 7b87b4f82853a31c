"""HQ's ingest rule: whatever batches arrive — replayed, duplicated, out of turn, cut short —
HQ ends with each event exactly once, a contiguous cursor and the store's own digest."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.core.digest import GENESIS, chain, content_hash
from hearth.core.errors import Problem
from hearth.hq import domain as d


def journal_of(n: int) -> list[dict[str, Any]]:
    return [
        {
            "seq": s,
            "event_id": str(uuid.UUID(int=s)),
            "store_id": "s1",
            "device_id": "n",
            "stream": f"x:{s}",
            "stream_version": 1,
            "type": "T",
            "payload": {"n": s},
            "hlc": "h",
            "actor": None,
            "recorded_at_ms": s,
        }
        for s in range(1, n + 1)
    ]


class FakeHQ:
    """HQ's copy of one store, held the way the service holds it."""

    def __init__(self) -> None:
        self.held: dict[int, dict[str, Any]] = {}
        self.cursor, self.digest = 0, GENESIS

    def offer(self, batch: list[dict[str, Any]]) -> d.IngestDecision:
        d.check_batch_order([e["seq"] for e in batch])
        held_at = {
            s: d.Held(s, e["event_id"], e["content_hash"])
            for s, e in self.held.items()
            if batch and batch[0]["seq"] <= s
        }
        ids = {e["event_id"]: s for s, e in self.held.items()}
        held_ids = {e["event_id"]: ids[e["event_id"]] for e in batch if e["event_id"] in ids}
        decision = d.decide_ingest(self.cursor, self.digest, batch, held_at, held_ids)
        if isinstance(decision, d.Append):
            for row in decision.rows:
                assert row["seq"] not in self.held
                self.held[row["seq"]] = row
            self.cursor, self.digest = decision.acked_seq, decision.digest
        return decision


slices = st.tuples(st.integers(0, 40), st.integers(0, 12))


@given(n=st.integers(1, 40), offers=st.lists(slices, max_size=40))
def test_any_interleaving_of_batches_leaves_each_event_once_and_a_contiguous_cursor(
    n: int, offers: list[tuple[int, int]]
):
    journal = journal_of(n)
    hq = FakeHQ()
    for start, length in offers:
        batch = journal[start % n : start % n + length]
        decision = hq.offer(batch)
        assert not isinstance(decision, d.Diverged)
        if isinstance(decision, d.Gap):
            assert decision.expected_seq == hq.cursor + 1
        assert sorted(hq.held) == list(range(1, hq.cursor + 1))
    while hq.cursor < n:  # the store resends from HQ's cursor
        assert isinstance(hq.offer(journal[hq.cursor : hq.cursor + 7]), d.Append)
    assert [hq.held[s]["event_id"] for s in sorted(hq.held)] == [e["event_id"] for e in journal]
    assert hq.digest == list(chain(GENESIS, journal))[-1][1]


@given(n=st.integers(2, 30), data=st.data())
def test_a_changed_event_at_or_below_the_cursor_diverges_at_its_own_seq(n: int, data):
    journal = journal_of(n)
    hq = FakeHQ()
    hq.offer(journal)
    changed_at = data.draw(st.integers(1, n))
    start = data.draw(st.integers(1, changed_at))
    batch = [dict(e) for e in journal[start - 1 :]]
    batch[changed_at - start]["payload"] = {"n": "other"}
    decision = hq.offer(batch)
    assert decision == d.Diverged(changed_at, journal[changed_at - 1]["event_id"])
    assert hq.cursor == n


def test_an_event_resent_under_a_new_seq_diverges_instead_of_being_held_twice():
    journal = journal_of(3)
    hq = FakeHQ()
    hq.offer(journal)
    again = {**journal[0], "seq": 4}
    assert hq.offer([again]) == d.Diverged(4, journal[0]["event_id"])


@given(st.lists(st.integers(1, 50), min_size=2, max_size=10))
def test_a_batch_not_in_contiguous_ascending_order_is_refused(seqs: list[int]):
    contiguous = all(b == a + 1 for a, b in itertools.pairwise(seqs))
    if contiguous:
        d.check_batch_order(seqs)
    else:
        with pytest.raises(Problem) as refused:
            d.check_batch_order(seqs)
        assert refused.value.code == "sync-batch-unordered"


def test_the_digest_chained_by_hq_is_the_stores():
    journal = journal_of(5)
    decision = d.decide_ingest(0, GENESIS, journal, {}, {})
    assert isinstance(decision, d.Append)
    assert [r["digest"] for r in decision.rows] == [h for _, h in chain(GENESIS, journal)]
    assert decision.rows[0]["content_hash"] == content_hash(journal[0])


@given(sent=st.integers(1, 5), current=st.integers(1, 5))
def test_only_the_current_epoch_may_upload(sent: int, current: int):
    if sent == current:
        d.check_epoch(sent, current)
        return
    with pytest.raises(Problem) as refused:
        d.check_epoch(sent, current)
    assert refused.value.code == ("sync-fenced" if sent < current else "sync-epoch-unknown")


@given(events=st.integers(0, 1000), size=st.integers(0, 2 * d.MAX_BATCH_BYTES))
def test_batch_limits(events: int, size: int):
    if events <= d.MAX_BATCH_EVENTS and size <= d.MAX_BATCH_BYTES:
        d.check_batch_limits(events, size)
    else:
        with pytest.raises(Problem) as refused:
            d.check_batch_limits(events, size)
        assert refused.value.status == 413


@given(expires=st.one_of(st.none(), st.integers(0, 10**6)), now=st.integers(0, 10**6))
def test_an_enrolment_code_is_usable_only_before_it_expires(expires: int | None, now: int):
    assert d.enrol_code_usable(expires, now) == (expires is not None and now < expires)


@given(n=st.integers(0, 60), keep=st.integers(1, 10))
def test_compaction_keeps_the_last_k_versions(n: int, keep: int):
    versions = list(range(1, n + 1))
    floor = d.compaction_floor(versions, keep)
    kept = [v for v in versions if floor is None or v > floor]
    assert kept == versions[max(0, n - keep) :]
