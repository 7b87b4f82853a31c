"""The UI texts in src/hearth/web/texts/*.json: both languages everywhere, each key once, and
every key a page names literally is there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hearth.web.i18n import LANGUAGES, TEXTS, TEXTS_DIR, load_texts

WEB = TEXTS_DIR.parent
FILES = sorted(TEXTS_DIR.glob("*.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_key_has_chinese_and_english(path: Path) -> None:
    page = json.loads(path.read_text(encoding="utf-8"))
    assert page, f"{path.name} is empty"
    bad = {
        key: entry
        for key, entry in page.items()
        if set(entry) != set(LANGUAGES)
        or not all(isinstance(entry[lang], str) and entry[lang].strip() for lang in LANGUAGES)
    }
    assert not bad, f"{path.name}: keys without both zh and en: {bad}"


def test_the_page_modules_hold_no_texts() -> None:
    for module in WEB.glob("*.py"):
        assert "add_texts" not in module.read_text(encoding="utf-8"), module.name


def test_a_key_in_two_files_is_refused(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text('{"same.key": {"zh": "一", "en": "one"}}', encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("same.key")):
        load_texts(tmp_path)


def test_every_key_the_pages_name_literally_exists() -> None:
    # t("pos.add") in a script, t('pos.add') in a template; keys built at run time
    # (t(`order.${status}`)) are not checked here.
    literal = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_.]*)["']\s*\)""")
    named = set()
    for path in [*WEB.glob("static/**/*.js"), *WEB.glob("templates/*.html")]:
        named |= {(path.name, key) for key in literal.findall(path.read_text(encoding="utf-8"))}
    missing = sorted((name, key) for name, key in named if key not in TEXTS)
    assert not missing, f"keys used but not in texts/*.json: {missing}"
