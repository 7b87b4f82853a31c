"""Kitchen tickets, customer receipts and test pages as ESC/POS bytes. Pure: no I/O, no clock.

python-escpos builds the commands (init, sizes, bold, alignment, cut) into a ``Dummy`` printer.
Text is NOT handed to its ``text()``: its "magic" encoder writes a string as GB18030 only when it
holds a character in U+4E00..U+9FA5, and otherwise switches the printer's code page (ESC t) and
encodes for that page. On a Chinese printer in Chinese mode a line such as "¥38.00" or
"（微辣）" would then come out as garbage. So every printed row goes through
:meth:`Ticket._row`, which sends GB18030 bytes as they are, after ``FS &`` put the printer in
Chinese mode.

Text comes from people (a diner's note, a dish's name), and a control character in it would
reach the printer as a command: ``ESC p`` opens the cash drawer, ``GS V`` cuts the paper. The API
refuses such text, but a renderer must not trust what it is given (text stored before that rule,
a platform's order, a bug), so :func:`wrap` and :meth:`Ticket._row` pass every piece of text
through :func:`hearth.core.text.printable`: a line break starts a new row, a tab is a space and
any other control character prints as "?". GB18030 writes every other character with bytes of
0x20 and above (a multi-byte character's bytes are 0x30 and above), so no byte below 0x20, and
no 0x7F, that came from text reaches the stream; only the renderer's own commands and row ends.

Widths are in character columns of font A: 32 on 58 mm paper, 48 on 80 mm. A Chinese character
takes two columns, and double-width text takes twice as many.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from escpos.printer import Dummy

from hearth.core.text import printable

FS_CHINESE_ON = b"\x1c\x26"  # FS &: double-byte (GB18030) characters from here on
FS_CHINESE_OFF = b"\x1c\x2e"
STATUS_QUERY = b"\x10\x04\x01"  # DLE EOT 1: real-time printer status
COLUMNS = {58: 32, 80: 48}

MARKERS = {
    "change": "*** 改单 CHANGE ***",
    "void": "*** 退菜 VOID ***",
    "reprint": "*** 重印 REPRINT ***",
}


class RenderError(ValueError):
    """The document cannot be printed (missing or malformed fields)."""


# -- text measuring and wrapping ----------------------------------------------------------------
def char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(s: str) -> int:
    return sum(char_width(c) for c in s)


def wrap(s: str, columns: int) -> list[str]:
    """Break ``s`` into lines of at most ``columns`` columns; words stay whole where they fit,
    Chinese breaks between any two characters, and a line break in ``s`` starts a new line.
    Control characters are made printable first, so widths are those of what is printed."""
    columns = max(columns, 2)
    lines: list[str] = []
    for para in printable(s).split("\n"):
        line, width = "", 0
        for word in _tokens(para):
            w = text_width(word)
            if width + w <= columns:
                line, width = line + word, width + w
                continue
            if line.strip():
                lines.append(line.rstrip())
            word = word.lstrip() if line else word
            line, width = "", 0
            for ch in word:  # a word longer than a line is cut where it must be
                cw = char_width(ch)
                if width + cw > columns:
                    lines.append(line)
                    line, width = "", 0
                line, width = line + ch, width + cw
        lines.append(line.rstrip())
    return lines


def _tokens(s: str) -> Iterable[str]:
    """Latin words (with their leading space) stay together; each wide character is its own."""
    word = ""
    for ch in s:
        if char_width(ch) == 2:
            if word:
                yield word
                word = ""
            yield ch
        elif ch == " " and word.strip():
            yield word
            word = " "
        else:
            word += ch
    if word:
        yield word


def two_columns(left: str, right: str, columns: int) -> list[str]:
    """``left`` wrapped, with ``right`` right-aligned on its last line (or the next one)."""
    rows = wrap(left, columns)
    last = rows[-1]
    gap = columns - text_width(last) - text_width(right)
    if gap >= 1:
        rows[-1] = last + " " * gap + right
    else:
        rows.append(" " * max(0, columns - text_width(right)) + right)
    return rows


# -- the builder --------------------------------------------------------------------------------
class Ticket:
    """A small layer over python-escpos that writes text as raw GB18030."""

    def __init__(self, paper_width: int) -> None:
        if paper_width not in COLUMNS:
            raise RenderError(f"paper width must be 58 or 80 mm, not {paper_width}")
        self.columns = COLUMNS[paper_width]
        self.p = Dummy()
        self.p.hw("INIT")
        self.p._raw(FS_CHINESE_ON)
        self.scale = 1

    def style(
        self,
        *,
        bold: bool = False,
        big: bool = False,
        tall: bool = False,
        align: str = "left",
        invert: bool = False,
    ) -> None:
        self.p.set(
            align=align,
            bold=bold,
            invert=invert,
            double_width=big,
            double_height=big or tall,
            normal_textsize=not (big or tall),
        )
        self.scale = 2 if big else 1

    def line(self, s: str = "") -> None:
        """One logical line, wrapped; continuation rows keep the line's indent."""
        body = s.lstrip(" ")
        indent = " " * min(len(s) - len(body), 8)
        for row in wrap(body, self.columns // self.scale - len(indent)):
            self._row(indent + row)

    def rows(self, rows: list[str]) -> None:
        for row in rows:
            self._row(row)

    def rule(self, ch: str = "-") -> None:
        self.style()
        self._row(ch * self.columns)

    def _row(self, s: str) -> None:
        """One printed row and its line feed: the only way text reaches the stream. A line
        break still in ``s`` prints as a space (callers split rows with :func:`wrap`)."""
        self.p._raw(printable(s, newlines=False).encode("gb18030") + b"\n")

    def finish(self) -> bytes:
        self.style()
        self.p._raw(b"\n\n\n")  # not p.ln(): its text() path sends an ESC t code page
        self.p.cut()
        return bytes(self.p.output)


def _time(ms: int, timezone: str, with_date: bool = False) -> str:
    t = dt.datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone))
    return t.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M:%S")


