"""UI text in Chinese and English. Pages pick the language from ``?lang=`` or a cookie.

Each module adds its own strings with ``add_texts`` so this file does not become everyone's.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT = "zh"

TEXTS: dict[str, dict[str, str]] = {
    "brand": {"zh": "炉火小馆 · Hearth", "en": "Hearth Bistro · 炉火"},
    "offline": {"zh": "与门店服务器的连接已断开，正在重连…",
                "en": "Lost the connection to the store node; reconnecting…"},
}


def add_texts(texts: dict[str, dict[str, str]]) -> None:
    TEXTS.update(texts)


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
