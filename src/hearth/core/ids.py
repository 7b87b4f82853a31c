"""UUIDv7 ids: time-ordered, so ids made on different devices sort by creation and index well."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit unix milliseconds, then a 12-bit counter and random bits.

    The counter keeps ids from one process strictly increasing within a millisecond.
    """
    global _last_ms, _counter
    with _lock:
        # Real time, not the node's clock: a UUIDv7 needs only a rough real time to sort and
        # index well, and nothing reads a time back out of an id.
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:
                ms += 1
                _counter = 0
        else:
            _counter = 0
        _last_ms = ms
        counter = _counter
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand
    return uuid.UUID(int=value)


def new_id() -> str:
    return str(uuid7())
