"""Members through the HTTP API, on SQLite and PostgreSQL: join and find by phone, masking and
journaled unmasking, earning once per order and reversing it, points for money off, top-up with
bonus, spending as the stored-value tender, the offline allowance, coupons redeemed once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.node import Node
from hearth.core.tables import journal
from hearth.members.tables import member_ledger
from hearth.sync.tables import sync_state
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.waiting import wait_until


@dataclass
class Till:
    client: TestClient
    ids: DemoIds
    node: Node
    tokens: dict[str, dict[str, str]]

    def login(self, code: str) -> dict[str, str]:
        if code not in self.tokens:
            r = self.client.post(
                "/api/auth/pin",
                json={"staff_code": code, "pin": self.ids.pins[code]},
                headers={"X-Terminal-Key": self.ids.terminal_key},
            )
            assert r.status_code == 200, r.text
            self.tokens[code] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.tokens[code]

    def post(self, path: str, body: Any, who: str = "C01", key: str | None = None) -> Any:
        headers = {**self.login(who), "Idempotency-Key": key or uuid.uuid4().hex}
        return self.client.post(path, json=body, headers=headers)

    def get(self, path: str, who: str = "C01") -> Any:
        return self.client.get(path, headers=self.login(who))

    def join(self, phone: str = "13812341234", name: str = "王女士") -> dict[str, Any]:
        r = self.post("/api/members", {"phone": phone, "name": name})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def paid_order(self, *items: str) -> str:
        order = self.order(*items)
        total = self.get(f"/api/orders/{order}/payments").json()["due"]
        r = self.post(f"/api/orders/{order}/payments", {"tender": "cash", "amount": total})
        assert r.status_code == 200, r.text
        return order

    def order(self, *items: str) -> str:
        lines = [
            {"item_id": self.ids.items[i]}
            | ({"modifier_option_ids": [self.ids.options["Mild"]]} if i == "gbjd" else {})
            for i in items
        ]
        r = self.post("/api/orders", {"channel": "takeaway", "lines": lines, "submit": True}, "W01")
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def rule(self, kind: str, rule_id: str, body: dict[str, Any] | None) -> None:
        r = self.post("/api/members/rules", {"kind": kind, "id": rule_id, "body": body}, "M01")
        assert r.status_code == 200, r.text

    def count(self, *types: str) -> int:
        """Journal events of these types (the kitchen's subscriber writes tickets meanwhile,
        so the journal's top is no measure of "nothing written")."""
        with self.node.engine.connect() as conn:
            q = sa.select(sa.func.count()).where(journal.c.type.in_(types))
            return int(conn.execute(q).scalar() or 0)


def _till(db_url: str) -> Iterator[Till]:
    node = build_node(fast_settings(db_url))
    ids = a_small_restaurant(node)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        yield Till(client, ids, node, {})
    node.close()


@pytest.fixture
def till(db_url: str) -> Iterator[Till]:
    """On SQLite and PostgreSQL: for what touches the ledger, indexes and concurrency."""
    yield from _till(db_url)


@pytest.fixture
def local_till(sqlite_url: str) -> Iterator[Till]:
    """SQLite only: for rules that do not depend on the database (keeps the suite short)."""
    yield from _till(sqlite_url)


def test_join_masks_the_phone_and_finds_by_prefix_suffix_and_code(till: Till) -> None:
    bad = till.post("/api/members", {"phone": "12345", "name": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "phone-invalid"
    assert "11-digit" in bad.json()["detail"]
    m = till.join("138 1234 1234")
    assert m["phone"] == "138****1234" and m["phone_masked"] is True
    assert m["stored_value"] == 0 and m["points"] == 0
    dup = till.post("/api/members", {"phone": "+8613812341234", "name": "again"})
    assert dup.status_code == 409 and dup.json()["code"] == "phone-taken"
    till.join("13900005678", "李先生")
    for q, names in (("138", ["王女士"]), ("1234", ["王女士"]), ("5678", ["李先生"])):
        found = till.get(f"/api/members?q={q}").json()["members"]
        assert [f["name"] for f in found] == names, q
        assert all("****" in f["phone"] for f in found)
    assert till.get(f"/api/members?q={m['code']}").json()["members"][0]["id"] == m["id"]
    typed = m["code"].lower()  # read off a card and typed in lower case
    assert till.get(f"/api/members?q={typed}").json()["members"][0]["id"] == m["id"]
    assert till.get("/api/members").json()["total"] == 2


def test_unmasking_needs_a_manager_and_is_journaled(local_till: Till) -> None:
    till = local_till
    m = till.join()
    no = till.post(f"/api/members/{m['id']}/unmask", {"reason": "call back"})
    assert no.status_code == 403
    yes = till.post(f"/api/members/{m['id']}/unmask", {"reason": "call back"}, "M01")
    assert yes.status_code == 200 and yes.json()["phone"] == "+8613812341234"
    with till.node.engine.connect() as conn:
        ev = conn.execute(
            sa.select(journal.c.actor, journal.c.payload).where(
                journal.c.type == "MemberPhoneUnmasked"
            )
        ).one()
    assert ev.payload == {"member_id": m["id"], "reason": "call back"}
    assert ev.actor == till.ids.staff["M01"]


def test_an_order_earns_once_and_a_refund_takes_back_exactly_that(till: Till) -> None:
    till.rule("points", "yuan", {"kind": "per_yuan", "points": 1})
    till.rule("points", "visit", {"kind": "per_visit", "points": 5})
    m = till.join()
    order = till.paid_order("gbjd", "rice")  # 38 + 3 yuan
    body = {"order_id": order, "member_ids": [m["id"]]}
    first = till.post("/api/members/earn", body)
    assert first.status_code == 200, first.text
    assert first.json()["earned"] == 38 + 3 + 5
    again = till.post("/api/members/earn", body)  # a new key: a retry by hand, not a replay
    assert again.status_code == 200 and again.json()["earned"] == 0
    assert till.get(f"/api/members/{m['id']}").json()["points"] == 46
    other = till.join("13900000001", "别人")
    stolen = till.post("/api/members/earn", {"order_id": order, "member_ids": [other["id"]]})
    assert stolen.status_code == 409 and stolen.json()["code"] == "order-already-earned"
    back = till.post(f"/api/members/orders/{order}/reverse", {})
    assert back.json()["reversed"] == 46
    assert till.post(f"/api/members/orders/{order}/reverse", {}).json()["reversed"] == 0
    assert till.get(f"/api/members/{m['id']}").json()["points"] == 0
    with till.node.engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.sum(member_ledger.c.delta)).where(
                member_ledger.c.member_id == m["id"]
            )
        ).scalar()
    assert total == 0


def test_an_unpaid_order_earns_nothing(local_till: Till) -> None:
    till = local_till
    till.rule("points", "yuan", {"kind": "per_yuan", "points": 1})
    m = till.join()
    order = till.order("rice")
    r = till.post("/api/members/earn", {"order_id": order, "member_ids": [m["id"]]})
    assert r.status_code == 409 and r.json()["code"] == "order-not-paid"


def test_points_buy_money_off_and_never_go_below_zero(till: Till) -> None:
    till.rule("points", "yuan", {"kind": "per_yuan", "points": 10})
    m = till.join()
    till.post("/api/members/earn", {"order_id": till.paid_order("gbjd"), "member_ids": [m["id"]]})
    assert till.get(f"/api/members/{m['id']}").json()["points"] == 380
    order = till.order("gbjd")
    before = till.count("MemberLedgerPosted", "OrderDiscountApplied")
    over = till.post(f"/api/members/{m['id']}/redeem", {"order_id": order, "points": 400})
    assert over.status_code == 409 and over.json()["code"] == "points-too-low"
    assert till.count("MemberLedgerPosted", "OrderDiscountApplied") == before
    odd = till.post(f"/api/members/{m['id']}/redeem", {"order_id": order, "points": 150})
    assert odd.status_code == 422 and odd.json()["code"] == "member-rule-invalid"
    ok = till.post(f"/api/members/{m['id']}/redeem", {"order_id": order, "points": 300})
    assert ok.status_code == 200 and ok.json()["off"] == 300
    assert till.get(f"/api/orders/{order}/payments").json()["due"] == 3800 - 300
    assert till.get(f"/api/members/{m['id']}").json()["points"] == 80


def test_top_up_with_bonus_then_spend_as_the_tender_paid_in_first(till: Till) -> None:
    till.rule("top_up", "t500", {"pay": 50000, "bonus": 5000})
    m = till.join()
    r = till.post(f"/api/members/{m['id']}/top-up", {"amount": 50000})
    assert r.status_code == 200, r.text
    assert (r.json()["paid"], r.json()["bonus"]) == (50000, 5000)
    assert r.json()["member"]["stored_value"] == 55000
    order = till.order("gbjd")
    pay = till.post(
        f"/api/orders/{order}/payments",
        {"tender": "stored_value", "amount": 3800, "account_id": m["id"]},
    )
    assert pay.status_code == 200 and pay.json()["status"] == "succeeded", pay.text

    def posted() -> dict[str, Any] | None:
        got = till.get(f"/api/members/{m['id']}").json()
        return got if got["paid"] == 50000 - 3800 else None

    got = wait_until(posted, what="the spend in the ledger")
    assert (got["bonus"], got["stored_value"]) == (5000, 55000 - 3800)
    kinds = {(e["account"], e["kind"]) for e in till.get(f"/api/members/{m['id']}/ledger").json()}
    assert kinds == {("paid", "top_up"), ("bonus", "top_up"), ("paid", "spend")}


def test_offline_a_spend_over_the_allowance_is_refused_clearly(till: Till) -> None:
    m = till.join()
    till.post(f"/api/members/{m['id']}/top-up", {"amount": 100000})
    with till.node.engine.begin() as conn:  # enrolled with an HQ that stopped answering
        conn.execute(
            sync_state.insert().values(
                id=1,
                hq_url="http://hq.invalid",
                store_id=till.node.settings.store_id,
                credential="x",
                epoch=1,
                acked_seq=0,
                acked_digest="0" * 64,
                catalogue_version=0,
                status="ok",
                enrolled_at_ms=0,
                unreachable_since_ms=1,
            )
        )
    seen = till.get(f"/api/members/{m['id']}").json()
    assert seen["offline"] is True and seen["spend_limit"] == 20000
    big = till.order("gbjd", "gbjd", "gbjd", "gbjd", "gbjd", "gbjd")  # 228 yuan
    before = till.count("PaymentStarted", "MemberAllowanceUsed", "StoredValueChanged")
    r = till.post(
        f"/api/orders/{big}/payments",
        {"tender": "stored_value", "amount": 22800, "account_id": m["id"]},
    )
    assert r.status_code == 409 and r.json()["code"] == "member-allowance-exceeded", r.text
    assert "offline" in r.json()["detail"] and "¥200.00" in r.json()["detail"]
    assert till.count("PaymentStarted", "MemberAllowanceUsed", "StoredValueChanged") == before
    ok = till.post(
        f"/api/orders/{big}/payments",
        {"tender": "stored_value", "amount": 15000, "account_id": m["id"]},
    )
    assert ok.status_code == 200, ok.text
    after = till.get(f"/api/members/{m['id']}").json()
    assert after["allowance_left"] == 5000 and after["spend_limit"] == 5000


def test_a_coupon_is_redeemed_once_even_from_two_tills_at_once(till: Till) -> None:
    t = till.post(
        "/api/members/coupon-templates",
        {
            "kind": "money_off",
            "name_zh": "满30减5",
            "name_en": "5 off 30",
            "value": 500,
            "threshold": 3000,
        },
        "M01",
    )
    assert t.status_code == 201, t.text
    m = till.join()
    c = till.post(f"/api/members/{m['id']}/coupons", {"template_id": t.json()["id"]}, "M01")
    coupon = c.json()["coupon_id"]
    small = till.order("rice")
    low = till.post(f"/api/members/coupons/{coupon}/redeem", {"order_id": small})
    assert low.status_code == 409 and "¥30.00" in low.json()["detail"]
    a, b = till.order("gbjd"), till.order("gbjd")
    import concurrent.futures as cf

    with cf.ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda o: till.post(f"/api/members/coupons/{coupon}/redeem", {"order_id": o}),
                (a, b),
            )
        )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    dues = sorted(till.get(f"/api/orders/{o}/payments").json()["due"] for o in (a, b))
    assert dues == [3300, 3800]


