"""Menu routes: the catalogue for every channel, search, edits and 86."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import Field

from hearth.core.api import (
    CommandDep,
    NodeDep,
    Principal,
    Strict,
    require,
)
from hearth.core.errors import not_found
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.menu import images, service
from hearth.menu.catalogue_cache import cache_of
from hearth.menu.errors import MenuError
from hearth.menu.search_index import index_of

router = APIRouter(prefix="/api/menu", tags=["menu"])

Reader = Annotated[Principal, Depends(require(Permission.MENU_READ))]
Editor = Annotated[Principal, Depends(require(Permission.MENU_EDIT))]
Expediter = Annotated[Principal, Depends(require(Permission.SOLD_OUT))]

Name = Annotated[str, Field(min_length=1, max_length=80)]
Price = Annotated[int, Field(ge=0, le=100_000_000)]


@router.get("", summary="The whole menu with sold-out state")
def get_menu(node: NodeDep, _: Reader) -> Response:
    with node.engine.connect() as conn:
        body = cache_of(node).get(conn)
    return Response(body, media_type="application/json")


@router.get("/search", summary="Find items by name or pinyin initials (gbjd finds 宫保鸡丁)")
def search(
    node: NodeDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=40)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return index_of(node).search(conn, q, limit)


class CategoryIn(Strict):
    name_zh: Name
    name_en: Name
    sort: int = 0
    station_id: str | None = None


@router.post("/categories", status_code=201)
async def create_category(body: CategoryIn, cmd: CommandDep, staff: Editor) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        cid = service.create_category(tx, service.NewCategory(**body.model_dump()), staff.staff_id)
        return 201, {"id": cid}

    return await cmd.run(staff, body.model_dump(), command)


class CategoryPatch(Strict):
    name_zh: Name | None = None
    name_en: Name | None = None
    sort: int | None = None


@router.patch("/categories/{category_id}", summary="Rename or re-sort a category")
async def update_category(
    category_id: str, body: CategoryPatch, cmd: CommandDep, staff: Editor
) -> Any:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)

    def command(tx: Tx) -> tuple[int, Any]:
        service.update_category(tx, category_id, changes, staff.staff_id)
        return 200, {"id": category_id, "changed": sorted(changes)}

    return await cmd.run(staff, changes, command)


class OptionIn(Strict):
    name_zh: Name
    name_en: Name
    price_delta: Price = 0


class ModifierGroupIn(Strict):
    name_zh: Name
    name_en: Name
    min_choices: int = Field(ge=0, le=20)
    max_choices: int = Field(ge=0, le=20)
    options: list[OptionIn] = Field(min_length=1, max_length=40)


@router.post("/modifier-groups", status_code=201)
async def create_modifier_group(body: ModifierGroupIn, cmd: CommandDep, staff: Editor) -> Any:
    group = service.NewModifierGroup(
        body.name_zh,
        body.name_en,
        body.min_choices,
        body.max_choices,
        tuple(service.NewOption(o.name_zh, o.name_en, o.price_delta) for o in body.options),
    )

    def command(tx: Tx) -> tuple[int, Any]:
        return 201, {"id": service.create_modifier_group(tx, group, staff.staff_id)}

    return await cmd.run(staff, body.model_dump(), command)


class OptionEditIn(OptionIn):
    id: str | None = Field(default=None, max_length=64)


class ModifierGroupEditIn(Strict):
    name_zh: Name
    name_en: Name
    min_choices: int = Field(ge=0, le=20)
    max_choices: int = Field(ge=0, le=20)
    options: list[OptionEditIn] = Field(min_length=1, max_length=40)


@router.put(
    "/modifier-groups/{group_id}", summary="Edit a modifier group: names, min/max and its options"
)
async def update_modifier_group(
    group_id: str, body: ModifierGroupEditIn, cmd: CommandDep, staff: Editor
) -> Any:
    group = service.EditedModifierGroup(
        body.name_zh,
        body.name_en,
        body.min_choices,
        body.max_choices,
        tuple(
            service.EditedOption(o.id, o.name_zh, o.name_en, o.price_delta) for o in body.options
        ),
    )

    def command(tx: Tx) -> tuple[int, Any]:
        service.update_modifier_group(tx, group_id, group, staff.staff_id)
        return 200, {"id": group_id}

    return await cmd.run(staff, body.model_dump(), command)


class SpecIn(Strict):
    name_zh: Name
    name_en: Name
    price: Price


class ComboChoiceIn(Strict):
    item_id: str
    upcharge: Price = 0


class ComboSlotIn(Strict):
    name_zh: Name
    name_en: Name
    choices: list[ComboChoiceIn] = Field(min_length=1, max_length=40)


TimeOfDay = Annotated[str, Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")]


class ItemIn(Strict):
    category_id: str
    name_zh: Name
    name_en: Annotated[str, Field(min_length=1, max_length=120)]
    price: Price
    specs: list[SpecIn] = Field(default_factory=list, max_length=20)
    modifier_group_ids: list[str] = Field(default_factory=list, max_length=20)
    combo_slots: list[ComboSlotIn] = Field(default_factory=list, max_length=10)
    tax_rate_bp: int = Field(default=600, ge=0, le=3000)
    station_id: str | None = None
    available_from: TimeOfDay | None = None
    available_until: TimeOfDay | None = None
    remaining: int | None = Field(default=None, ge=0)
    sort: int = 0
    image_url: str | None = Field(default=None, max_length=300)


@router.post("/items", status_code=201)
async def create_item(body: ItemIn, cmd: CommandDep, staff: Editor) -> Any:
    item = service.NewItem(
        category_id=body.category_id,
        name_zh=body.name_zh,
        name_en=body.name_en,
        price=body.price,
        specs=tuple(service.NewSpec(s.name_zh, s.name_en, s.price) for s in body.specs),
        modifier_group_ids=tuple(body.modifier_group_ids),
        combo_slots=tuple(
            service.NewComboSlot(
                s.name_zh, s.name_en, tuple((c.item_id, c.upcharge) for c in s.choices)
            )
            for s in body.combo_slots
        ),
        tax_rate_bp=body.tax_rate_bp,
        station_id=body.station_id,
        available_from=body.available_from,
        available_until=body.available_until,
        remaining=body.remaining,
        sort=body.sort,
        image_url=body.image_url,
    )

    def command(tx: Tx) -> tuple[int, Any]:
        return 201, {"id": service.create_item(tx, item, staff.staff_id)}

    return await cmd.run(staff, body.model_dump(), command)


class SpecEditIn(Strict):
    id: str | None = Field(default=None, max_length=64)
    name_zh: Name
    name_en: Name
    price: Price


class ComboSlotEditIn(ComboSlotIn):
    id: str | None = Field(default=None, max_length=64)


class ItemPatch(Strict):
    category_id: str | None = Field(default=None, max_length=64)
    name_zh: Name | None = None
    name_en: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    price: Price | None = None
    available_from: TimeOfDay | None = None
    available_until: TimeOfDay | None = None
    active: bool | None = None
    sort: int | None = None
    image_url: str | None = Field(default=None, max_length=300)
    tax_rate_bp: int | None = Field(default=None, ge=0, le=3000)
    station_id: str | None = None
    specs: list[SpecEditIn] | None = Field(default=None, max_length=20)
    modifier_group_ids: list[str] | None = Field(default=None, max_length=20)
    combo_slots: list[ComboSlotEditIn] | None = Field(default=None, max_length=10)


REQUIRED_ITEM_FIELDS = frozenset(
    {"category_id", "name_zh", "name_en", "price", "active", "sort", "tax_rate_bp"}
)


@router.patch("/items/{item_id}")
async def update_item(item_id: str, body: ItemPatch, cmd: CommandDep, staff: Editor) -> Any:
    # null clears what may be empty (an availability window, a picture, a station); for a
    # field an item cannot be without, null means "leave it as it is".
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k not in REQUIRED_ITEM_FIELDS
    }
    specs = changes.pop("specs", None)
    group_ids = changes.pop("modifier_group_ids", None)
    slots = changes.pop("combo_slots", None)
    fingerprint = body.model_dump(exclude_unset=True)

    def command(tx: Tx) -> tuple[int, Any]:
        if changes:
            service.update_item(tx, item_id, changes, staff.staff_id)
        service.edit_item_options(tx, item_id, specs, group_ids, staff.staff_id, slots)
        return 200, {"id": item_id, "changed": sorted(fingerprint)}

    return await cmd.run(staff, fingerprint, command)


# -- pictures -----------------------------------------------------------------------------------
# Diners' phones load pictures with a plain <img>, no token: a picture is public once it is on
# the menu, and its name is the sha256 of its bytes, so it cannot be guessed before that.
PUBLIC_ROUTES = frozenset({("GET", "/api/menu/images/{name}")})


@router.put(
    "/items/{item_id}/image",
    summary="Upload the item's picture (PNG, JPEG or WebP)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in images.ALLOWED
            },
        }
    },
)
async def upload_image(
    item_id: str, request: Request, node: NodeDep, cmd: CommandDep, staff: Editor
) -> Any:
    """The body is the picture itself; its type is decided from its bytes, not its name."""
    limit = min(node.settings.menu_image_max_bytes, node.settings.max_body_bytes)
    data = await request.body()
    picture = images.check_picture(data, request.headers.get("content-type"), limit)

    def command(tx: Tx) -> tuple[int, Any]:
        url = service.set_item_image(tx, item_id, data, picture, staff.staff_id)
        return 200, {
            "id": item_id,
            "image_url": url,
            "content_type": picture.content_type,
            "size": picture.size,
            "width": picture.width,
            "height": picture.height,
        }

    return await cmd.run(staff, {"sha256": picture.sha256}, command)


@router.get("/images/{name}", summary="An item's picture, by the name its upload returned")
def get_image(name: Annotated[str, PathParam(max_length=80)], node: NodeDep) -> Response:
    sha, _, ext = name.partition(".")
    if (
        len(sha) != 64
        or ext not in images.EXTENSION_TYPE
        or not all(c in "0123456789abcdef" for c in sha)
    ):
        raise not_found(MenuError.IMAGE_NOT_FOUND, name)
    with node.engine.connect() as conn:
        found = service.image_bytes(conn, sha)
    if found is None or found[0] != images.EXTENSION_TYPE[ext]:
        raise not_found(MenuError.IMAGE_NOT_FOUND, name)
    # Immutable: the name is the content's hash. nosniff: served only as the type we checked.
    return Response(
        found[1],
        media_type=found[0],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


class SoldOutIn(Strict):
    back_at_ms: int | None = Field(default=None, ge=0)


@router.post("/items/{item_id}/sold-out", summary="86 an item on every channel")
async def sold_out(item_id: str, body: SoldOutIn, cmd: CommandDep, staff: Expediter) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        service.mark_sold_out(tx, item_id, body.back_at_ms, staff.staff_id)
        return 200, {"id": item_id, "sold_out": True}

    return await cmd.run(staff, body.model_dump(), command)


class BackIn(Strict):
    remaining: int | None = Field(default=None, ge=0)


@router.post("/items/{item_id}/back-in-stock")
async def back_in_stock(item_id: str, body: BackIn, cmd: CommandDep, staff: Expediter) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        service.mark_back_in_stock(tx, item_id, body.remaining, staff.staff_id)
        return 200, {"id": item_id, "sold_out": False, "remaining": body.remaining}

    return await cmd.run(staff, body.model_dump(), command)


class RemainingIn(Strict):
    remaining: int | None = Field(ge=0)


@router.put("/items/{item_id}/remaining", summary="Set how many are left (None: no limit)")
async def set_remaining(item_id: str, body: RemainingIn, cmd: CommandDep, staff: Expediter) -> Any:
    def command(tx: Tx) -> tuple[int, Any]:
        service.set_remaining(tx, item_id, body.remaining, staff.staff_id)
        return 200, {"id": item_id, "remaining": body.remaining}

    return await cmd.run(staff, body.model_dump(), command)
