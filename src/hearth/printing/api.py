"""Printer routes: network printers, health checks, test pages, receipts and the job queue."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from hearth.core.api import (
    CommandDep,
    NodeDep,
    Principal,
    Strict,
    require,
)
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.printing import service
from hearth.printing.lifecycle import worker_of
from hearth.printing.worker import health_report

router = APIRouter(prefix="/api/printers", tags=["printing"])

# (method, path) pairs this module serves without a staff token; each must authenticate its
# caller some other way (a signed table token, a webhook signature, a kiosk key).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset()

Admin = Annotated[Principal, Depends(require(Permission.KITCHEN_ADMIN))]
Printing = Annotated[Principal, Depends(require(Permission.PRINT))]
Viewer = Annotated[Principal, Depends(require(Permission.KITCHEN_VIEW))]

Id = Field(default=None, min_length=1, max_length=36)


# A printer on the shop's LAN: an IP address or a host name (RFC 1123 labels). Anything else
# (spaces, control characters, text the resolver cannot encode) is refused when it is entered,
# not discovered later by a print job or a health probe that can never reach it.
HOST_PATTERN = (
    r"^(?:\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*|"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)$"
)
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=HOST_PATTERN)]


class PrinterIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    host: Host
    port: int = Field(default=9100, ge=1, le=65535)
    kind: Literal["kitchen", "receipt"] = "kitchen"
    station_id: str | None = Id
    backup_printer_id: str | None = Id
    paper_width: Literal[58, 80] = 80
    enabled: bool = True


class PrinterPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    host: Host | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    kind: Literal["kitchen", "receipt"] | None = None
    station_id: str | None = Id
    backup_printer_id: str | None = Id
    paper_width: Literal[58, 80] | None = None
    enabled: bool | None = None


class ReceiptIn(Strict):
    order_id: str = Field(min_length=1, max_length=36)
    printer_id: str | None = Id


@router.get("", summary="The store's printers")
def list_printers(node: NodeDep, _staff: Viewer) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_printers(conn, node.settings.store_id)


@router.post("", status_code=201, summary="Add a network printer (kitchen or receipt)")
async def add_printer(body: PrinterIn, staff: Admin, cmd: CommandDep) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        pid = service.add_printer(
            tx, service.PrinterSpec(**body.model_dump()), actor=staff.staff_id
        )
        return 201, service.get_printer(tx.conn, tx.store_id, pid)

    return await cmd.run(staff, body.model_dump(), command)


@router.get("/health", summary="Each printer's last check, state, last error and queue")
def printers_health(node: NodeDep, _staff: Viewer) -> list[dict[str, Any]]:
    return health_report(node, worker_of(node))


@router.get("/jobs", summary="Print jobs not printed yet (or with the given status)")
def print_jobs(
    node: NodeDep,
    _staff: Viewer,
    status: Annotated[Literal["queued", "sending", "failed", "printed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return service.list_jobs(conn, node.settings.store_id, status, limit)


@router.post("/receipts", status_code=201, summary="Print (or reprint) a customer receipt")
async def print_receipt(body: ReceiptIn, node: NodeDep, staff: Printing, cmd: CommandDep) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        return 201, service.print_receipt(
            tx,
            body.order_id,
            printer_id=body.printer_id,
            request_key=cmd.key,
            header=node.settings.receipt_header,
            actor=staff.staff_id,
        )

    return await cmd.run(staff, body.model_dump(), command)


class ReprintIn(Strict):
    printer_id: str | None = Id


@router.post(
    "/jobs/{job_id}/reprint",
    status_code=201,
    summary="Print another copy of a ticket or receipt, marked as a reprint",
)
async def reprint(job_id: str, body: ReprintIn, staff: Printing, cmd: CommandDep) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        return 201, service.reprint_job(
            tx, job_id, printer_id=body.printer_id, request_key=cmd.key, actor=staff.staff_id
        )

    return await cmd.run(staff, body.model_dump(), command)


@router.patch("/{printer_id}", summary="Change a printer's settings")
async def change_printer(printer_id: str, body: PrinterPatch, staff: Admin, cmd: CommandDep) -> Any:
    changes = body.model_dump(exclude_unset=True)

    def command(tx: Tx) -> tuple[int, Any]:
        service.change_printer(tx, printer_id, changes, actor=staff.staff_id)
        return 200, service.get_printer(tx.conn, tx.store_id, printer_id)

    return await cmd.run(staff, changes, command)


@router.post("/{printer_id}/test", status_code=201, summary="Print a test page")
async def test_page(printer_id: str, staff: Printing, cmd: CommandDep) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        return 201, service.print_test_page(
            tx, printer_id, request_key=cmd.key, actor=staff.staff_id
        )

    return await cmd.run(staff, {}, command)
