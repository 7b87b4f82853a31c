"""A request id on every request, in every log line it causes and in its response.

Takes the caller's ``X-Request-ID`` (a proxy's, or a till's retry) when it is a short plain
token, or makes one; binds it into structlog's context variables so each line logged while the
request runs carries it; and returns it in the response, so a cashier's screenshot of an error
leads support to the node's log lines. Plain ASGI, so streams (the KDS feed) pass untouched.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_RAW = HEADER.lower().encode()
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SLOW_MS = 1000.0
log = structlog.get_logger(__name__)


def request_id_of(value: str | None) -> str:
    """The caller's id when it is safe to log and echo, else a new one."""
    if value is not None and _SAFE.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == _RAW), None)
        rid = request_id_of(given)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_RAW, rid.encode("latin-1"))]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                # Only what support will look for: refusals, failures and slow answers. A
                # line per good request would cost the till's hot path and bury the rest.
                ms = round((time.perf_counter() - started) * 1000, 1)
                if status >= 400 or status == 0 or ms >= SLOW_MS:
                    log.info(
                        "http.request",
                        method=scope["method"],
                        path=scope["path"],
                        status=status,
                        ms=ms,
                    )
