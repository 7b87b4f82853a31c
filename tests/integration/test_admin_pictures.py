"""Item pictures: only real PNG, JPEG or WebP (judged by their bytes), size-limited, managers
only; a refused upload writes nothing; an accepted one is served to diners' phones."""

from __future__ import annotations

import struct
import uuid
import zlib

import pytest

from hearth.menu.images import check_picture
from hearth.menu.tables import images
from tests.integration.test_admin_store_settings import replays_to_the_same_rows, seq


def png(width: int = 2, height: int = 2, pad: int = 0) -> bytes:
    """A genuine PNG, made by hand so the tests need no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    extra = chunk(b"tEXt", b"c\x00" + b"x" * pad) if pad else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + extra
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int = 640, height: int = 480) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8"
        + app0
        + sof
        + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
        + b"\x00" * 16
        + b"\xff\xd9"
    )


def webp(width: int = 300, height: int = 200) -> bytes:
    body = (
        b"WEBP"
        + b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00\x00\x00\x00"
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def upload(api, item_id, data, headers, ctype="image/png", key=None):
    return api.client.put(
        f"/api/menu/items/{item_id}/image",
        content=data,
        headers={**headers, "Content-Type": ctype, "Idempotency-Key": key or uuid.uuid4().hex},
    )


def item_image(api, item_id, headers):
    menu = api.client.get("/api/menu", headers=headers).json()
    return next(i for i in menu["items"] if i["id"] == item_id)["image_url"]


@pytest.mark.parametrize(
    "data, ctype, size",
    [
        (png(3, 5), "image/png", (3, 5)),
        (jpeg(640, 480), "image/jpeg", (640, 480)),
        (webp(300, 200), "image/webp", (300, 200)),
    ],
)
def test_each_accepted_format_is_recognised_by_its_bytes(data, ctype, size):
    pic = check_picture(data, None, 100_000)
    assert pic.content_type == ctype and (pic.width, pic.height) == size


def test_a_manager_uploads_a_picture_and_a_diner_phone_loads_it(api):
    m = api.login("M01")
    item = api.ids.items["gbjd"]
    data = png(4, 4)
    r = upload(api, item, data, m)
    assert r.status_code == 200, r.text
    url = r.json()["image_url"]
    assert url.endswith(".png") and item_image(api, item, m) == url
    served = api.client.get(url)  # no token: a plain <img> on a diner's phone
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in served.headers["cache-control"]
    # The QR diner menu carries the picture.
    token = api.client.get(f"/api/tables/{api.ids.tables['A01']}/qr", headers=m).json()["token"]
    diner = api.client.get(f"/api/qr/{token}/menu").json()
    assert next(i for i in diner["items"] if i["id"] == item)["image_url"] == url


def test_the_same_picture_twice_is_stored_once_and_rebuilds(api):
    m = api.login("M01")
    data = jpeg()
    a = upload(api, api.ids.items["gbjd"], data, m, "image/jpeg")
    b = upload(api, api.ids.items["rice"], data, m, "image/jpeg")
    assert a.json()["image_url"] == b.json()["image_url"]
    with api.node.engine.connect() as conn:
        assert conn.execute(images.select()).fetchall().__len__() == 1
    streams = [f"menu:item:{api.ids.items['gbjd']}", f"menu:item:{api.ids.items['rice']}"]
    assert replays_to_the_same_rows(api.node, images, *streams, types={"ItemImageUploaded"})


@pytest.mark.parametrize(
    "data, ctype, status, code",
    [
        (b"", "image/png", 422, "image-empty"),
        (b"<html><script>alert(1)</script></html>", "image/png", 422, "image-invalid"),
        (b"GIF89a" + b"\x00" * 40, "image/gif", 422, "image-invalid"),
        (png()[:20], "image/png", 422, "image-invalid"),
        (png(), "image/jpeg", 422, "image-type-mismatch"),
        (png(9000, 10), "image/png", 422, "image-dimensions"),
        (png(pad=250 * 1024), "image/png", 413, "image-too-large"),
    ],
)
def test_bad_pictures_are_refused_and_nothing_is_written(api, data, ctype, status, code):
    m = api.login("M01")
    before = seq(api)
    r = upload(api, api.ids.items["gbjd"], data, m, ctype)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code and r.json()["detail"]
    assert seq(api) == before
    assert item_image(api, api.ids.items["gbjd"], m) is None


def test_over_the_request_limit_is_refused_before_it_is_read(api):
    m = api.login("M01")
    before = seq(api)
    r = upload(api, api.ids.items["gbjd"], png(pad=300 * 1024), m)
    assert r.status_code == 413 and r.json()["code"] == "body-too-large"
    assert seq(api) == before


def test_only_managers_upload_pictures(api):
    signed_in = {code: api.login(code) for code in ("C01", "W01", "K01")}
    before = seq(api)
    for code, headers in signed_in.items():
        r = upload(api, api.ids.items["gbjd"], png(), headers)
        assert r.status_code == 403 and r.json()["code"] == "permission-denied", code
    assert upload(api, api.ids.items["gbjd"], png(), {}).status_code == 401
    assert seq(api) == before


def test_unknown_item_and_unknown_picture_are_404(api):
    m = api.login("M01")
    before = seq(api)
    r = upload(api, "no-such-item", png(), m)
    assert r.status_code == 404 and r.json()["code"] == "item-not-found"
    assert seq(api) == before
    assert api.client.get("/api/menu/images/" + "a" * 64 + ".png").status_code == 404
    assert api.client.get("/api/menu/images/../../etc.png").status_code == 404


def test_editing_variants_and_groups_keeps_existing_variant_ids(api):
    m = api.login("M01")
    cola = api.ids.items["cola"]
    small = api.ids.specs["small"]
    r = api.client.patch(
        f"/api/menu/items/{cola}",
        json={
            "specs": [
                {"id": small, "name_zh": "小杯", "name_en": "Small", "price": 450},
                {"name_zh": "超大杯", "name_en": "Huge", "price": 900},
            ],
            "modifier_group_ids": [api.ids.groups["extras"]],
        },
        headers={**m, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200, r.text
    row = next(i for i in api.client.get("/api/menu", headers=m).json()["items"] if i["id"] == cola)
    assert [s["name_en"] for s in row["specs"]] == ["Small", "Huge"]
    assert row["specs"][0]["id"] == small and row["price"] == 450
    assert row["modifier_group_ids"] == [api.ids.groups["extras"]]
    before = seq(api)
    bad = api.client.patch(
        f"/api/menu/items/{cola}",
        json={"specs": [{"id": "not-mine", "name_zh": "x", "name_en": "x", "price": 1}]},
        headers={**m, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "spec-unknown"
    assert seq(api) == before
