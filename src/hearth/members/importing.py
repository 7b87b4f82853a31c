"""Reading a members file: CSV (UTF-8, with or without a BOM, or GB18030 as Excel in China
saves it) or XLSX (openpyxl, the first sheet), with English or Chinese headers. Only reading:
the rules are domain.validate_import, the writing is service.import_members."""

from __future__ import annotations

import csv
import io
from typing import Any

HEADERS = {
    "phone": "phone",
    "mobile": "phone",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "name": "name",
    "姓名": "name",
    "birthday": "birthday",
    "生日": "birthday",
    "tier": "tier",
    "等级": "tier",
    "tags": "tags",
    "标签": "tags",
}
MAX_ROWS = 200_000


class FileUnreadable(ValueError):
    """Not a CSV or XLSX we can read, or no phone/name header."""


def _columns(header: list[Any]) -> list[str | None]:
    cols = [HEADERS.get(str(h or "").strip().lower()) for h in header]
    if "phone" not in cols or "name" not in cols:
        raise FileUnreadable(
            "The first row must name the columns: phone and name (手机, 姓名), "
            "optionally birthday, tier, tags (生日, 等级, 标签)."
        )
    return cols


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a phone typed into a number cell
    return str(v if v is not None else "").strip()


def _rows(table: list[list[Any]]) -> list[dict[str, str]]:
    if not table:
        raise FileUnreadable("The file is empty.")
    cols = _columns(table[0])
    out = []
    for values in table[1:]:
        if not any(str(v or "").strip() for v in values):
            continue  # blank lines are not members
        row = {c: _text(v) for c, v in zip(cols, values, strict=False) if c}
        out.append(row)
        if len(out) > MAX_ROWS:
            raise FileUnreadable(f"At most {MAX_ROWS} members in one file.")
    return out


def parse_csv(data: bytes) -> list[dict[str, str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileUnreadable("The CSV is neither UTF-8 nor GB18030 text.")
    return _rows(list(csv.reader(io.StringIO(text))))


def parse_xlsx(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise FileUnreadable(f"Not an XLSX workbook ({type(exc).__name__}).") from None
    sheet = book.worksheets[0]
    table = [
        ["" if v is None else (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else v) for v in r]
        for r in sheet.iter_rows(values_only=True)
    ]
    book.close()
    return _rows(table)


def parse(data: bytes, kind: str) -> list[dict[str, str]]:
    if kind == "xlsx" or data[:2] == b"PK":
        return parse_xlsx(data)
    return parse_csv(data)
