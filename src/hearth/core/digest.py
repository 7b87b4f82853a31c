"""The rolling digest of a store's journal, computed the same way by the store and by HQ.

``h_n = sha256(h_{n-1} : seq : event_id : content_hash)``: two journals with the same digest at
``n`` hold the same events 1..n in the same order with the same content, so comparing one hash
at each handshake finds any divergence (a lost, repeated or altered event), and comparing the
chain finds the first seq where they part. See docs/sync-protocol.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

GENESIS = "0" * 64

# The event fields that make up its content, in the order they are hashed.
CONTENT_FIELDS = (
    "event_id",
    "store_id",
    "device_id",
    "stream",
    "stream_version",
    "type",
    "payload",
    "hlc",
    "actor",
    "recorded_at_ms",
)


# Every float orjson writes has a '.' or an exponent ('e+', 'e-') right after a digit, and its
# text can differ from ``json``'s (``0.00001`` against ``1e-05``). The marks are found with
# bytes.find (memchr): a regular expression over the whole text cost three times orjson's
# encoding. A mark inside a string ("v1.2") only costs the slower path, never another answer.
_FLOAT_MARKS = (b".", b"e+", b"e-")
_DIGITS = frozenset(b"0123456789")


def _may_hold_float(text: bytes) -> bool:
    for mark in _FLOAT_MARKS:
        at = text.find(mark)
        while at > 0:
            if text[at - 1] in _DIGITS:
                return True
            at = text.find(mark, at + 1)
    return False


_SORTED = orjson.OPT_SORT_KEYS


def canonical_json(value: Any) -> str:
    """One text per value, whichever database or client it went through."""
    return canonical_bytes(value).decode()


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json`` as UTF-8. The definition is ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)``; orjson writes the same bytes for everything
    but floats, about three times faster (hashing is a large part of HQ's ingest), so its
    text is used unless it may hold a float (or an integer past 64 bits, which it refuses):
    then ``json`` writes it, as always. Store and HQ call this same function."""
    try:
        out = orjson.dumps(value, option=_SORTED)
    except TypeError:
        out = b""
    if out and not _may_hold_float(out):
        return out
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(event: Mapping[str, Any]) -> str:
    """The hash of what an event says (everything but its place in the journal)."""
    return hashlib.sha256(canonical_bytes([event[f] for f in CONTENT_FIELDS])).hexdigest()


def next_digest(previous: str, seq: int, event_id: str, content: str) -> str:
    return hashlib.sha256(f"{previous}:{seq}:{event_id}:{content}".encode()).hexdigest()


def chain(previous: str, events: Iterable[Mapping[str, Any]]) -> Iterator[tuple[int, str]]:
    """``(seq, digest)`` for each event in turn, starting from the digest before the first."""
    h = previous
    for ev in events:
        h = next_digest(h, int(ev["seq"]), str(ev["event_id"]), content_hash(ev))
        yield int(ev["seq"]), h


def first_difference(ours: Mapping[int, str], theirs: Mapping[int, str]) -> int | None:
    """The first seq at which two digest chains part, or None when they agree where both
    have a digest."""
    for seq in sorted(set(ours) & set(theirs)):
        if ours[seq] != theirs[seq]:
            return seq
    return None
