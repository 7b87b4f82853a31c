"""UI text in Chinese and English. Pages pick the language from ``?lang=`` or a cookie.

The words live in one JSON file per page under ``texts/`` (``{"key": {"zh": …, "en": …}}``),
not in Python: a translator edits them without reading code, and a unit test checks that every
key has both languages. Every file is loaded once, at import; a key in two files is an error,
so one page cannot silently reword another's button.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
TEXTS_DIR = Path(__file__).resolve().parent / "texts"


def load_texts(directory: Path = TEXTS_DIR) -> dict[str, dict[str, str]]:
    """Every ``*.json`` in ``directory``, merged; a key defined twice raises ValueError."""
    texts: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        page: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        for key, entry in page.items():
            if key in where:
                raise ValueError(f"UI text {key!r} is in both {where[key]} and {path.name}")
            where[key] = path.name
            texts[key] = entry
    return texts


TEXTS: dict[str, dict[str, str]] = load_texts()


def language_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("hearth_lang") or DEFAULT
    return lang if lang in LANGUAGES else DEFAULT


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        entry = TEXTS.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry.get("en") or key

    return t
