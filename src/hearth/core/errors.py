"""Errors as RFC 9457 problem details.

Every refusal the API makes is a ``Problem``: a stable machine code (its ``type``), a short human
title, a detail that says what to do, and the field at fault. The UI shows the title in the
staff's language; nothing else about the server leaks, least of all a stack trace.

Each module lists the codes it raises in its own ``errors.py`` (as Saleor's ``error_codes.py``):
one ``ErrorCode`` enum whose members carry the code, the HTTP status and the title in English
and Chinese. The domain raises ``StaffError.PIN_INVALID.problem("…", field="pin")``; the
problem JSON carries ``title`` (English, as always) and ``title_zh``, and the pages show the one
in their language. A test holds every member to both titles and every raise site to a member.
"""

from __future__ import annotations

from enum import Enum
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
        title_zh: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail or title}")
        self.status = status
        self.code = code
        self.title = title
        self.title_zh = title_zh
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
        if self.title_zh:
            body["title_zh"] = self.title_zh
        if instance:
            body["instance"] = instance
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class ErrorCode(Enum):
    """Base of every module's catalogue: ``NAME = (code, status, title_en, title_zh)``.

    The code string is what clients match on, so it is spelled out rather than derived from the
    member's name: one code may have several members when the title says more than the code
    (``permission-denied`` for "Only an owner can add an owner"). Titles may hold ``{name}``
    fields, filled from the keyword arguments of ``problem``.
    """

    code: str
    status: int
    title_en: str
    title_zh: str

    def __init__(self, code: str, status: int, title_en: str, title_zh: str) -> None:
        self.code = code
        self.status = status
        self.title_en = title_en
        self.title_zh = title_zh

    def problem(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        **title_args: Any,
    ) -> Problem:
        return Problem(
            self.status,
            self.code,
            self.title_en.format(**title_args),
            detail,
            field=field,
            extra=extra,
            title_zh=self.title_zh.format(**title_args),
        )


class CoreError(ErrorCode):
    NOT_SIGNED_IN = ("not-signed-in", 401, "Please sign in", "请先登录")
    PERMISSION_DENIED = (
        "permission-denied",
        403,
        "Not allowed for your role",
        "您的角色无权执行此操作",
    )
    IDEMPOTENCY_KEY_MISSING = (
        "idempotency-key-missing",
        400,
        "Idempotency-Key header needed",
        "缺少 Idempotency-Key 请求头",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency-key-reused",
        422,
        "Idempotency key already used",
        "该幂等键已被使用",
    )
    VALIDATION_ERROR = ("validation-error", 422, "The request is not valid", "请求无效")
    TEXT_CONTROL_CHARACTERS = (
        "text-control-characters",
        422,
        "Text contains control characters",
        "文本包含控制字符",
    )
    BODY_TOO_LARGE = ("body-too-large", 413, "Request too large", "请求内容过大")
    # The disk under the store's database refused a commit (hearth.core.writer): nothing was
    # saved; the problem's ``cause``/``cause_zh`` say why in plain words.
    STORAGE_FULL = (
        "storage-unavailable",
        503,
        "The disk is full: nothing was saved",
        "磁盘已满：本次操作没有保存",
    )
    STORAGE_FAILED = (
        "storage-unavailable",
        503,
        "The disk could not save: nothing was saved",
        "磁盘写入失败：本次操作没有保存",
    )
    INTERNAL_ERROR = (
        "internal-error",
        500,
        "Something went wrong on the store node",
        "门店服务器出错了",
    )


def not_found(code: ErrorCode, ident: str) -> Problem:
    """A 404 for a catalogue's ``<what>-not-found`` member, with the id that was not found."""
    what = code.code.removesuffix("-not-found").replace("-", " ")
    return code.problem(f"There is no {what} with id {ident!r} in this store.")
