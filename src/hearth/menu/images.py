"""Item pictures: which uploads are pictures we serve, decided from their bytes alone.

A browser's Content-Type and a file's name are what the client claims; the first bytes (the
"magic") are what it is. Only PNG, JPEG and WebP are accepted, each checked for its signature and
a plausible header, so a script or an HTML page renamed ``dish.png`` is refused, and the type we
serve it with is the one we found, never the one we were told. Pure code: no database, no I/O.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from hearth.menu.errors import MenuError

ALLOWED = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
EXTENSION_TYPE = {ext: ctype for ctype, ext in ALLOWED.items()}
MAX_SIDE = 8000  # pixels; a bigger "photo" is a decompression bomb, not a dish


@dataclass(frozen=True, slots=True)
class Picture:
    content_type: str
    sha256: str
    size: int
    width: int | None
    height: int | None

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{ALLOWED[self.content_type]}"


def _png(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(b"\xff\xd8\xff") or len(data) < 8:
        return None
    # Walk the segments to the first start-of-frame to read the size; a file without one is not
    # a picture we can show.
    i = 2
    for _ in range(10_000):  # bounded: a segment is at least 4 bytes
        if i + 9 > len(data) or data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            return None
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size + 8 > len(data) + 1:  # the header claims more than was sent: truncated
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        w = 1 + int.from_bytes(data[24:27], "little")
        h = 1 + int.from_bytes(data[27:30], "little")
        return w, h
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


SNIFFERS = {"image/png": _png, "image/jpeg": _jpeg, "image/webp": _webp}


def check_picture(data: bytes, declared_type: str | None, max_bytes: int) -> Picture:
    """The picture in ``data``, or a problem saying plainly why it was refused."""
    if not data:
        raise MenuError.IMAGE_EMPTY.problem(
            "The upload was empty. Choose a PNG, JPEG or WebP file.", field="image"
        )
    if len(data) > max_bytes:
        raise MenuError.IMAGE_TOO_LARGE.problem(
            f"Pictures are limited to {max_bytes // 1024} KiB; this one is "
            f"{len(data) // 1024} KiB. Make it smaller and try again.",
            field="image",
        )
    found: tuple[str, tuple[int, int]] | None = None
    for ctype, sniff in SNIFFERS.items():
        size = sniff(data)
        if size is not None:
            found = (ctype, size)
            break
    if found is None:
        raise MenuError.IMAGE_INVALID.problem(
            "The file is not a PNG, JPEG or WebP picture (checked from its content, not its name).",
            field="image",
        )
    ctype, (width, height) = found
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream" and declared != ctype:
        raise MenuError.IMAGE_TYPE_MISMATCH.problem(
            f"The upload says it is {declared} but its content is {ctype}.", field="image"
        )
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise MenuError.IMAGE_DIMENSIONS.problem(
            f"Pictures must be 1 to {MAX_SIDE} pixels a side; this one is {width}x{height}.",
            field="image",
        )
    return Picture(ctype, hashlib.sha256(data).hexdigest(), len(data), width, height)