def _import(till: Till, data: bytes, kind: str = "csv") -> Any:
    headers = {**till.login("M01"), "Idempotency-Key": uuid.uuid4().hex}
    return till.client.post(f"/api/members/import?kind={kind}", content=data, headers=headers)


def test_an_import_with_bad_rows_writes_nothing_and_reports_each(till: Till) -> None:
    till.rule("tier", "gold", {"name_zh": "金卡", "name_en": "Gold", "threshold": 1000})
    till.join("13800000009", "已有")
    rows = ["手机,姓名,等级,生日"] + [f"1391234{i:04d},客人{i},gold,05-06" for i in range(300)]
    rows += [
        "12345,坏号码,,",
        "13912340001,重复,,",
        "13800000009,已是会员,,",
        "13700000000,x,platinum,",
    ]
    r = _import(till, "\n".join(rows).encode())
    assert r.status_code == 422 and r.json()["code"] == "member-import-invalid", r.text
    report = {(p["row"], p["code"]) for p in r.json()["report"]}
    assert report == {
        (301, "phone-invalid"),
        (302, "phone-duplicate"),
        (303, "phone-taken"),
        (304, "tier-unknown"),
    }
    assert till.get("/api/members").json()["total"] == 1  # nothing half-imported
    ok = _import(till, "\n".join(rows[:301]).encode("gb18030"))
    assert ok.status_code == 201 and ok.json()["imported"] == 300, ok.text
    found = till.get("/api/members?q=13912340042").json()["members"]
    assert [(f["name"], f["tier"], f["birthday"]) for f in found] == [("客人42", "gold", "05-06")]


