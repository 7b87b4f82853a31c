"""Turn every failure into an RFC 9457 problem detail; never a stack trace to a user."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.core.api import IDEMPOTENCY_KEY_HEADER, idempotency_key_missing
from hearth.core.errors import CoreError, Problem

log = structlog.get_logger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem_response(p: Problem, request: Request | None = None) -> JSONResponse:
    body = p.to_dict(instance=request.url.path if request else None)
    headers = body.pop("headers", None)
    return JSONResponse(body, status_code=p.status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(x) for x in loc if x not in ("body", "query", "path", "header")]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "body"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (RFC 9110 §15.5.6: a 405 names them).

    Starlette's own ``Allow`` names only the first route matching the path, and a path here
    is often several routes (GET and PATCH of one order)."""
    order = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    return [
        method
        for method in order
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(
            tuple(e.get("loc", ()))[:2] == ("header", IDEMPOTENCY_KEY_HEADER) for e in exc.errors()
        ):
            return problem_response(idempotency_key_missing(), request)
        raw = exc.errors()
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "")} for e in raw
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        # Control characters get their own code, so a till can say in its language that a
        # note holds something that is not text (see hearth.core.text).
        code, title = (
            ("text-control-characters", "Text contains control characters")
            if raw and raw[0].get("type") == "control_characters"
            else ("validation-error", "The request is not valid")
        )
        p = Problem(
            422,
            code,
            title,
            f"{first['field']}: {first['message']}",
            field=first["field"],
            extra={"errors": errors},
        )
        return problem_response(p, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        p = Problem(
            exc.status_code,
            f"http-{exc.status_code}",
            titles.get(exc.status_code, "Request refused"),
            str(exc.detail),
            extra={"headers": headers} if headers else None,
        )
        return problem_response(p, request)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.failed", path=request.url.path, error=repr(exc))
        p = CoreError.INTERNAL_ERROR.problem(
            "Nothing was changed. Try again; if it keeps happening, tell support the time and "
            "what you did: the node's log has the error (request.failed), and "
            "`hearth rebuild --check` checks the store's data without changing it."
        )
        return problem_response(p, request)


class BodySizeLimit:
    """Refuse bodies over the limit before they are read into memory (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise CoreError.BODY_TOO_LARGE.problem(
                        f"Requests are limited to {self.max_bytes} bytes."
                    )
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        p = CoreError.BODY_TOO_LARGE.problem(f"Requests are limited to {self.max_bytes} bytes.")
        resp = JSONResponse(
            p.to_dict(instance=scope.get("path")), status_code=413, media_type=PROBLEM_JSON
        )
        await resp(scope, receive, send)


# Answers any operation may give besides its own, each as a problem document. Declared in the
# OpenAPI so clients (and the fuzzer) know the full contract, not just the happy path.
PROBLEM_STATUSES = {
    "400": "The request could not be read",
    "401": "Not signed in, or the credential is not valid",
    "403": "Signed in, but not allowed (or a manager's approval is needed)",
    "404": "No such thing in this store",
    "409": "Conflicts with the current state (e.g. the order is already paid)",
    "413": "The request body is too large",
    "415": "The body is not in a format this endpoint reads",
    "422": "The request is not valid; `field` says which part",
    "423": "Locked out after too many wrong PINs; `Retry-After` says for how long",
    "429": "Too many requests; slow down",
    "503": "The store's disk refused to save (full or failing): nothing was saved; retry later",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "title_zh": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
    },
}


def document_problems(app: FastAPI) -> None:
    """Make every operation's documented answers include the problem responses."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"$ref": "#/components/schemas/Problem"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for status, description in PROBLEM_STATUSES.items():
                    operation["responses"][status] = {
                        "description": description,
                        "content": {PROBLEM_JSON: {"schema": ref}},
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
