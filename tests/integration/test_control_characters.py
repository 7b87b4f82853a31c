"""Free text with control characters is refused at the API, naming the field, and nothing is
written: a diner's note holding ESC p (cash-drawer kick), GS V (cut) or ESC @ (reset) would
otherwise reach a printer as a command. Line breaks only where a field allows them; a delivery
platform's order is never refused for them, its text is made printable instead."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from hearth.channels.delivery.domain import Platform
from hearth.channels.delivery.emulator import Line
from tests.integration.test_delivery_webhooks import make_store, our_order

DRAWER_KICK = "\x1bp\x00\x19\xfa"
CUT = "\x1dV\x00"
RESET = "\x1b@"
EVERY_C0 = "".join(map(chr, range(0x20)))
DEL_AND_C1 = "".join(map(chr, [0x7F, *range(0x80, 0xA0)]))
GOOD = {
    "name_zh": "老王川菜馆",
    "name_en": "Lao Wang Sichuan",
    "address": "上海市徐汇区 1 号",
    "phone": "+86 21-5555 0000",
    "service_charge_bp": 1000,
    "receipt_footer_zh": "谢谢惠顾",
    "receipt_footer_en": "Thank you",
    "cash_rounding": "jiao",
    "languages": ["zh", "en"],
    "default_language": "zh",
}


def seq(api) -> int:
    return int(api.client.get("/healthz").json()["journal_seq"])


def send(api, method: str, path: str, body: Any, headers: dict[str, str] | None = None):
    return api.client.request(
        method, path, json=body, headers={**(headers or {}), "Idempotency-Key": uuid.uuid4().hex}
    )


def qr_token(api) -> str:
    r = api.client.get(f"/api/tables/{api.ids.tables['A01']}/qr", headers=api.login("M01"))
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


@pytest.fixture
def floor(api) -> dict[str, Any]:
    """A seated table A01 with an order of one sent line, and the ids the cases need."""
    w = api.login("W01")
    r = api.post(
        "/api/orders",
        {
            "table_id": api.ids.tables["A01"],
            "guests": 2,
            "submit": True,
            "lines": [{"item_id": api.ids.items["rice"]}],
        },
        w,
    )
    assert r.status_code == 201, r.text
    order = r.json()
    staff = api.client.get("/api/staff", headers=api.login("M01")).json()
    return {
        "order": order["id"],
        "line": order["lines"][0]["id"],
        "token": qr_token(api),
        "waiter": next(s["id"] for s in staff if s["code"] == "W01"),
    }


def rice(api, **line: Any) -> dict[str, Any]:
    return {"item_id": api.ids.items["rice"], **line}


# (who signs in, method, path, body, the field named) for text t
Case = tuple[
    str | None, str, Callable[[dict[str, Any]], str], Callable[[Any, str], dict[str, Any]], str
]
CASES: dict[str, Case] = {
    "qr diner note": (
        None,
        "POST",
        lambda f: f"/api/qr/{f['token']}/lines",
        lambda api, t: {"lines": [rice(api, note=t)]},
        "lines[0].note",
    ),
    "qr call reason": (
        None,
        "POST",
        lambda f: f"/api/qr/{f['token']}/call-waiter",
        lambda api, t: {"reason": t},
        "reason",
    ),
    "pos line note": (
        "W01",
        "POST",
        lambda f: f"/api/orders/{f['order']}/lines",
        lambda api, t: {"lines": [rice(api), rice(api, note=t)]},
        "lines[1].note",
    ),
    "order note": (
        "W01",
        "POST",
        lambda f: "/api/orders",
        lambda api, t: {"note": t, "lines": [rice(api)]},
        "note",
    ),
    "void reason": (
        "M01",
        "POST",
        lambda f: f"/api/orders/{f['order']}/lines/{f['line']}/void",
        lambda api, t: {"reason": t},
        "reason",
    ),
    "cancel reason": (
        "W01",
        "POST",
        lambda f: f"/api/orders/{f['order']}/cancel",
        lambda api, t: {"reason": t},
        "reason",
    ),
    "modifier id in a list": (
        "W01",
        "POST",
        lambda f: "/api/orders",
        lambda api, t: {"lines": [rice(api, modifier_option_ids=[t])]},
        "lines[0].modifier_option_ids",
    ),
    "combo choice key": (
        "W01",
        "POST",
        lambda f: "/api/orders",
        lambda api, t: {"lines": [rice(api, combo_choices={t: "x"})]},
        "lines[0].combo_choices",
    ),
    "new staff name": (
        "M01",
        "POST",
        lambda f: "/api/staff",
        lambda api, t: {"code": "W77", "name": t, "role": "waiter", "pin": "4321"},
        "name",
    ),
    "staff rename": (
        "M01",
        "PATCH",
        lambda f: f"/api/staff/{f['waiter']}",
        lambda api, t: {"name": t},
        "name",
    ),
    "printer name": (
        "M01",
        "POST",
        lambda f: "/api/printers",
        lambda api, t: {"name": t, "host": "127.0.0.1", "port": 9100},
        "name",
    ),
    "category name": (
        "M01",
        "POST",
        lambda f: "/api/menu/categories",
        lambda api, t: {"name_zh": t, "name_en": "Soups"},
        "name_zh",
    ),
    "store name": (
        "M01",
        "PUT",
        lambda f: "/api/store/settings",
        lambda api, t: {**GOOD, "name_en": t},
        "name_en",
    ),
    "receipt footer": (
        "M01",
        "PUT",
        lambda f: "/api/store/settings",
        lambda api, t: {**GOOD, "receipt_footer_en": t},
        "receipt_footer_en",
    ),
}
TEXTS = {
    "drawer kick": DRAWER_KICK,
    "cut": CUT,
    "reset": RESET,
    "every C0": EVERY_C0,
    "DEL and C1": DEL_AND_C1,
    "tab": "a\tb",
}


@pytest.mark.parametrize("what", list(TEXTS))
@pytest.mark.parametrize("case", list(CASES))
def test_control_characters_are_refused_naming_the_field_and_nothing_is_written(
    api, floor, case, what
):
    who, method, path, body, field = CASES[case]
    t = "花生" + TEXTS[what] + "x"
    headers = api.login(who) if who else None  # a sign-in is journaled: before `before`
    before = seq(api)
    r = send(api, method, path(floor), body(api, t), headers)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "text-control-characters"
    assert problem["field"] == field, problem
    assert "cannot contain control characters" in problem["detail"]
    found = next(c for c in t if c < " " or "\x7f" <= c <= "\x9f")
    assert f"U+{ord(found):04X}" in problem["detail"], "says what it found"
    assert seq(api) == before, "nothing was written"


@pytest.mark.parametrize(
    "case",
    [
        "qr diner note",
        "pos line note",
        "order note",
        "void reason",
        "new staff name",
        "printer name",
        "store name",
    ],
)
def test_a_line_break_is_refused_where_a_field_is_one_line(api, floor, case):
    who, method, path, body, field = CASES[case]
    headers = api.login(who) if who else None
    before = seq(api)
    r = send(api, method, path(floor), body(api, "line one\nline two"), headers)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert "a line break" in r.json()["detail"]
    assert seq(api) == before


def test_the_receipt_footer_and_address_may_have_line_breaks_stored_as_newlines(api):
    m = api.login("M01")
    r = send(
        api,
        "PUT",
        "/api/store/settings",
        {
            **GOOD,
            "receipt_footer_en": "Thank you\r\nSee you again",
            "address": "上海市徐汇区 1 号\n二楼",
        },
        m,
    )
    assert r.status_code == 200, r.text
    saved = api.client.get("/api/store/settings", headers=m).json()
    assert saved["receipt_footer_en"] == "Thank you\nSee you again"
    assert saved["address"] == "上海市徐汇区 1 号\n二楼"
    lone_cr = send(api, "PUT", "/api/store/settings", {**GOOD, "receipt_footer_en": "a\rb"}, m)
    assert lone_cr.status_code == 422, "a lone carriage return overprints: refused"
    assert lone_cr.json()["field"] == "receipt_footer_en"


def test_plain_text_still_goes_through(api, floor):
    r = send(
        api,
        "POST",
        f"/api/orders/{floor['order']}/lines",
        {"lines": [rice(api, note="不要花生 (no peanuts) ¥5 ~!@#")]},
        api.login("W01"),
    )
    assert r.status_code == 200, r.text
    assert any(ln["note"] == "不要花生 (no peanuts) ¥5 ~!@#" for ln in r.json()["lines"])


@pytest.mark.parametrize("platform", list(Platform))
def test_a_platform_order_is_taken_with_its_control_characters_made_printable(tmp_path, platform):
    """A delivery order is never lost for what a customer typed: a tab becomes a space and
    any other control character a '?'; line breaks in the remark stay."""
    with make_store(tmp_path) as store:
        line = Line(f"{platform.value}-gbjd", 1, 3800, "宫保\x1bp鸡丁")
        r = store.emulator(platform).send_order(
            [line], order_id="CC1", remark="no\tchilli" + CUT + "\r\nring twice"
        )
        assert r.status_code == 200, r.text
        data = r.json()["order"] if platform is Platform.MEITUAN else r.json()["data"]
        d = store.client.get(
            f"/api/delivery/orders/{data['delivery_id']}", headers=store.login("M01")
        ).json()
        assert d["note"] == "no chilli?V?\nring twice"
        note = our_order(store, data["order_id"])["note"]
        assert "\x1d" not in note and "\t" not in note and "?V?" in note