def test_an_xlsx_imports_like_a_csv(local_till: Till) -> None:
    till = local_till
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["phone", "name", "tags"])
    sheet.append([13812345678, "Ann", "vip;lunch"])
    buf = io.BytesIO()
    book.save(buf)
    r = _import(local_till, buf.getvalue(), "xlsx")
    assert r.status_code == 201 and r.json()["imported"] == 1, r.text
    m = till.get("/api/members?q=5678").json()["members"][0]
    assert (m["name"], m["tags"], m["phone"]) == ("Ann", ["lunch", "vip"], "138****5678")
    assert _import(local_till, b"not a workbook", "xlsx").json()["code"] == "member-import-invalid"


def test_export_then_erase_keeps_the_money_and_forgets_the_person(local_till: Till) -> None:
    till = local_till
    m = till.join()
    till.post(f"/api/members/{m['id']}/top-up", {"amount": 10000})
    out = till.post(f"/api/members/{m['id']}/export", {}, "M01")
    assert out.status_code == 200 and out.json()["member"]["phone"] == "+8613812341234"
    assert [e["delta"] for e in out.json()["ledger"]] == [10000]
    assert till.post(f"/api/members/{m['id']}/erase", {"reason": "asked"}).status_code == 403
    gone = till.post(f"/api/members/{m['id']}/erase", {"reason": "asked"}, "M01")
    assert gone.status_code == 200
    after = till.get(f"/api/members/{m['id']}").json()
    assert (after["phone"], after["name"], after["status"]) == (None, "—", "erased")
    assert after["paid"] == 10000  # the ledger stays, under the opaque id
    assert till.get("/api/members?q=1234").json()["members"] == []
    again = till.post("/api/members", {"phone": "13812341234", "name": "回来了"})
    assert again.status_code == 201  # the phone is free again


