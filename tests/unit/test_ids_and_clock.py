import uuid

from hypothesis import given
from hypothesis import strategies as st

from hearth.core.clock import HLC, HybridClock
from hearth.core.ids import uuid7


def test_uuid7_has_version_7_and_rfc_variant():
    u = uuid7()
    assert u.version == 7
    assert u.variant == uuid.RFC_4122


def test_uuid7_sorts_by_creation_even_within_one_millisecond():
    ids = [uuid7(now_ms=1_700_000_000_000) for _ in range(500)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 500


def test_clock_never_runs_backwards_when_the_wall_clock_does():
    walls = iter([1000, 1000, 900, 800, 1001, 1001])
    clock = HybridClock(wall=lambda: next(walls))
    stamps = [clock.now() for _ in range(6)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 6


@given(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=50),
    st.integers(min_value=0, max_value=2 * 10**6),
    st.integers(min_value=0, max_value=100),
)
def test_observing_a_remote_clock_stays_ahead_of_it(walls, remote_wall, remote_logical):
    it = iter(walls + [0] * 10)
    clock = HybridClock(wall=lambda: next(it, 0))
    remote = HLC(remote_wall, remote_logical)
    merged = clock.observe(remote)
    assert merged > remote
    assert clock.now() > merged


def test_hlc_text_sorts_like_the_values():
    a, b = HLC(5, 10), HLC(12, 0)
    assert (a < b) == (a.encode() < b.encode())
    assert HLC.decode(a.encode()) == a
