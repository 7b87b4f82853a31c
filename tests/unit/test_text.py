"""The one rule for control characters in free text, shared by the API and the printer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.core.text import REPLACEMENT, control_message, first_control, printable

CONTROL = {*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0))}
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=80)


@pytest.mark.parametrize("ch", sorted(CONTROL))
def test_every_control_character_is_found(ch):
    assert first_control("花生" + ch + "x") == 2
    allowed = ch == "\n"
    assert (first_control("花生" + ch + "x", allow_newline=True) is None) == allowed


def test_a_line_break_is_lf_or_crlf_and_a_lone_cr_is_not():
    assert first_control("a\r\nb\nc", allow_newline=True) is None
    assert first_control("a\r\nb\rc", allow_newline=True) == 4
    assert "carriage return" in control_message("a\rb", 1, allow_newline=True)


def test_plain_text_passes_as_it_is():
    text = "宫保鸡丁 (微辣) ¥38.00 ~!@#$%^&*_+{}|:<>? 𠮷 ü"
    assert first_control(text) is None
    assert printable(text) is text


@given(any_text)
def test_printable_leaves_no_control_character_and_keeps_the_rest(text):
    for newlines in (True, False):
        out = printable(text, newlines=newlines)
        left = {c for c in out if c in CONTROL or "\ud800" <= c <= "\udfff"}
        assert left <= ({"\n"} if newlines else set())
        out.encode("gb18030")  # always printable as GB18030
        kept = [c for c in text if c not in CONTROL and not "\ud800" <= c <= "\udfff"]
        assert [c for c in out if c not in (" ", "\n", REPLACEMENT)] == [
            c for c in kept if c not in (" ", REPLACEMENT)
        ]


@given(any_text)
def test_text_the_api_accepts_prints_unchanged(text):
    surrogate = any("\ud800" <= c <= "\udfff" for c in text)
    if first_control(text, allow_newline=True) is None and "\r" not in text and not surrogate:
        assert printable(text) == text
