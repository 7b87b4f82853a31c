"""The HTTP client for HQ's /sync/v1 endpoints (docs/sync-protocol.md).

Uploads are gzip-compressed JSON; every call but enrolment carries the store's credential as a
bearer token, which is never logged or put in an error message. An answer that is not a 2xx
becomes ``HqRefused`` (with the problem's code and fields), no answer at all ``HqUnavailable``:
the service decides what each means (``domain.decide``).
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import orjson

TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class HqUnavailable(Exception):
    """No answer from HQ: refused or cut connection, timeout, or a 5xx."""


class HqRefused(Exception):
    """HQ answered with a problem."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        self.code = str(body.get("code") or "")
        super().__init__(f"HQ answered {status} {self.code}: {body.get('detail') or ''}")


class HqClient:
    def __init__(
        self,
        base_url: str,
        credential: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credential = credential
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)

    def __repr__(self) -> str:  # never the credential
        return f"HqClient({self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> HqClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._credential}"} if self._credential else {}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        gz: bool = False,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        encoded: bytes | None = None,
    ) -> dict[str, Any]:
        headers = self._headers() if auth else {}
        content = None
        if body is not None or encoded is not None:
            raw = (
                encoded
                if encoded is not None
                else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            )
            headers["Content-Type"] = "application/json"
            if gz:
                # Level 1: journal JSON still shrinks about 5x, at a fraction of level 5's CPU,
                # which the store's upload loop was spending more of than HQ's ingest.
                raw = gzip.compress(raw, compresslevel=1)
                headers["Content-Encoding"] = "gzip"
            content = raw
        try:
            r = await self._http.request(
                method, path, content=content, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            raise HqUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from None
        if r.status_code >= 500:
            raise HqUnavailable(f"HQ answered {r.status_code}")
        try:  # orjson: a restore's 5,000-event journal pages decode four times faster
            data = orjson.loads(r.content)
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {"value": data}
        if r.status_code >= 300:
            raise HqRefused(r.status_code, data)
        return data

    # -- the protocol ------------------------------------------------------------------------
    async def enrol(self, enrol_code: str) -> dict[str, Any]:
        return await self._call(
            "POST", "/sync/v1/enrol", body={"enrol_code": enrol_code}, auth=False
        )

    async def upload(self, epoch: int, events: list[dict[str, Any]]) -> dict[str, Any]:
        return await self._call(
            "POST", "/sync/v1/events", body={"epoch": epoch, "events": events}, gz=True
        )

    async def upload_encoded(self, epoch: int, events: list[bytes]) -> dict[str, Any]:
        """``upload`` of events the caller already JSON-encoded (it measured them to cut the
        batch): the body is the same, and each event is encoded once."""
        body = b'{"epoch":%d,"events":[' % epoch + b",".join(events) + b"]}"
        return await self._call("POST", "/sync/v1/events", encoded=body, gz=True)

    async def handshake(
        self, epoch: int, seq: int, digest: str, catalogue_version: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"epoch": epoch, "seq": seq, "digest": digest}
        if catalogue_version is not None:  # so HQ's fleet page shows what the store sells from
            body["catalogue_version"] = catalogue_version
        return await self._call("POST", "/sync/v1/handshake", body=body)

    async def digests(self, first: int, last: int) -> dict[int, str]:
        data = await self._call("GET", "/sync/v1/digests", params={"from": first, "to": last})
        return parse_digests(data)

    async def report_divergence(self, first_differing_seq: int) -> None:
        await self._call(
            "POST", "/sync/v1/divergence", body={"first_differing_seq": first_differing_seq}
        )

    async def catalogue(self, after: int) -> dict[str, Any]:
        return await self._call("GET", "/sync/v1/catalogue", params={"after": after})

    async def journal(self, after: int, limit: int) -> list[dict[str, Any]]:
        data = await self._call("GET", "/sync/v1/journal", params={"after": after, "limit": limit})
        events = data.get("events", data.get("value", []))
        return list(events)

    async def restore(self) -> dict[str, Any]:
        return await self._call("POST", "/sync/v1/restore", body={})


def parse_digests(data: dict[str, Any]) -> dict[int, str]:
    """``{seq: digest}`` from HQ's answer, whether it lists pairs or maps seqs."""
    raw = data.get("digests", data)
    if isinstance(raw, dict):
        return {int(k): str(v) for k, v in raw.items() if str(k).isdigit()}
    out: dict[int, str] = {}
    for item in raw:
        if isinstance(item, dict):
            out[int(item["seq"])] = str(item["digest"])
        else:
            out[int(item[0])] = str(item[1])
    return out
