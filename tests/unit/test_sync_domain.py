"""The pure rules of the store's sync: backoff, batch cutting, HQ's answers, the stuck alarm."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hearth.sync import domain as d


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_backoff_is_capped_and_never_less_than_half_its_step(attempt, jitter):
    wait = d.backoff_s(attempt, jitter)
    step = min(d.BACKOFF_CAP_S, d.BACKOFF_BASE_S * 2 ** min(attempt - 1, 62))
    assert step / 2 <= wait <= step <= d.BACKOFF_CAP_S


@given(st.integers(min_value=1, max_value=40), st.floats(min_value=0, max_value=0.999))
def test_backoff_grows_until_the_cap(attempt, jitter):
    assert d.backoff_s(attempt + 1, jitter) >= d.backoff_s(attempt, jitter)


def test_jitter_spreads_stores_that_lost_hq_together():
    waits = {d.backoff_s(6, j / 10) for j in range(10)}
    assert len(waits) == 10


@given(st.lists(st.integers(min_value=1, max_value=200_000), max_size=1200))
def test_a_batch_fits_both_limits_and_is_never_empty(sizes):
    n = d.cut_batch(sizes)
    if not sizes:
        assert n == 0
        return
    assert 1 <= n <= min(len(sizes), d.MAX_BATCH_EVENTS)
    if n > 1:
        assert sum(sizes[:n]) <= d.MAX_BATCH_BYTES
    # it takes as much as fits: one more would break a limit
    if n < len(sizes):
        assert n == d.MAX_BATCH_EVENTS or sum(sizes[: n + 1]) > d.MAX_BATCH_BYTES


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=600))
def test_an_ack_within_the_batch_with_our_digest_moves_the_cursor(sent_to, back):
    acked = max(1, sent_to - back)
    decision = d.decide(
        d.Answer(200, acked_seq=acked, digest="a" * 64),
        sent_to=sent_to,
        our_digest_at={acked: "a" * 64},
    )
    assert decision == d.Decision(d.Action.ADVANCE, seq=acked)


@given(st.integers(min_value=1, max_value=10**6))
def test_an_ack_with_another_digest_is_a_divergence_not_a_cursor_move(seq):
    decision = d.decide(
        d.Answer(200, acked_seq=seq, digest="b" * 64), sent_to=seq, our_digest_at={seq: "a" * 64}
    )
    assert decision.action is d.Action.STOP and decision.stop is d.Stop.DIVERGED


def test_an_ack_beyond_what_was_sent_is_a_divergence():
    decision = d.decide(d.Answer(200, acked_seq=11, digest="a" * 64), sent_to=10, our_digest_at={})
    assert decision.stop is d.Stop.DIVERGED


@given(st.integers(min_value=1, max_value=10**6))
def test_a_gap_resends_from_the_seq_hq_expects(expected):
    decision = d.decide(
        d.Answer(409, "sync-gap", expected_seq=expected), sent_to=10**7, our_digest_at={}
    )
    assert decision == d.Decision(
        d.Action.RESEND, seq=expected, reason=f"HQ expects seq {expected}"
    )


@given(
    st.sampled_from(
        [
            (d.Answer(409, "sync-divergence", first_differing_seq=7), d.Stop.DIVERGED),
            (d.Answer(409, "sync-fenced"), d.Stop.FENCED),
            (d.Answer(401, "sync-revoked"), d.Stop.REVOKED),
            (d.Answer(401, "sync-unauthorized"), d.Stop.REVOKED),
        ]
    )
)
def test_divergence_fencing_and_revocation_stop_the_upload(case):
    answer, stop = case
    decision = d.decide(answer, sent_to=10, our_digest_at={})
    assert decision.action is d.Action.STOP and decision.stop is stop


@given(
    st.one_of(
        st.none(), st.integers(min_value=500, max_value=599), st.sampled_from([408, 413, 429])
    )
)
def test_no_answer_or_a_failing_hq_backs_off(status):
    decision = d.decide(d.Answer(status), sent_to=10, our_digest_at={})
    assert decision.action is d.Action.BACKOFF


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60_000),
            st.integers(min_value=0, max_value=50),
            st.integers(min_value=0, max_value=3),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_the_stuck_alarm_needs_hq_answering_without_progress_for_the_whole_window(steps):
    watch, now, acked = d.BacklogWatch(), 0, 0
    quiet_since: int | None = None  # our own model of the rule
    for gap, backlog, forward, answered in steps:
        now += gap
        acked += forward
        moved = forward > 0
        watch = watch.observe(now, backlog=backlog, acked_seq=acked, hq_answered=answered)
        if not answered or backlog == 0:
            quiet_since = None
        elif quiet_since is None or moved:
            quiet_since = now
        assert watch.stuck(now, after_ms=120_000) == (
            quiet_since is not None and now - quiet_since >= 120_000
        )


def test_a_backlog_hq_answers_but_never_takes_raises_the_alarm():
    watch = d.BacklogWatch()
    for minute in range(7):
        watch = watch.observe(minute * 60_000, backlog=1204, acked_seq=10, hq_answered=True)
    assert watch.stuck(6 * 60_000)
    assert not watch.observe(6 * 60_000, backlog=1204, acked_seq=11, hq_answered=True).stuck(
        6 * 60_000
    )
