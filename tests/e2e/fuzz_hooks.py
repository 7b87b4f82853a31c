"""schemathesis hooks for test_api_fuzz (loaded through SCHEMATHESIS_HOOKS).

The document says an Idempotency-Key is 1-200 characters; it cannot say "new for each new
request", and schemathesis sends "0" again and again with different bodies, which the node
rightly refuses (422 idempotency-key-reused). A valid key becomes a fresh one per call, so a
refusal of a valid request is the node's, not the fuzzer's."""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and 1 <= len(value) <= 200:
            headers[name] = uuid.uuid4().hex
