"""Cash, stored value, split tender, tips, refunds, replays and shifts through the HTTP API."""

from __future__ import annotations

import json

from hearth.payments.service import payments_for_receipt
from tests.integration.test_payments_fixtures import Till, providers, till
from tests.unit.test_payment_fake_provider import sign

__all__ = ["providers", "till"]
MANAGER = {"staff_code": "M01", "pin": "246813"}


def an_account(till: Till, balance: int) -> str:
    r = till.post(
        "/api/payments/accounts", {"name": "王女士", "phone": "13800000000", "balance": balance}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_cash_with_change_marks_the_order_paid(till: Till) -> None:
    order = till.order("gbjd")  # 38.00
    r = till.pay(order["id"], tender="cash", amount=3800, tendered=5000)
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["status"], p["change_due"], p["tender"]) == ("succeeded", 1200, "cash")
    assert "找零 12.00" in p["message_zh"] and "change due 12.00" in p["message_en"]
    bill = till.bill(order["id"])
    assert (bill["paid"], bill["due"], bill["status"]) == (3800, 0, "paid")


def test_cash_too_little_is_refused_and_nothing_written(till: Till) -> None:
    order = till.order("gbjd")
    before = till.seq()
    r = till.pay(order["id"], tender="cash", amount=3800, tendered=2000)
    assert r.status_code == 422 and r.json()["code"] == "tendered-too-little"
    assert till.seq() == before


def test_split_cash_and_stored_value_settles_the_bill(till: Till) -> None:
    account = an_account(till, 3000)
    order = till.order("gbjd", "rice")  # 41.00
    cash = till.pay(order["id"], tender="cash", amount=2000, tendered=2000)
    assert cash.json()["status"] == "succeeded"
    assert till.bill(order["id"])["status"] == "submitted"
    sv = till.pay(order["id"], tender="stored_value", amount=2100, account_id=account)
    assert sv.status_code == 200 and sv.json()["status"] == "succeeded", sv.text
    bill = till.bill(order["id"])
    assert (bill["paid"], bill["due"], bill["status"]) == (4100, 0, "paid")
    assert till.get(f"/api/payments/accounts/{account}").json()["balance"] == 900
    with till.node.engine.connect() as conn:
        receipt = payments_for_receipt(conn, till.node.settings.store_id, order["id"])
    assert [(x["tender"], x["amount"]) for x in receipt] == [("cash", 2000), ("stored_value", 2100)]


def test_stored_value_never_goes_negative(till: Till) -> None:
    account = an_account(till, 1000)
    order = till.order("gbjd")
    before = till.seq()
    r = till.pay(order["id"], tender="stored_value", amount=3800, account_id=account)
    assert r.status_code == 409 and r.json()["code"] == "balance-too-low"
    assert till.seq() == before


def test_more_than_due_is_refused(till: Till) -> None:
    order = till.order("rice")
    r = till.pay(order["id"], tender="cash", amount=301)
    assert r.status_code == 422 and r.json()["code"] == "amount-above-due"


def test_tip_on_a_closed_bill_is_refused(till: Till) -> None:
    order = till.order("rice")
    assert till.pay(order["id"], tender="cash", amount=300).status_code == 200
    before = till.seq()
    r = till.pay(order["id"], tender="cash", amount=0, tip=500)
    assert r.status_code == 409 and r.json()["code"] == "bill-closed"
    assert till.seq() == before


def test_tip_on_an_open_bill_is_kept_apart(till: Till) -> None:
    order = till.order("rice")
    r = till.pay(order["id"], tender="cash", amount=300, tip=100, tendered=500)
    assert r.json()["change_due"] == 100
    bill = till.bill(order["id"])
    assert (bill["paid"], bill["tips"], bill["due"]) == (300, 100, 0)


