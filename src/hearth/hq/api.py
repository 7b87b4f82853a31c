"""HQ's routes: ``/sync/v1/*`` for stores (their credential names them) and ``/api/hq/*`` for
HQ owners. Request models and checks only; the use cases are in service and catalogue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from hearth.core.api import Strict
from hearth.hq import catalogue, fleet, owners, service
from hearth.hq import domain as d
from hearth.hq.body import read_json
from hearth.hq.context import HQ
from hearth.hq.errors import HQError
from hearth.hq.fleet_errors import FleetError
from hearth.hq.idempotency import IdempotencyDep

sync = APIRouter(prefix="/sync/v1", tags=["sync"])
hq_api = APIRouter(prefix="/api/hq", tags=["hq"])


async def get_hq(request: Request) -> HQ:
    hq: HQ = request.app.state.hq
    return hq


HQDep = Annotated[HQ, Depends(get_hq)]


def _bearer(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    return authorization[7:].strip() or None


def current_store(hq: HQDep, authorization: Annotated[str | None, Header()] = None) -> str:
    """The store is whoever the credential belongs to; never what the body or path says."""
    token = _bearer(authorization)
    if token is None:
        raise HQError.UNAUTHORIZED.problem("Send Authorization: Bearer <store credential>.")
    return service.authenticate(hq, token)


StoreDep = Annotated[str, Depends(current_store)]


def _same_store(claimed: str | None, store_id: str, field: str = "store_id") -> None:
    if claimed is not None and claimed != store_id:
        raise HQError.WRONG_STORE.problem(
            f"This credential is store {store_id!r}; the request names {claimed!r}.", field=field
        )


# -- models ----------------------------------------------------------------------------------


class EnrolBody(Strict):
    enrol_code: str = Field(min_length=3, max_length=200)


class HandshakeBody(Strict):
    store_id: str | None = None
    epoch: int = Field(ge=1)
    seq: int = Field(ge=0)
    digest: str = Field(min_length=64, max_length=64)
    catalogue_version: int | None = Field(default=None, ge=0)


class DivergenceBody(Strict):
    store_id: str | None = None
    first_differing_seq: int = Field(ge=1)


class RestoreBody(Strict):
    store_id: str | None = None


def _validated(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        raise HQError.EVENT_INVALID.problem(
            f"{where}: {err.get('msg', 'invalid')}", field=where
        ) from None


# -- /sync/v1 --------------------------------------------------------------------------------


@sync.post("/enrol", summary="Trade a one-time enrolment code for the store's credential")
def enrol(body: EnrolBody, hq: HQDep) -> dict[str, Any]:
    got = service.enrol(hq, body.enrol_code)
    return {"store_id": got.store_id, "credential": got.credential, "epoch": got.epoch}


@sync.post("/handshake", summary="Where HQ stands for this store, and may it upload")
def handshake(body: HandshakeBody, hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    _same_store(body.store_id, store_id)
    answer = service.handshake(
        hq, store_id, body.epoch, body.seq, body.digest, body.catalogue_version
    )
    return {**answer, "server_time_ms": hq.clock.now_ms()}


@sync.get("/time", summary="HQ's clock: a store's doctor measures its skew and round trip")
def server_time(hq: HQDep) -> dict[str, int]:
    """Open to anyone (the time is no secret), so a store checks its clock and its link to HQ
    with one small request, before and without its credential."""
    return {"server_time_ms": hq.clock.now_ms()}


@sync.post("/events", summary="Upload a batch of journal events (gzip), exactly once")
async def upload(request: Request, hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    data, size = await read_json(request, d.MAX_BATCH_BYTES)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        d.check_batch_limits(len(data["events"]), size)
    epoch, claimed, events = d.parse_upload(data)  # checked field by field, kept as sent
    _same_store(claimed, store_id)
    acked = await run_in_threadpool(service.ingest, hq, store_id, epoch, events)
    return {"acked_seq": acked.acked_seq, "digest": acked.digest}


@sync.get("/digests", summary="HQ's digest at each seq of a range (at most 1000)")
def digests(
    hq: HQDep,
    store_id: StoreDep,
    first: Annotated[int, Query(alias="from")],
    last: Annotated[int, Query(alias="to")],
) -> dict[str, Any]:
    return {"digests": service.digests(hq, store_id, first, last)}


@sync.post("/divergence", summary="Report the first seq where the store and HQ part")
def divergence(body: DivergenceBody, hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    _same_store(body.store_id, store_id)
    service.report_divergence(hq, store_id, body.first_differing_seq)
    return {"first_differing_seq": body.first_differing_seq}


@sync.get(
    "/journal",
    summary="The store's events as HQ holds them, to rebuild a box",
    response_class=Response,
)
def journal(hq: HQDep, store_id: StoreDep, after: int = 0, limit: int = 1000) -> Response:
    # Encoded here, not by FastAPI's generic encoder: a page of 5,000 events walked through
    # jsonable_encoder cost more than reading it from the database (restore, bench/sync.py).
    return Response(service.journal(hq, store_id, after, limit), media_type="application/json")


@sync.post("/restore", summary="Start a new epoch for a box rebuilt from HQ; fence the old")
def restore(body: RestoreBody, hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    _same_store(body.store_id, store_id)
    return service.restore(hq, store_id)


@sync.get("/catalogue", summary="Catalogue versions after V (a snapshot when V is too old)")
def pull_catalogue(hq: HQDep, store_id: StoreDep, after: int = 0) -> dict[str, Any]:
    return catalogue.pull(hq, store_id, after)


# -- /api/hq (owners) ------------------------------------------------------------------------


def current_owner(hq: HQDep, authorization: Annotated[str | None, Header()] = None) -> str:
    token = _bearer(authorization)
    if token is None:
        raise HQError.NOT_SIGNED_IN.problem(
            "Sign in at HQ with your code and password.",
            extra={"headers": {"WWW-Authenticate": "Bearer"}},
        )
    return owners.check_token(hq, token)


OwnerDep = Annotated[str, Depends(current_owner)]


class SignInBody(Strict):
    code: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class NewStore(Strict):
    store_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class CatalogueEvent(Strict):
    type: str = Field(min_length=1, max_length=80)
    payload: dict[str, Any]


class PublishBody(Strict):
    scope: str = Field(default="chain", max_length=80)
    events: list[CatalogueEvent] = Field(max_length=5000)


@hq_api.post("/auth/sign-in", summary="Sign in as an HQ owner (code and password)")
def sign_in(body: SignInBody, hq: HQDep) -> dict[str, Any]:
    token, expires = owners.sign_in(hq, body.code, body.password)
    return {"access_token": token, "expires_at_ms": expires}


@hq_api.post("/stores", status_code=201, summary="Create a store; its enrolment code once")
def create_store(
    body: NewStore, hq: HQDep, owner: OwnerDep, idem: IdempotencyDep
) -> dict[str, Any]:
    return idem.once(
        owner,
        body,
        lambda: {
            "store_id": body.store_id,
            "enrol_code": service.create_store(hq, body.store_id, body.name),
        },
        secret="enrol_code",
    )


@hq_api.post("/stores/{store_id}/enrol-code", summary="A new enrolment code for a store")
def new_enrol_code(
    store_id: str, hq: HQDep, owner: OwnerDep, idem: IdempotencyDep
) -> dict[str, Any]:
    return idem.once(
        owner,
        {"store_id": store_id},
        lambda: {"store_id": store_id, "enrol_code": service.issue_enrol_code(hq, store_id)},
        secret="enrol_code",
    )


@hq_api.post("/stores/{store_id}/revoke", summary="Revoke a store: its credential stops working")
def revoke(store_id: str, hq: HQDep, owner: OwnerDep, idem: IdempotencyDep) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        service.revoke(hq, store_id)
        return {"store_id": store_id, "revoked": True}

    return idem.once(owner, {"store_id": store_id, "revoke": True}, run)


@hq_api.get("/stores", summary="The fleet: every store, its sync state and alarms")
def list_stores(hq: HQDep, owner: OwnerDep) -> dict[str, Any]:
    return {"stores": service.fleet(hq)}


@hq_api.post("/catalogue", status_code=201, summary="Publish a catalogue version to a scope")
def publish(body: PublishBody, hq: HQDep, owner: OwnerDep, idem: IdempotencyDep) -> dict[str, Any]:
    events = [ev.model_dump() for ev in body.events]
    return idem.once(
        owner,
        body,
        lambda: {"scope": body.scope, "version": catalogue.publish(hq, body.scope, events, owner)},
    )


# -- /sync/v1: the store's health and backups (hq/fleet.py) ------------------------------------


class BackupInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str = Field(max_length=120)
    taken_at_ms: int = Field(ge=0)
    size: int = Field(ge=0)
    verified: bool


class ReportBody(BaseModel):
    """A store's doctor report and open alerts, as its node made them (their texts are the
    store's own: kept as sent)."""

    model_config = ConfigDict(extra="forbid")
    store_id: str | None = None
    version: str = Field(min_length=1, max_length=40)
    reported_at_ms: int = Field(ge=0)
    report: dict[str, Any]
    alerts: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    backup: BackupInfo | None = None


