"""Kitchen tickets and receipts are real ESC/POS with Chinese printed as GB18030."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.printing import render
from hearth.printing.emulator import decode, strip_escpos
from hearth.printing.render import RenderError, kitchen_ticket, text_width, wrap

SENT_AT = 1_764_050_400_000  # 2025-11-25 14:00:00 in Shanghai


def a_ticket(**kw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "order_number": 27,
        "where": "桌 A01",
        "station": {"name_zh": "热菜", "name_en": "Hot Kitchen"},
        "sent_at_ms": SENT_AT,
        "rush": False,
        "kind": "new",
        "lines": [
            {
                "name_zh": "宫保鸡丁",
                "name_en": "Kung Pao Chicken",
                "quantity": 2,
                "modifiers": ["微辣", "加蛋"],
                "note": "不要花生",
                "seat": 2,
                "course": 1,
                "marker": None,
            },
            {
                "name_zh": "米饭",
                "name_en": "Steamed Rice",
                "quantity": 3,
                "modifiers": [],
                "note": "",
                "seat": None,
                "course": 2,
                "marker": None,
            },
        ],
    }
    doc.update(kw)
    return doc


def test_a_kitchen_ticket_shows_the_order_the_items_and_what_to_do_with_them():
    data = kitchen_ticket(a_ticket())
    assert data.startswith(b"\x1b@\x1c&"), "init, then Chinese character mode (FS &)"
    assert b"\x1dV" in data[-8:], "the paper is cut at the end"
    text = decode(data)
    for expected in (
        "#27",
        "桌 A01",
        "热菜 Hot Kitchen",
        "14:00:00",
        "宫保鸡丁",
        "x2",
        "Kung Pao Chicken",
        "+ 微辣",
        "+ 加蛋",
        "不要花生",
        "Seat 2",
        "米饭",
        "x3",
        "Course 2",
    ):
        assert expected in text, expected
    assert "RUSH" not in text and "CHANGE" not in text and "VOID" not in text


def test_the_order_number_and_table_are_printed_large_and_bold():
    data = kitchen_ticket(a_ticket())
    at = data.index(b"#27")
    before = data[max(0, at - 12) : at]
    assert b"\x1b!0" in before or b"\x1d!\x11" in before, "double width and height"
    assert b"\x1bE\x01" in before, "bold"


@pytest.mark.parametrize(
    ("kind", "marker"),
    [("change", "改单 CHANGE"), ("void", "退菜 VOID"), ("reprint", "重印 REPRINT")],
)
def test_changes_voids_and_reprints_are_marked(kind, marker):
    text = decode(kitchen_ticket(a_ticket(kind=kind)))
    assert marker in text


def test_rush_and_line_markers_and_a_worker_reprint_say_so():
    doc = a_ticket(rush=True, reprint=True, rerouted_from="热菜打印机 Hot printer")
    doc["lines"][0]["marker"] = "加"
    text = decode(kitchen_ticket(doc))
    assert text.count("RUSH") == 2, "at the top and at the bottom"
    assert "(重印 reprint)" in text
    assert "[加] 宫保鸡丁" in text
    assert "Rerouted from: 热菜打印机 Hot printer" in text


def test_chinese_is_gb18030_bytes_even_where_python_escpos_would_switch_code_pages():
    # "¥38.00（微辣）" alone has no character in U+4E00..U+9FA5 except 微辣, and "（" and "¥"
    # are outside it: python-escpos would send an ESC t code-page switch for them.
    doc = a_ticket()
    doc["lines"][0]["modifiers"] = ["（大份）", "𠮷", "¥5"]
    data = kitchen_ticket(doc)
    assert "（大份）".encode("gb18030") in data
    assert "𠮷".encode("gb18030") in data  # a 4-byte GB18030 character
    assert b"\x1bt" not in data, "no code-page switching"
    assert "（大份）" in decode(data) and "𠮷" in decode(data) and "¥5" in decode(data)


@given(
    st.text(
        alphabet=st.characters(codec="gb18030", exclude_categories=("Cc", "Cs")),
        min_size=1,
        max_size=40,
    )
)
def test_any_gb18030_text_comes_back_as_it_went_in(name):
    doc = a_ticket(
        lines=[
            {
                "name_zh": name,
                "name_en": "",
                "quantity": 1,
                "modifiers": [],
                "note": "",
                "seat": None,
                "course": 1,
                "marker": None,
            }
        ]
    )
    text = decode(kitchen_ticket(doc, paper_width=80))
    squeezed = "".join(text.split())
    assert "".join(name.split()) in squeezed


@pytest.mark.parametrize(("paper", "columns"), [(58, 32), (80, 48)])
def test_no_printed_row_is_wider_than_the_paper(paper, columns):
    long_name = "特别好吃的四川风味宫保鸡丁配花生米和干辣椒还有葱段" * 2
    doc = a_ticket(
        lines=[
            {
                "name_zh": long_name,
                "name_en": "Kung Pao Chicken with a very long English description that wraps",
                "quantity": 12,
                "modifiers": ["加" * 30],
                "note": "note " * 20,
                "seat": None,
                "course": 1,
                "marker": None,
            }
        ]
    )
    text = strip_escpos(kitchen_ticket(doc, paper_width=paper)).decode("gb18030")
    rows = text.split("\n")
    # Rows after the double-size header are normal or double-height (full columns).
    assert max(text_width(r) for r in rows) <= columns
    assert any(r.rstrip().endswith("x12") for r in rows)
    assert long_name in "".join(r.strip() for r in rows).replace("x12", "")


@given(st.text(alphabet="宫保鸡丁abc 12", max_size=80), st.integers(min_value=2, max_value=48))
def test_wrap_keeps_every_character_and_every_row_fits(s, columns):
    rows = wrap(s, columns)
    assert all(text_width(r) <= columns for r in rows)
    assert "".join(rows).replace(" ", "") == s.replace(" ", "")


def test_a_receipt_lists_items_totals_and_payments():
    doc = {
        "order_number": 8,
        "where": "桌 A02",
        "header": "川味小馆",
        "guests": 2,
        "opened_at_ms": SENT_AT,
        "printed_at_ms": SENT_AT + 60_000,
        "currency": "CNY",
        "lines": [
            {
                "name_zh": "宫保鸡丁",
                "name_en": "Kung Pao Chicken",
                "quantity": 2,
                "spec": None,
                "line_total": 7600,
                "modifiers": ["微辣"],
            },
            {
                "name_zh": "可乐",
                "name_en": "Cola",
                "quantity": 1,
                "spec": "大杯",
                "line_total": 800,
                "modifiers": [],
            },
        ],
        "totals": {
            "subtotal": 8400,
            "line_discounts": 0,
            "order_discount": 400,
            "service_charge": 0,
            "tax": 0,
            "total": 8000,
        },
        "payments": [{"tender": "cash", "amount": 8000, "tip": 0, "change_due": 2000}],
    }
    text = decode(render.receipt(doc, paper_width=58))
    for expected in (
        "川味小馆",
        "#8",
        "桌 A02",
        "宫保鸡丁 x2",
        "¥76.00",
        "可乐(大杯) x1",
        "¥8.00",
        "小计 Subtotal",
        "¥84.00",
        "-¥4.00",
        "合计 TOTAL",
        "¥80.00",
        "现金 Cash",
        "找零 Change",
        "¥20.00",
        "人数 Guests: 2",
    ):
        assert expected in text, expected
    assert "REPRINT" not in text
    assert "REPRINT" in decode(render.receipt(doc | {"reprint": True}))


@pytest.mark.parametrize(
    "broken",
    [
        {"order_number": "27"},
        {"where": None},
        {"lines": "宫保鸡丁"},
        {"kind": "maybe"},
        {"lines": [{"name_zh": "宫保鸡丁"}]},
        {"lines": [{"name_zh": "宫保鸡丁", "quantity": True}]},
    ],
)
def test_a_document_that_cannot_print_is_refused(broken):
    with pytest.raises(RenderError):
        kitchen_ticket(a_ticket(**broken))


def test_paper_must_be_58_or_80_mm():
    with pytest.raises(RenderError):
        kitchen_ticket(a_ticket(), paper_width=76)


# -- text is never a command ----------------------------------------------------------------------
CONTROLS = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))
INJECTIONS = "\x1bp\x00\x19\xfa" + "\x1dV\x00" + "\x1b@"  # drawer kick, cut, reset

# What the renderer itself sends (python-escpos's set(), cut() and init, and FS &), with how
# many parameter bytes follow each. A stream is split into these and everything else.
RENDERER_COMMANDS = {
    b"\x1b@": 0,
    b"\x1c&": 0,
    b"\x1c.": 0,
    b"\x1b!": 1,
    b"\x1bE": 1,
    b"\x1ba": 1,
    b"\x1b-": 1,
    b"\x1bG": 1,
    b"\x1bM": 1,
    b"\x1bd": 1,
    b"\x1d!": 1,
    b"\x1dB": 1,
    b"\x1dV": 1,
}


def split_stream(data: bytes) -> tuple[list[bytes], bytes]:
    """The renderer's commands in order, and all the other bytes (text and row ends).

    ESC, FS and GS never occur inside a GB18030 character (its bytes are 0x30 and above), so
    every command is found; an injected command that survived would show either as an extra
    command or as a control byte left in the text."""
    commands: list[bytes] = []
    text = bytearray()
    i = 0
    while i < len(data):
        size = RENDERER_COMMANDS.get(data[i : i + 2])
        if size is not None:
            commands.append(data[i : i + 2 + size])
            i += 2 + size
            continue
        text.append(data[i])
        i += 1
    return commands, bytes(text)


def control_bytes(text: bytes) -> set[int]:
    return {b for b in text.replace(b"\n", b"") if b < 0x20 or b == 0x7F}


def kitchen_doc(t: str) -> dict[str, Any]:
    """A kitchen ticket with ``t`` in every text field the renderer prints."""
    line = {
        "name_zh": t,
        "name_en": t,
        "quantity": 2,
        "modifiers": [t, t],
        "note": t,
        "seat": t,
        "course": 2,
        "marker": t,
    }
    return {
        "order_number": 27,
        "where": t,
        "station": {"name_zh": t, "name_en": t},
        "sent_at_ms": SENT_AT,
        "rush": True,
        "kind": "change",
        "reprint": True,
        "rerouted_from": t,
        "lines": [line, dict(line)],
    }


def receipt_doc(t: str) -> dict[str, Any]:
    return {
        "order_number": 8,
        "where": t,
        "header": t,
        "footer": t,
        "guests": t,
        "opened_at_ms": SENT_AT,
        "printed_at_ms": SENT_AT,
        "reprint": True,
        "lines": [
            {
                "name_zh": t,
                "name_en": t,
                "spec": t,
                "quantity": 1,
                "line_total": 800,
                "modifiers": [t],
            }
        ],
        "totals": {"subtotal": 800, "total": 800, "tax": 50},
        "payments": [{"tender": t, "amount": 800, "tip": 100, "change_due": 0}],
    }


def page_doc(t: str) -> dict[str, Any]:
    return {"printer_name": t, "address": t, "at_ms": SENT_AT}


DOCUMENTS = [("kitchen", kitchen_doc), ("receipt", receipt_doc), ("test", page_doc)]


@pytest.mark.parametrize(("kind", "make"), DOCUMENTS)
@pytest.mark.parametrize("paper", [58, 80])
def test_control_characters_in_any_text_field_never_reach_the_printer(kind, make, paper):
    dirty = render.render(kind, make("A" + CONTROLS + "Z" + INJECTIONS), paper_width=paper)
    clean = render.render(kind, make("A-Z"), paper_width=paper)
    commands, text = split_stream(dirty)
    assert commands == split_stream(clean)[0], (
        "exactly the renderer's own commands: no cut, drawer kick or reset from the text"
    )
    assert control_bytes(text) == set(), "no control byte of the text is in the stream"
    assert dirty.count(b"\x1dV") == 1 and b"\x1bp" not in dirty
    for c1 in map(chr, range(0x80, 0xA0)):
        assert c1.encode("gb18030") not in dirty, f"U+{ord(c1):04X} printed as itself"
    # Each control character prints as "?", except the tab (a space) and the line breaks
    # (\n, and the lone \r before 0x0E), which start new rows: 62 "?" in all.
    squeezed = "".join(decode(dirty).split())
    assert "A" + "?" * 62 + "Z?p??ú?V??@" in squeezed


def test_a_line_break_in_a_note_starts_a_new_row_with_the_line_s_indent():
    doc = a_ticket()
    doc["lines"][0]["note"] = "不要花生\r\n少盐\r少油\t不辣"
    _, text = split_stream(kitchen_ticket(doc))
    rows = text.decode("gb18030").split("\n")
    at = next(i for i, r in enumerate(rows) if r.endswith("Note: 不要花生"))
    assert rows[at + 1 : at + 3] == ["  少盐", "  少油 不辣"]
    assert b"\r" not in text


@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=60))
def test_no_text_at_all_makes_a_control_byte(t):
    for kind, make in DOCUMENTS:
        data = render.render(kind, make(t or "x"), paper_width=58)
        commands, text = split_stream(data)
        assert commands == split_stream(render.render(kind, make("x"), paper_width=58))[0]
        assert control_bytes(text) == set()