def _get(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise RenderError(f"{key} is missing or not a {getattr(kind, '__name__', kind)}")
    return value


def money(minor: int, currency: str = "CNY") -> str:
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{symbol}{minor // 100}.{minor % 100:02d}"


# -- kitchen ticket -----------------------------------------------------------------------------
def kitchen_ticket(
    doc: Mapping[str, Any], *, paper_width: int = 80, timezone: str = "Asia/Shanghai"
) -> bytes:
    """A kitchen ticket: big order number and table, station, time, items, markers, cut.

    Optional keys the worker adds: ``reprint`` (a copy that may duplicate one already out of the
    printer) and ``rerouted_from`` (the printer that was down, said on the ticket).
    """
    number = _get(doc, "order_number", int)
    where = _get(doc, "where", str)
    station = _get(doc, "station", dict)
    sent_at = _get(doc, "sent_at_ms", int)
    lines = _get(doc, "lines", list)
    kind = doc.get("kind", "new")
    if kind not in ("new", "change", "void", "reprint"):
        raise RenderError(f"kind must be new, change, void or reprint, not {kind!r}")
    tk = Ticket(paper_width)
    if doc.get("rush"):
        tk.style(big=True, bold=True, invert=True, align="center")
        tk.line(" 加急 RUSH ")
    if kind in MARKERS:
        tk.style(tall=True, bold=True, align="center")
        tk.line(MARKERS[kind])
    if doc.get("reprint") and kind != "reprint":
        tk.style(bold=True, align="center")
        tk.line("(重印 reprint)")
    tk.style(big=True, bold=True)
    tk.line(f"#{number}  {where}")
    tk.style(bold=True)
    tk.line(f"{station.get('name_zh', '')} {station.get('name_en', '')}".strip())
    tk.style()
    tk.line(f"{_time(sent_at, timezone)}  {len(lines)} 项 items")
    tk.rule("=")
    for i, ln in enumerate(lines):
        if not isinstance(ln, Mapping):
            raise RenderError(f"lines[{i}] is not an object")
        _kitchen_line(tk, ln, i)
    tk.rule("=")
    if doc.get("rerouted_from"):
        tk.style(bold=True)
        tk.line(f"转自 Rerouted from: {doc['rerouted_from']}")
    if doc.get("rush"):
        tk.style(bold=True, align="center")
        tk.line("** 加急 RUSH **")
    return tk.finish()


def _kitchen_line(tk: Ticket, ln: Mapping[str, Any], i: int) -> None:
    name_zh = _get(ln, "name_zh", str)
    name_en = ln.get("name_en") or ""
    qty = _get(ln, "quantity", int)
    marker = ln.get("marker")
    head = f"[{marker}] {name_zh}" if marker else name_zh
    tk.style(tall=True, bold=True)
    tk.rows(two_columns(head, f"x{qty}", tk.columns))
    tk.style()
    if name_en:
        tk.line(f"  {name_en}")
    mods = ln.get("modifiers") or []
    if not isinstance(mods, list):
        raise RenderError(f"lines[{i}].modifiers is not a list")
    tk.style(bold=True)
    for m in mods:
        tk.line(f"  + {m}")
    if ln.get("note"):
        tk.line(f"  ! 备注 Note: {ln['note']}")
    tk.style()
    where = []
    if ln.get("seat"):
        where.append(f"座 Seat {ln['seat']}")
    if int(ln.get("course") or 1) > 1:
        where.append(f"第{ln['course']}道 Course {ln['course']}")
    if where:
        tk.line("  " + " · ".join(where))
    tk.line()


# -- customer receipt ---------------------------------------------------------------------------
TENDERS = {
    "cash": "现金 Cash",
    "stored_value": "储值 Stored value",
    "card": "银行卡 Card",
    "wallet_scan": "扫码 Wallet",
    "wallet_qr": "扫码 Wallet QR",
    "platform": "平台 Platform",
}


def receipt(
    doc: Mapping[str, Any], *, paper_width: int = 80, timezone: str = "Asia/Shanghai"
) -> bytes:
    """A customer receipt: header, order number and table, items with prices, totals, payments."""
    number = _get(doc, "order_number", int)
    lines = _get(doc, "lines", list)
    totals = _get(doc, "totals", dict)
    cur = doc.get("currency", "CNY")
    tk = Ticket(paper_width)
    tk.style(big=True, bold=True, align="center")
    tk.line(doc.get("header") or "Hearth")
    tk.style(align="center")
    tk.line("结账单 RECEIPT")
    if doc.get("reprint"):
        tk.style(bold=True, align="center")
        tk.line("*** 重印 REPRINT ***")
    tk.style(bold=True, tall=True)
    tk.line(f"#{number}  {doc.get('where', '')}".rstrip())
    tk.style()
    if isinstance(doc.get("opened_at_ms"), int):
        tk.line(f"开单 Opened: {_time(doc['opened_at_ms'], timezone, True)}")
    if isinstance(doc.get("printed_at_ms"), int):
        tk.line(f"打印 Printed: {_time(doc['printed_at_ms'], timezone, True)}")
    if doc.get("guests"):
        tk.line(f"人数 Guests: {doc['guests']}")
    tk.rule()
    for i, ln in enumerate(lines):
        if not isinstance(ln, Mapping):
            raise RenderError(f"lines[{i}] is not an object")
        name = _get(ln, "name_zh", str)
        if ln.get("spec"):
            name += f"({ln['spec']})"
        qty = _get(ln, "quantity", int)
        tk.rows(two_columns(f"{name} x{qty}", money(_get(ln, "line_total", int), cur), tk.columns))
        if ln.get("name_en"):
            tk.line(f"  {ln['name_en']}")
        for m in ln.get("modifiers") or []:
            tk.line(f"  + {m}")
    tk.rule()
    rows = [
        ("小计 Subtotal", "subtotal"),
        ("折扣 Line discounts", "line_discounts"),
        ("整单折扣 Order discount", "order_discount"),
        ("服务费 Service charge", "service_charge"),
    ]
    for label, key in rows:
        value = int(totals.get(key) or 0)
        if value or key == "subtotal":
            sign = -1 if "discount" in key else 1
            tk.rows(two_columns(label, money(sign * value, cur), tk.columns))
    tk.style(bold=True, tall=True)
    tk.rows(two_columns("合计 TOTAL", money(_get(totals, "total", int), cur), tk.columns))
    tk.style()
    if totals.get("tax"):
        tk.rows(two_columns("含税 Incl. tax", money(int(totals["tax"]), cur), tk.columns))
    payments = doc.get("payments") or []
    if payments:
        tk.rule()
        for pay in payments:
            label = TENDERS.get(str(pay.get("tender")), str(pay.get("tender")))
            tk.rows(two_columns(label, money(int(pay.get("amount") or 0), cur), tk.columns))
            if pay.get("tip"):
                tk.rows(two_columns("  小费 Tip", money(int(pay["tip"]), cur), tk.columns))
            if pay.get("change_due"):
                tk.rows(
                    two_columns("  找零 Change", money(int(pay["change_due"]), cur), tk.columns)
                )
        paid = sum(int(p.get("amount") or 0) for p in payments)
        tk.rows(two_columns("已付 Paid", money(paid, cur), tk.columns))
    tk.rule()
    tk.style(align="center")
    tk.line(doc.get("footer") or "谢谢惠顾 Thank you")
    return tk.finish()


# -- test page ----------------------------------------------------------------------------------
def printer_test_page(
    doc: Mapping[str, Any], *, paper_width: int = 80, timezone: str = "Asia/Shanghai"
) -> bytes:
    """What a manager prints to see that a printer is wired up and prints Chinese."""
    tk = Ticket(paper_width)
    tk.style(big=True, bold=True, align="center")
    tk.line("打印测试 TEST")
    tk.style()
    tk.line(f"打印机 Printer: {doc.get('printer_name', '')}")
    tk.line(f"地址 Address: {doc.get('address', '')}")
    tk.line(f"纸宽 Paper: {paper_width} mm, {tk.columns} 列 columns")
    if isinstance(doc.get("at_ms"), int):
        tk.line(f"时间 Time: {_time(doc['at_ms'], timezone, True)}")
    tk.rule()
    tk.line("中文测试：宫保鸡丁 麻婆豆腐 ¥38.00（微辣）")
    tk.line("".join(str(i % 10) for i in range(tk.columns)))
    return tk.finish()


RENDERERS = {"kitchen": kitchen_ticket, "receipt": receipt, "test": printer_test_page}


def render(
    kind: str, doc: Mapping[str, Any], *, paper_width: int = 80, timezone: str = "Asia/Shanghai"
) -> bytes:
    fn = RENDERERS.get(kind)
    if fn is None:
        raise RenderError(f"kind must be kitchen or receipt, not {kind!r}")
    return fn(doc, paper_width=paper_width, timezone=timezone)
