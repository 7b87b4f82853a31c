"""The kiosk pays by wallet QR through the payments module (scripted providers in-process)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.test_payments_fixtures import Till, providers, till

__all__ = ["providers", "till"]


def kiosk_key(till: Till) -> str:
    r = till.post("/api/terminals", {"name": "Kiosk", "kind": "kiosk"}, who="M01")
    assert r.status_code == 201, r.text
    key: str = r.json()["key"]
    return key


def kiosk(
    till: Till, key: str, method: str, path: str, body: Any = None, idem: str | None = None
) -> Any:
    headers = {"X-Terminal-Key": key}
    if method == "POST":
        headers["Idempotency-Key"] = idem or uuid.uuid4().hex
    return till.client.request(method, f"/api/kiosk{path}", json=body, headers=headers)


def a_kiosk_order(till: Till, key: str) -> dict[str, Any]:
    r = kiosk(
        till,
        key,
        "POST",
        "/orders",
        {
            "lines": [
                {"item_id": till.ids.items["rice"], "quantity": 2},
                {"item_id": till.ids.items["plum"]},
            ]
        },
    )
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    assert order["totals"]["total"] == 2 * 300 + 600
    return order


def test_wallet_qr_is_shown_then_the_poll_sees_the_order_paid(till: Till) -> None:
    till.providers["alipay"].mode = "pending"
    key = kiosk_key(till)
    order = a_kiosk_order(till, key)
    idem = uuid.uuid4().hex
    r = kiosk(till, key, "POST", f"/orders/{order['id']}/pay", {"wallet": "alipay"}, idem)
    assert r.status_code == 200, r.text
    pay = r.json()
    assert pay["status"] == "pending" and pay["amount"] == 1200
    assert pay["qr_image"].startswith("data:image/svg+xml;base64,")
    # A retried tap (same key) is the same payment, never a second charge.
    again = kiosk(till, key, "POST", f"/orders/{order['id']}/pay", {"wallet": "alipay"}, idem)
    assert again.json()["id"] == pay["id"]
    assert till.providers["alipay"].charges == 1

    status = kiosk(till, key, "GET", f"/orders/{order['id']}").json()
    assert (status["status"], status["due"]) == ("open", 1200), "not cooked before it is paid"

    # The customer pays on the phone; the kiosk's poll asks the provider and sees it settled.
    till.providers["alipay"].trades[pay["id"]].status = "succeeded"
    status = kiosk(till, key, "GET", f"/orders/{order['id']}").json()
    assert (status["status"], status["due"], status["paid"]) == ("paid", 0, 1200)
    assert status["number"] == order["number"]
    sent = till.get(f"/api/orders/{order['id']}").json()
    assert {ln["state"] for ln in sent["lines"]} == {"sent"}, "the payment sent it to the kitchen"

    before = till.seq()
    r = kiosk(till, key, "POST", f"/orders/{order['id']}/pay", {"wallet": "alipay"})
    assert r.status_code == 409 and r.json()["code"] == "order-not-payable"
    assert till.seq() == before


def test_a_down_provider_fails_over_and_the_kiosk_still_gets_paid(till: Till) -> None:
    till.providers["alipay"].mode = "down"
    key = kiosk_key(till)
    order = a_kiosk_order(till, key)
    r = kiosk(till, key, "POST", f"/orders/{order['id']}/pay", {"wallet": "alipay"})
    assert r.status_code == 200, r.text
    pay = r.json()
    assert pay["provider"] == "wechat" and pay["status"] == "succeeded"
    assert pay["message_zh"] and pay["message_en"]
    status = kiosk(till, key, "GET", f"/orders/{order['id']}").json()
    assert status["status"] == "paid"
