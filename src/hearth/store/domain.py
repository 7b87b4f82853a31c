"""Store settings rules: what a valid set of settings is, with no database and no clock.

The settings are small and edited as a whole from the admin page, so a change is one complete,
checked value (not a patch): the journal then says exactly what the store looked like after each
edit, and a receipt printed later can be explained from it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from hearth.store.errors import StoreError


class CashRounding(StrEnum):
    """How a cash total is rounded at the till (China: many stores drop the fen, 抹零)."""

    NONE = "none"  # to the fen
    JIAO = "jiao"  # to 0.10 yuan
    HALF_YUAN = "half_yuan"  # to 0.50 yuan
    YUAN = "yuan"  # to 1 yuan


ROUNDING_STEP_FEN = {
    CashRounding.NONE: 1,
    CashRounding.JIAO: 10,
    CashRounding.HALF_YUAN: 50,
    CashRounding.YUAN: 100,
}
LANGUAGES = ("zh", "en")
MAX_SERVICE_CHARGE_BP = 3000  # 30%: anything above is a typo, not a service charge
# QR table ordering limits (see channels/qr/domain.py): name -> (lowest, highest) allowed.
QR_LIMITS = {
    "qr_max_per_line": (1, 999),
    "qr_max_per_order": (1, 9999),
    "qr_changes_per_minute": (1, 600),
    "qr_confirm_above": (0, 100_000_000),
}
_PHONE = re.compile(r"^[0-9+\-() ]{3,40}$")


@dataclass(frozen=True, slots=True)
class StoreSettings:
    name_zh: str = "我的餐厅"
    name_en: str = "My restaurant"
    address: str = ""
    phone: str = ""
    service_charge_bp: int = 0
    receipt_footer_zh: str = "谢谢惠顾，欢迎再来"
    receipt_footer_en: str = "Thank you, see you again"
    cash_rounding: CashRounding = CashRounding.NONE
    languages: tuple[str, ...] = field(default=LANGUAGES)
    default_language: str = "zh"
    # QR table ordering: whether a diner's first scan may seat a free table (its first send then
    # waits for staff), the portions one line and one order may hold, the diner changes one
    # table may make a minute, and the order total (fen) above which a send waits for staff
    # (0: never).
    qr_self_seating: bool = False
    qr_max_per_line: int = 20
    qr_max_per_order: int = 60
    qr_changes_per_minute: int = 20
    qr_confirm_above: int = 100_000

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["cash_rounding"] = self.cash_rounding.value
        d["languages"] = list(self.languages)
        return d


def _text(value: Any, name: str, *, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise StoreError.SETTING_NOT_TEXT.problem(f"{name} must be text.", field=name)
    text = value.strip()
    if not low <= len(text) <= high:
        need = "is required" if low and not text else f"must be {low} to {high} characters"
        raise StoreError.SETTING_NOT_ACCEPTED.problem(f"{name} {need}.", field=name)
    if any(ord(c) < 32 and c not in "\n" for c in text):
        raise StoreError.SETTING_NOT_ACCEPTED.problem(
            f"{name} contains control characters.", field=name
        )
    return text


def check_settings(raw: dict[str, Any]) -> StoreSettings:
    """A complete, valid ``StoreSettings`` from what the admin sent, or a problem naming the
    field at fault. Text is trimmed; nothing is silently clipped."""
    phone = _text(raw.get("phone", ""), "phone", low=0, high=40)
    if phone and not _PHONE.match(phone):
        raise StoreError.SETTING_NOT_PHONE.problem(
            "phone may hold digits, spaces, +, - and brackets only.", field="phone"
        )
    charge = raw.get("service_charge_bp", 0)
    if (
        isinstance(charge, bool)
        or not isinstance(charge, int)
        or not (0 <= charge <= MAX_SERVICE_CHARGE_BP)
    ):
        raise StoreError.SETTING_SERVICE_CHARGE_RANGE.problem(
            f"service_charge_bp must be a whole number from 0 to "
            f"{MAX_SERVICE_CHARGE_BP} (0% to 30%).",
            field="service_charge_bp",
        )
    try:
        rounding = CashRounding(raw.get("cash_rounding", CashRounding.NONE.value))
    except ValueError:
        raise StoreError.SETTING_CASH_ROUNDING.problem(
            "cash_rounding must be one of: " + ", ".join(r.value for r in CashRounding) + ".",
            field="cash_rounding",
        ) from None
    langs = raw.get("languages", list(LANGUAGES))
    if (
        not isinstance(langs, list | tuple)
        or not langs
        or any(lang not in LANGUAGES for lang in langs)
        or len(set(langs)) != len(langs)
    ):
        raise StoreError.SETTING_LANGUAGES.problem(
            "languages must list zh and/or en, each once.", field="languages"
        )
    default = raw.get("default_language", langs[0])
    if not isinstance(default, str) or default not in langs:
        raise StoreError.SETTING_DEFAULT_LANGUAGE.problem(
            "default_language must be one of the languages offered.", field="default_language"
        )
    self_seating = raw.get("qr_self_seating", False)
    if not isinstance(self_seating, bool):
        raise StoreError.SETTING_NOT_BOOLEAN.problem(
            "qr_self_seating must be true or false.", field="qr_self_seating"
        )
    limits = {}
    for name, (low, high) in QR_LIMITS.items():
        value = raw.get(name, getattr(StoreSettings(), name))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise StoreError.SETTING_LIMIT_RANGE.problem(
                f"{name} must be a whole number from {low} to {high}.", field=name
            )
        limits[name] = value
    if limits["qr_max_per_order"] < limits["qr_max_per_line"]:
        raise StoreError.SETTING_ORDER_BELOW_LINE_LIMIT.problem(
            "qr_max_per_order must be at least qr_max_per_line.", field="qr_max_per_order"
        )
    return StoreSettings(
        name_zh=_text(raw.get("name_zh", ""), "name_zh", low=1, high=80),
        name_en=_text(raw.get("name_en", ""), "name_en", low=1, high=120),
        address=_text(raw.get("address", ""), "address", low=0, high=200),
        phone=phone,
        service_charge_bp=charge,
        receipt_footer_zh=_text(
            raw.get("receipt_footer_zh", ""), "receipt_footer_zh", low=0, high=200
        ),
        receipt_footer_en=_text(
            raw.get("receipt_footer_en", ""), "receipt_footer_en", low=0, high=200
        ),
        cash_rounding=rounding,
        languages=tuple(sorted(langs, key=LANGUAGES.index)),
        default_language=default,
        qr_self_seating=self_seating,
        **limits,
    )


def round_cash(total_fen: int, rounding: CashRounding) -> int:
    """A cash total rounded half up to the store's step (never below zero)."""
    step = ROUNDING_STEP_FEN[rounding]
    if total_fen <= 0:
        return max(total_fen, 0)
    return ((total_fen + step // 2) // step) * step
