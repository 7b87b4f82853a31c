"""Which characters free text (notes, names, reasons) may hold, shared by the API and the printer.

A control character in a note is not text. On an ESC/POS printer ``ESC p`` kicks the cash
drawer open, ``GS V`` cuts the paper and ``ESC @`` resets the printer in the middle of a
ticket, so a diner's note must never reach the printer as bytes below 0x20. The API refuses
control characters (the person typing can fix them); text that must not be refused (a
delivery platform's order) or that is already stored is made :func:`printable` instead.

Control characters are C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F): C1 are not
commands to a GB18030 printer, but they are invisible and some terminals and printers in
other modes act on them, so they go too.
"""

from __future__ import annotations

import re

REPLACEMENT = "?"
"""What an unprintable character prints as: what printers and terminals show for a character
they cannot draw, and readable to a cook, unlike caret notation (``^[``)."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# A line break is "\n" or "\r\n"; a lone "\r" moves the print head back and overprints.
_CONTROL_BUT_LINE_BREAKS = re.compile("\r(?!\n)|[\x00-\x09\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n?")
_OTHER = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # all but "\n"


def first_control(text: str, *, allow_newline: bool = False) -> int | None:
    """Where the first control character of ``text`` is, or None when it has none.

    With ``allow_newline``, line breaks ("\\n" and "\\r\\n") are allowed; tabs never are
    (a tab has no width on a ticket or a screen: send spaces)."""
    found = (_CONTROL_BUT_LINE_BREAKS if allow_newline else _CONTROL).search(text)
    return None if found is None else found.start()


def control_message(text: str, at: int, *, allow_newline: bool = False) -> str:
    """Why ``text`` is refused, in words a client can show: what was found and where."""
    ch = text[at]
    name = {
        "\n": "a line break",
        "\r": "a carriage return",
        "\t": "a tab",
        "\x1b": "an escape (ESC)",
    }.get(ch, "a control character")
    allowed = "line breaks are allowed, " if allow_newline else ""
    return (
        f"Text cannot contain control characters ({allowed}found {name}, "
        f"U+{ord(ch):04X}, at character {at + 1})."
    )


def normalise_newlines(text: str) -> str:
    """One kind of line break in stored text: "\\r\\n" becomes "\\n"."""
    return text.replace("\r\n", "\n") if "\r" in text else text


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with nothing a printer or a screen would take as a command.

    Line breaks ("\\n", "\\r\\n", a lone "\\r") become "\\n" when ``newlines`` (the caller
    splits the text into lines) and a space otherwise; a tab becomes a space; every other
    control character, and a lone surrogate (which no encoding can write), becomes
    :data:`REPLACEMENT`. Text without any of them comes back as it is (the common case,
    checked with one search)."""
    if _UNPRINTABLE.search(text) is None:
        return text
    text = _LINE_BREAK.sub("\n" if newlines else " ", text)
    if not newlines:
        text = text.replace("\n", " ")
    return _OTHER.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    return " " if match.group() == "\t" else REPLACEMENT