def test_a_diner_joins_and_signs_in_with_a_one_time_code(local_till: Till) -> None:
    till = local_till
    from hearth.members.signin import Sms

    sent: list[tuple[str, str]] = []

    class Capture:
        def send_code(self, phone: str, code: str) -> None:
            sent.append((phone, code))

    till.node.parts.put(Sms(Capture()))
    bad = till.client.post("/api/members/qr/code", json={"phone": "555"})
    assert bad.status_code == 422 and bad.json()["code"] == "phone-invalid"
    r = till.client.post("/api/members/qr/code", json={"phone": "13812341234"})
    assert r.status_code == 200 and r.json()["phone"] == "138****1234"
    phone, code = sent[-1]
    assert phone == "+8613812341234" and len(code) == 6
    wrong = "000000" if code != "000000" else "111111"
    no = till.client.post("/api/members/qr/verify", json={"phone": phone, "code": wrong})
    assert no.status_code == 422 and no.json()["code"] == "member-code-invalid"
    unknown = till.client.post("/api/members/qr/verify", json={"phone": phone, "code": code})
    assert unknown.status_code == 404  # no member yet, and no name to join with
    till.client.post("/api/members/qr/code", json={"phone": phone})
    code = sent[-1][1]
    joined = till.client.post(
        "/api/members/qr/verify", json={"phone": phone, "code": code, "name": "扫码客"}
    )
    assert joined.status_code == 200, joined.text
    assert joined.json()["member"]["phone"] == "138****1234" and joined.json()["token"]
    again = till.client.post("/api/members/qr/verify", json={"phone": phone, "code": code})
    assert again.status_code == 422  # a code works once


def test_a_null_in_an_update_leaves_the_field_as_it_is(local_till: Till) -> None:
    member = local_till.join("13800000077", "李")
    r = local_till.post(f"/api/members/{member['id']}", {"phone": None, "name": "李先生"})
    assert r.status_code == 200, r.text
    assert (r.json()["phone"], r.json()["name"]) == ("138****0077", "李先生")