def test_cash_is_rounded_to_the_smallest_coin_in_use(till: Till) -> None:
    till.node.settings.payment_cash_rounding_unit = 10
    order = till.order("gbjd")
    # Stored value pays all but 0.05; the cash that settles the bill is rounded to a jiao.
    account = an_account(till, 5000)
    till.pay(order["id"], tender="stored_value", amount=3795, account_id=account)
    r = till.pay(order["id"], tender="cash", amount=5, tendered=100)
    p = r.json()
    assert r.status_code == 200, r.text
    assert (p["rounding"], p["change_due"]) == (5, 90)  # 0.05 rounds up to 0.10
    assert till.bill(order["id"])["status"] == "paid"


def test_replayed_request_gets_the_same_answer_and_nothing_twice(till: Till) -> None:
    order = till.order("gbjd")
    first = till.pay(order["id"], key="pay-1", tender="cash", amount=3800, tendered=4000)
    seq = till.seq()
    again = till.pay(order["id"], key="pay-1", tender="cash", amount=3800, tendered=4000)
    assert again.status_code == 200 and again.json() == first.json()
    assert till.seq() == seq
    other = till.pay(order["id"], key="pay-1", tender="cash", amount=100)
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    assert len(till.bill(order["id"])["payments"]) == 1


def test_refund_needs_a_manager_pin_and_never_exceeds_what_was_paid(till: Till) -> None:
    order = till.order("gbjd")
    pid = till.pay(order["id"], tender="cash", amount=3800).json()["id"]
    before = till.seq()
    r = till.post(f"/api/payments/{pid}/refund", {"amount": 1000, "reason": "cold"})
    assert r.status_code == 403 and r.json()["code"] == "approval-required"
    r = till.post(
        f"/api/payments/{pid}/refund",
        {"amount": 1000, "reason": "cold", "approval": {"staff_code": "W01", "pin": "2234"}},
    )
    assert r.status_code == 403 and r.json()["code"] == "approval-not-a-manager"
    r = till.post(
        f"/api/payments/{pid}/refund", {"amount": 3801, "reason": "cold", "approval": MANAGER}
    )
    assert r.status_code == 422 and r.json()["code"] == "refund-above-paid"
    assert till.seq() == before + 2  # only the two PIN attempts were journaled
    ok = till.post(
        f"/api/payments/{pid}/refund", {"amount": 1000, "reason": "cold", "approval": MANAGER}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["refund"]["status"] == "succeeded" and ok.json()["refunded"] == 1000
    r = till.post(
        f"/api/payments/{pid}/refund", {"amount": 2801, "reason": "cold", "approval": MANAGER}
    )
    assert r.status_code == 422 and r.json()["code"] == "refund-above-paid"


def test_refund_to_stored_value_goes_back_on_the_card(till: Till) -> None:
    account = an_account(till, 5000)
    order = till.order("gbjd")
    pid = till.pay(order["id"], tender="stored_value", amount=3800, account_id=account).json()["id"]
    r = till.post(
        f"/api/payments/{pid}/refund",
        {"amount": 3800, "reason": "wrong table", "approval": MANAGER},
    )
    assert r.json()["status"] == "refunded"
    assert till.get(f"/api/payments/accounts/{account}").json()["balance"] == 5000


def test_top_up_is_journaled_and_needs_payment_take(till: Till) -> None:
    account = an_account(till, 0)
    r = till.post(f"/api/payments/accounts/{account}/top-up", {"amount": 2000})
    assert r.json()["balance"] == 2000
    r = till.post(f"/api/payments/accounts/{account}/top-up", {"amount": 2000}, who="K01")
    assert r.status_code == 403


def test_shift_close_journals_the_difference(till: Till) -> None:
    shift = till.post("/api/shifts/open", {"float": 20000}).json()
    order = till.order("gbjd", "rice")  # 41.00
    till.pay(order["id"], tender="cash", amount=4100, tendered=5000)  # change 9.00
    till.post(f"/api/shifts/{shift['id']}/pay-in", {"amount": 1000, "reason": "coins"})
    till.post(f"/api/shifts/{shift['id']}/pay-out", {"amount": 500, "reason": "ice"})
    current = till.get("/api/shifts/current").json()
    assert current["expected"] == 20000 + 5000 - 900 + 1000 - 500
    closed = till.post(f"/api/shifts/{shift['id']}/close", {"counted": 24500}).json()
    assert (closed["expected"], closed["difference"]) == (24600, -100)
    assert till.get("/api/shifts/current").status_code == 404
    r = till.post(f"/api/shifts/{shift['id']}/pay-in", {"amount": 1, "reason": "late"})
    assert r.status_code == 409


def test_callback_with_bad_signature_or_wrong_amount_writes_nothing(till: Till) -> None:
    order = till.order("gbjd")
    till.providers["alipay"].mode = "pending"
    p = till.pay(order["id"], tender="wallet_qr", amount=3800).json()
    assert p["status"] == "pending" and p["qr_content"]
    before = till.seq()
    body = json.dumps(
        {"intent_id": p["id"], "status": "succeeded", "amount": 3800, "event_id": "ev-1"}
    ).encode()
    r = till.client.post(
        "/api/payments/callbacks/alipay", content=body, headers={"x-signature": "forged"}
    )
    assert r.status_code == 401 and r.json()["code"] == "callback-invalid"
    wrong = json.dumps(
        {"intent_id": p["id"], "status": "succeeded", "amount": 1, "event_id": "ev-2"}
    ).encode()
    r = till.client.post(
        "/api/payments/callbacks/alipay", content=wrong, headers={"x-signature": sign(wrong)}
    )
    assert r.status_code == 422 and r.json()["code"] == "callback-mismatch"
    assert till.seq() == before
    r = till.client.post(
        "/api/payments/callbacks/alipay", content=body, headers={"x-signature": sign(body)}
    )
    assert (r.status_code, r.text) == (200, "success"), "Alipay's protocol wants `success`"
    assert r.headers["Hearth-Callback-Duplicate"] == "false"
    seq = till.seq()
    r = till.client.post(
        "/api/payments/callbacks/alipay", content=body, headers={"x-signature": sign(body)}
    )
    assert (r.status_code, r.text) == (200, "success"), "a duplicate is acknowledged too"
    assert r.headers["Hearth-Callback-Duplicate"] == "true" and till.seq() == seq
    assert till.bill(order["id"])["status"] == "paid"


def test_paying_an_unsent_order_in_full_sends_it_to_the_kitchen(till: Till) -> None:
    """Pay first (a counter or kiosk order): the payment that settles it sends it and marks it
    paid in one transaction, so nothing is cooked unpaid and nothing paid is left unsent."""
    order = till.order("gbjd", submit=False)
    assert order["status"] == "open"
    part = till.pay(order["id"], tender="cash", amount=1000, tendered=1000)
    assert part.status_code == 200, part.text
    after_part = till.get(f"/api/orders/{order['id']}").json()
    assert after_part["status"] == "open", "a part payment sends nothing"
    assert {ln["state"] for ln in after_part["lines"]} == {"pending"}

    rest = till.pay(order["id"], tender="cash", amount=2800, tendered=3000)
    assert rest.status_code == 200, rest.text
    done = till.get(f"/api/orders/{order['id']}").json()
    assert done["status"] == "paid"
    assert {ln["state"] for ln in done["lines"]} == {"sent"}


def test_a_paid_order_with_everything_on_hold_keeps_its_payment(till: Till) -> None:
    """The kitchen refuses (nothing to send) before anything is written; the money is taken
    all the same, so the payment stands and the order waits for staff to fire it."""
    r = till.post(
        "/api/orders",
        {"channel": "takeaway", "lines": [{"item_id": till.ids.items["rice"], "held": True}]},
        who="W01",
    )
    assert r.status_code == 201, r.text
    order = r.json()
    paid = till.pay(
        order["id"],
        tender="cash",
        amount=order["totals"]["total"],
        tendered=order["totals"]["total"],
    )
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded", paid.text
    after = till.get(f"/api/orders/{order['id']}").json()
    assert after["status"] == "open" and {ln["state"] for ln in after["lines"]} == {"pending"}
    assert till.bill(order["id"])["due"] == 0


def test_the_cashier_finds_a_member_by_phone_or_account_number(till: Till) -> None:
    wang = till.post(
        "/api/payments/accounts", {"name": "王女士", "phone": "13800000001", "balance": 50_000}
    ).json()
    li = till.post(
        "/api/payments/accounts", {"name": "李先生", "phone": "13900000001", "balance": 12_000}
    ).json()
    assert wang["number"] == wang["id"].replace("-", "")[-8:].upper()
    found = till.get("/api/payments/accounts?q=13800000001").json()
    assert [(a["id"], a["balance"]) for a in found] == [(wang["id"], 50_000)]
    assert {a["id"] for a in till.get("/api/payments/accounts?q=0001").json()} == {
        wang["id"],
        li["id"],
    }, "the last four digits find both"
    assert [a["id"] for a in till.get("/api/payments/accounts?q=138-0000-0001").json()] == [
        wang["id"]
    ]
    assert [
        a["id"] for a in till.get(f"/api/payments/accounts?q={li['number'].lower()}").json()
    ] == [li["id"]]
    assert [a["id"] for a in till.get(f"/api/payments/accounts?q={li['number']}").json()] == [
        li["id"]
    ]
    assert till.get("/api/payments/accounts?q=13700000000").json() == []
    for bad in ("q=12", "q=%E7%8E%8B", "q=------", "phone=13800000001", ""):
        r = till.get(f"/api/payments/accounts?{bad}")
        assert r.status_code == 422, (bad, r.text)
    assert till.get("/api/payments/accounts?q=0001", who="K01").status_code == 403
    # Found by phone, then paid from it.
    order = till.order("gbjd")
    p = till.pay(order["id"], tender="stored_value", amount=3800, account_id=found[0]["id"])
    assert p.json()["status"] == "succeeded", p.text
    assert till.get("/api/payments/accounts?q=13800000001").json()[0]["balance"] == 46_200


def test_cash_is_rounded_as_the_store_set_it_and_the_bill_says_so(till: Till) -> None:
    order = till.order("gbjd")  # 38.00
    assert till.bill(order["id"])["cash_rounding_unit"] == 1
    settings = till.get("/api/store/settings").json()
    settings.update(cash_rounding="yuan")
    r = till.client.put(
        "/api/store/settings",
        json=settings,
        headers={**till.login("M01"), "Idempotency-Key": "s-1"},
    )
    assert r.status_code == 200, r.text
    assert till.bill(order["id"])["cash_rounding_unit"] == 100
    account = an_account(till, 5000)
    till.pay(order["id"], tender="stored_value", amount=3750, account_id=account)
    p = till.pay(order["id"], tender="cash", amount=50, tendered=500).json()
    assert (p["rounding"], p["change_due"]) == (50, 400)  # 0.50 rounds up to 1.00


def test_the_demo_members_are_printed_with_their_phone_and_balance(till: Till) -> None:
    from hearth.demo.payments import DEMO_MEMBERS, member_lines, seed_demo

    seed_demo(till.node, {})
    lines = member_lines(till.node.settings)
    assert len(lines) == 1 + len(DEMO_MEMBERS)
    for name, phone, balance in DEMO_MEMBERS:
        line = next(x for x in lines if phone in x)
        assert name in line and f"¥{balance // 100}.{balance % 100:02d}" in line
    found = till.get(f"/api/payments/accounts?q={DEMO_MEMBERS[0][1]}").json()
    assert found[0]["number"] in next(x for x in lines if DEMO_MEMBERS[0][1] in x)
