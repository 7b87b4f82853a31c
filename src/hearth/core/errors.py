"""Errors as RFC 9457 problem details.

Every refusal the API makes is a ``Problem``: a stable machine code (its ``type``), a short human
title, a detail that says what to do, and the field at fault. The UI shows the title in the
staff's language; nothing else about the server leaks, least of all a stack trace.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "/problems/"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail or title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail or title
        self.field = field
        self.extra = extra or {}

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, f"{what}-not-found", f"No such {what.replace('-', ' ')}",
                   f"There is no {what.replace('-', ' ')} with id {ident!r} in this store.")


def invalid(code: str, title: str, detail: str, field: str | None = None) -> Problem:
    return Problem(422, code, title, detail, field=field)


def conflict(code: str, title: str, detail: str) -> Problem:
    return Problem(409, code, title, detail)


def forbidden(code: str, title: str, detail: str) -> Problem:
    return Problem(403, code, title, detail)
