"""What every router shares: the node, the signed-in staff member, permissions, idempotency,
manager approval, and running a command through the writer.

The dependencies are ``Annotated`` aliases so a route's signature reads like a sentence:
``def void_line(..., cmd: CommandDep, staff: StaffDep)``, and the change itself is
``await cmd.run(staff, body, command)``. They are ``async def`` although they never wait:
FastAPI runs a plain ``def`` dependency on its thread pool, and three thread hops per request
cost more than the whole check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from hearth.core.errors import CoreError, Problem
from hearth.core.node import Node
from hearth.core.permissions import Permission, Principal, Role, allowed
from hearth.core.text import control_message, first_control, normalise_newlines
from hearth.core.writer import Idempotency, Stored, Tx, idempotent

MAX_INT = 2**53  # the largest integer JSON clients (JavaScript) and SQLite both hold exactly


CONTROL_CHARACTERS = "control_characters"  # the error type; problem_handlers names it


class Multiline:
    """Marks a text field that may hold line breaks: ``Annotated[str, MULTILINE]``.

    Every other text field of a request refuses them with the other control characters."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MULTILINE"


MULTILINE = Multiline()
MultilineText = Annotated[str, MULTILINE]

# What ``_check_storable`` accepts, said in the OpenAPI document (ECMA regex): no C0, DEL or C1
# control character; a multiline field also takes "\n" (the server also takes "\r\n", which
# it stores as "\n", but a client need not know).
SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
MULTILINE_PATTERN = "^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f]*$"


def _say_what_fits(schema: JsonSchemaValue, pattern: str) -> None:
    """Give every free text in a field's schema the pattern (text already limited by an enum,
    a constant, its own pattern or format is left as it is) and every integer the 53-bit
    bounds. Nested models are ``$ref``s and say it themselves."""
    if schema.get("type") == "string" and not {"enum", "const", "pattern", "format"} & set(schema):
        schema["pattern"] = pattern
    if schema.get("type") == "integer":
        schema.setdefault("minimum", -MAX_INT)
        schema.setdefault("maximum", MAX_INT)
    if isinstance(schema.get("additionalProperties"), dict):
        schema.setdefault("propertyNames", {"pattern": SINGLE_LINE_PATTERN})
        _say_what_fits(schema["additionalProperties"], pattern)
    if isinstance(schema.get("items"), dict):
        _say_what_fits(schema["items"], pattern)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, ()):
            _say_what_fits(sub, pattern)


def _check_storable(value: Any, multiline: bool = False) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
        at = first_control(value, allow_newline=multiline)
        if at is not None:
            raise PydanticCustomError(
                CONTROL_CHARACTERS, control_message(value, at, allow_newline=multiline)
            )
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_INT:
            raise ValueError(f"must be between {-MAX_INT} and {MAX_INT}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            _check_storable(v, multiline)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_storable(k)
            _check_storable(v, multiline)


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a client that sends a price is told so."""

    model_config = ConfigDict(extra="forbid")
    _multiline: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._multiline = frozenset(
            name
            for name, f in cls.model_fields.items()
            if any(isinstance(m, Multiline) for m in f.metadata)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document says the text and integer rules ``_fits_the_database`` applies, so a
        client made from it (or schemathesis) never sends a note the node refuses."""
        json_schema = handler(core_schema)
        target = handler.resolve_ref_schema(json_schema)
        for name, prop in target.get("properties", {}).items():
            _say_what_fits(
                prop, MULTILINE_PATTERN if name in cls._multiline else SINGLE_LINE_PATTERN
            )
        return json_schema

    @field_validator("*")
    @classmethod
    def _fits_the_database(cls, value: Any, info: ValidationInfo) -> Any:
        """Say what is wrong instead of failing at the INSERT or at the printer: integers
        beyond 53 bits, text with lone surrogates (valid JSON escapes, but not Unicode a
        database can hold), and text with control characters (a note holding ``ESC p`` or
        ``GS V`` would reach a printer as a command; see hearth.core.text). Line breaks only
        in fields marked ``MULTILINE``, stored as "\\n"."""
        multiline = info.field_name in cls._multiline
        _check_storable(value, multiline)
        if multiline and isinstance(value, str):
            return normalise_newlines(value)
        return value


async def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


def unauthorized(detail: str) -> Problem:
    return CoreError.NOT_SIGNED_IN.problem(
        detail, extra={"headers": {"WWW-Authenticate": "Bearer"}}
    )


async def current_staff(
    node: NodeDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorized("Sign in with your staff code and PIN to do this.")
    claims = node.signer.read(authorization[7:].strip(), node.now_ms())
    if claims is None or claims.kind != "staff":
        raise unauthorized("Your sign-in has expired or is not valid; sign in again.")
    principal = Principal(claims.staff_id, Role(claims.role), claims.terminal_id)
    # The staff module installs a check of the token against staff and terminals as they are
    # now (deactivated, role changed, device revoked); see staff/access.py.
    check = node.access_check
    return check(principal) if check is not None else principal


StaffDep = Annotated[Principal, Depends(current_staff)]


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only roles holding ``permission`` (see MATRIX)."""

    async def check(staff: StaffDep) -> Principal:
        if not allowed(staff.role, permission):
            raise CoreError.PERMISSION_DENIED.problem(
                f"A {staff.role.value} cannot do this ({permission.value})."
            )
        return staff

    check.permission = permission  # type: ignore[attr-defined]  # read by the matrix test
    return check


IDEMPOTENCY_KEY_HEADER = "idempotency-key"  # as FastAPI names it in a validation error


def idempotency_key_missing() -> Problem:
    return CoreError.IDEMPOTENCY_KEY_MISSING.problem(
        "Send a unique Idempotency-Key header (1-200 characters) with every "
        "change, and the same key when you retry it.",
        field="Idempotency-Key",
    )


async def idempotency_key(
    idempotency_key: Annotated[
        str,
        Header(
            min_length=1,
            max_length=200,
            description="A unique key per change; send the same key when you retry it.",
        ),
    ],
) -> str:
    """Required in the OpenAPI document, so a generated client sends it; when it is missing
    or too long, problem_handlers answers 400 ``idempotency-key-missing`` (not FastAPI's
    422), as the node always has."""
    return idempotency_key


IdempotencyKeyDep = Annotated[str, Depends(idempotency_key)]


async def execute(
    node: Node,
    request: Request,
    key: str,
    staff: Principal | None,
    body: Any,
    command: Callable[[Tx], tuple[int, Any]],
) -> JSONResponse:
    """Run a command through the writer under an idempotency key and answer with its result."""
    idem = Idempotency.of(
        key, request.method, request.url.path, staff.staff_id if staff else None, body
    )
    stored: Stored[Any] = await node.writer.submit(idempotent(command, idem))
    headers = {"Idempotent-Replayed": "true"} if stored.replayed else None
    return JSONResponse(stored.body, status_code=stored.status, headers=headers)


@dataclass(frozen=True, slots=True)
class Commands:
    """What every change needs besides its body and its staff member: the node, the request
    (method and path go into the idempotency fingerprint) and the Idempotency-Key."""

    node: Node
    request: Request
    key: str

    async def run(
        self, staff: Principal | None, body: Any, command: Callable[[Tx], tuple[int, Any]]
    ) -> JSONResponse:
        return await execute(self.node, self.request, self.key, staff, body, command)


async def commands(request: Request, node: NodeDep, key: IdempotencyKeyDep) -> Commands:
    return Commands(node, request, key)


CommandDep = Annotated[Commands, Depends(commands)]