def test_one_code_a_minute_per_phone_so_a_script_cannot_send_thousands(local_till: Till) -> None:
    till = local_till
    from hearth.members.signin import RESEND_AFTER_MS, Sms
    from hearth.members.tables import member_otps

    sent: list[str] = []

    class Capture:
        def send_code(self, phone: str, code: str) -> None:
            sent.append(code)

    till.node.parts.put(Sms(Capture()))
    first = till.client.post("/api/members/qr/code", json={"phone": "13812345678"})
    assert first.status_code == 200
    again = till.client.post("/api/members/qr/code", json={"phone": "13812345678"})
    assert again.status_code == 429 and again.json()["code"] == "member-code-too-soon"
    assert 1 <= int(again.headers["Retry-After"]) <= 60 and len(sent) == 1  # no second text
    other = till.client.post("/api/members/qr/code", json={"phone": "13912345678"})
    assert other.status_code == 200 and len(sent) == 2  # another phone is not held up
    with till.node.engine.begin() as conn:  # as if the first code went a minute ago
        conn.execute(
            member_otps.update().values(expires_at_ms=member_otps.c.expires_at_ms - RESEND_AFTER_MS)
        )
    later = till.client.post("/api/members/qr/code", json={"phone": "13812345678"})
    assert later.status_code == 200 and len(sent) == 3


def test_a_duplicate_merges_with_its_money_and_coupons_and_the_merge_undoes(till: Till) -> None:
    till.rule("top_up", "t500", {"pay": 50000, "bonus": 5000})
    dup, kept = till.join("13800000001", "王"), till.join("13800000002", "王女士")
    till.post(f"/api/members/{dup['id']}/top-up", {"amount": 50000})
    t = till.post(
        "/api/members/coupon-templates",
        {"kind": "money_off", "name_zh": "减5", "name_en": "5 off", "value": 500},
        "M01",
    ).json()
    till.post(f"/api/members/{dup['id']}/coupons", {"template_id": t["id"]}, "M01")
    r = till.post(f"/api/members/{dup['id']}/merge", {"into_id": kept["id"]}, "M01")
    assert r.status_code == 200, r.text
    assert r.json()["moved"] == {"points": 0, "paid": 50000, "bonus": 5000}
    now = till.get(f"/api/members/{kept['id']}").json()
    assert (now["paid"], now["bonus"], now["stored_value"]) == (50000, 5000, 55000)
    assert len(till.get(f"/api/members/{kept['id']}/coupons").json()) == 1
    gone = till.get(f"/api/members/{dup['id']}").json()
    assert (gone["status"], gone["stored_value"]) == ("merged", 0)
    order = till.order("rice")
    charged = till.post(
        f"/api/orders/{order}/payments",
        {"tender": "stored_value", "amount": 300, "account_id": dup["id"]},
    )
    assert charged.status_code == 409  # a till still holding the old member is told so
    back = till.post(f"/api/members/{dup['id']}/unmerge", {}, "M01")
    assert back.status_code == 200, back.text
    again = till.get(f"/api/members/{dup['id']}").json()
    assert (again["status"], again["paid"], again["bonus"]) == ("active", 50000, 5000)
    assert till.get(f"/api/members/{kept['id']}").json()["stored_value"] == 0
    assert len(till.get(f"/api/members/{dup['id']}/coupons").json()) == 1


def test_a_manager_sends_a_goodwill_coupon_from_an_order(local_till: Till) -> None:
    till = local_till
    t = till.post(
        "/api/members/coupon-templates",
        {"kind": "percent_off", "name_zh": "9折", "name_en": "10% off", "value": 10},
        "M01",
    ).json()
    bad = till.post(
        "/api/members/coupon-templates",
        {"kind": "percent_off", "name_zh": "x", "name_en": "x", "value": 150},
        "M01",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "coupon-template-invalid"
    m = till.join()
    order = till.order("gbjd")
    body = {"member_id": m["id"], "template_id": t["id"], "reason": "long wait"}
    no = till.post(f"/api/members/orders/{order}/goodwill", body)
    assert no.status_code == 403
    yes = till.post(f"/api/members/orders/{order}/goodwill", body, "M01")
    assert yes.status_code == 201, yes.text
    held = till.get(f"/api/members/{m['id']}/coupons").json()
    assert [(c["reason"], c["from_order_id"], c["status"]) for c in held] == [
        ("goodwill: long wait", order, "issued")
    ]
    used = till.post(f"/api/members/coupons/{held[0]['id']}/redeem", {"order_id": order})
    assert used.status_code == 200
    assert till.get(f"/api/orders/{order}/payments").json()["due"] == 3800 - 380
