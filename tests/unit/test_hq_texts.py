"""The HQ page's texts: every key in Chinese and English, and every key the page names exists."""

from __future__ import annotations

import re

from hearth.hq.pages import TEXTS, WEB


def test_every_hq_text_has_both_languages():
    missing = [
        k for k, v in TEXTS.items() if not (v.get("zh", "").strip() and v.get("en", "").strip())
    ]
    assert not missing, missing


def test_every_key_the_hq_page_names_exists():
    names: set[str] = set()
    for f in [*WEB.rglob("*.html"), *WEB.rglob("*.js")]:
        names |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']\s*\)""", f.read_text()))
    assert names, "the page names its texts through t('…')"
    assert names <= set(TEXTS), sorted(names - set(TEXTS))
