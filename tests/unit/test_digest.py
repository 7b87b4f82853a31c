"""The journal digest: equal journals agree, and any change is found at its first seq."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from hearth.core.digest import (
    GENESIS,
    canonical_bytes,
    canonical_json,
    chain,
    content_hash,
    first_difference,
)


def _event(seq: int, payload: dict[str, int]) -> dict[str, object]:
    return {
        "seq": seq,
        "event_id": f"e{seq}",
        "store_id": "s1",
        "device_id": "d1",
        "stream": f"order:{seq % 3}",
        "stream_version": seq,
        "type": "OrderPlaced",
        "payload": payload,
        "hlc": f"{seq:013d}-000000",
        "actor": None,
        "recorded_at_ms": 1000 + seq,
    }


payloads = st.lists(st.dictionaries(st.sampled_from("abc"), st.integers()), min_size=1, max_size=30)


@given(payloads)
def test_the_same_journal_gives_the_same_chain(ps):
    events = [_event(i + 1, p) for i, p in enumerate(ps)]
    assert list(chain(GENESIS, events)) == list(chain(GENESIS, [dict(e) for e in events]))


@given(payloads, st.data())
def test_a_changed_event_is_found_at_its_own_seq(ps, data):
    events = [_event(i + 1, p) for i, p in enumerate(ps)]
    at = data.draw(st.integers(1, len(events)))
    changed = [dict(e) for e in events]
    changed[at - 1]["payload"] = {**changed[at - 1]["payload"], "z": 1}
    ours, theirs = dict(chain(GENESIS, events)), dict(chain(GENESIS, changed))
    assert first_difference(ours, theirs) == at
    assert ours[len(events)] != theirs[len(events)]


def test_key_order_does_not_change_the_content_hash():
    a, b = _event(1, {"x": 1, "y": 2}), _event(1, {"y": 2, "x": 1})
    assert content_hash(a) == content_hash(b)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json_values)
def test_canonical_text_is_jsons_whatever_the_fast_path(value):
    """orjson writes the canonical text unless it may hold a float (or too big an integer):
    either way the bytes are json.dumps's, so store and HQ digests never depend on which."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_bytes(value) == expected.encode()
    assert canonical_json(value) == expected