class BackupDone(Strict):
    store_id: str | None = None
    parts: int = Field(ge=1, le=1_000_000)
    sha256: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    taken_at_ms: int = Field(ge=0)
    manifest: dict[str, Any] | None = None


@sync.post("/report", summary="The store's doctor report, open alerts, version, last backup")
async def post_report(request: Request, hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    data, _ = await read_json(request, 1024 * 1024)
    body: ReportBody = _validated(ReportBody, data)
    _same_store(body.store_id, store_id)
    received = await run_in_threadpool(fleet.record_report, hq, store_id, body.model_dump())
    return {"store_id": store_id, "received_at_ms": received}


@sync.post("/backups/{name}/parts/{n}", summary="One gzip part of a backup copy, in order")
async def put_backup_part(
    name: str, n: int, request: Request, hq: HQDep, store_id: StoreDep
) -> dict[str, Any]:
    fleet.check_name(name)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > fleet.PART_MAX:
            raise FleetError.BACKUP_PART_TOO_LARGE.problem(
                f"Parts are at most {fleet.PART_MAX} bytes."
            )
    if n < 0:
        raise FleetError.BACKUP_PART_OUT_OF_ORDER.problem("Parts count from 0.", field="n")
    held = await run_in_threadpool(fleet.put_part, hq, store_id, name, n, bytes(raw))
    return {"name": name, "parts": held}


@sync.post("/backups/{name}/complete", summary="Check the copy's SHA-256 and keep it")
def complete_backup(name: str, body: BackupDone, hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    _same_store(body.store_id, store_id)
    return fleet.complete(
        hq,
        store_id,
        name,
        parts=body.parts,
        sha256=body.sha256,
        size=body.size,
        taken_at_ms=body.taken_at_ms,
        manifest=body.manifest,
    )


@sync.get("/backups", summary="This store's backups HQ keeps, newest first")
def list_backups(hq: HQDep, store_id: StoreDep) -> dict[str, Any]:
    return {"backups": fleet.list_backups(hq, store_id)}


@sync.get(
    "/backups/{name}",
    summary="One backup copy (gzip); X-Backup-Sha256 is the database file's",
    response_class=FileResponse,
)
def get_backup(name: str, hq: HQDep, store_id: StoreDep) -> FileResponse:
    path, meta = fleet.backup_file(hq, store_id, name)
    return FileResponse(
        path,
        media_type="application/gzip",
        headers={"X-Backup-Sha256": str(meta["sha256"]), "X-Backup-Size": str(meta["size"])},
    )
