"""schemathesis hooks for test_api_fuzz (loaded through SCHEMATHESIS_HOOKS).

The document says an Idempotency-Key is 1-200 characters; it cannot say "new for each new
request", and schemathesis sends "0" again and again with different bodies, which the node
rightly refuses (422 idempotency-key-reused). A valid key becomes a fresh one per call, so a
refusal of a valid request is the node's, not the fuzzer's."""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and 1 <= len(value) <= 200:
            headers[name] = uuid.uuid4().hex


# Refusals of a schema-valid request that the document cannot state, by operation and problem
# code (never a whole status): each names a rule about other data or about two fields at once.
# Anything else a valid request is refused with is a promise the document breaks.
#
# An id in the body that names nothing on this node (an item, a table, a station...): the
# schema can only say "a string". (Unknown ids in the path are 404s.)
REFERENCES = frozenset(
    {
        "area-unknown",
        "category-unknown",
        "ingredient-unknown",
        "combo-choice-unknown",
        "combo-slot-unknown",
        "item-unknown",
        "modifier-group-unknown",
        "modifier-option-unknown",
        "modifier-unknown",
        "option-unknown",
        "spec-unknown",
        "station-unknown",
        "table-unknown",
    }
)
# 4 to 12 digits, and 6 for a role whose PIN approves voids and refunds (the role is another
# field, or the person's); a PIN like 1111 or 1234 is too simple: strength is not a pattern
PIN_RULES = frozenset({"pin-invalid", "pin-too-short", "pin-too-simple"})
NAMED_RULES: dict[str, frozenset[str]] = {
    "POST /api/orders": REFERENCES,
    "POST /api/orders/{order_id}/lines": REFERENCES,
    "POST /api/orders/{order_id}/transfer": REFERENCES,
    "POST /api/qr/{token}/lines": REFERENCES,
    "POST /api/tables": REFERENCES,
    "PATCH /api/tables/{table_id}": REFERENCES,
    "POST /api/menu/items": REFERENCES | {"modifier-group-repeated"},
    # ... and a modifier group named twice (ids in a list compared with each other)
    "PATCH /api/menu/items/{item_id}": REFERENCES | {"modifier-group-repeated"},
    "PUT /api/delivery/mappings/{platform}/{sku}": REFERENCES,
    # min choices <= max choices <= options: fields compared with each other
    "POST /api/menu/modifier-groups": REFERENCES | {"modifier-group-bounds"},
    "PUT /api/menu/modifier-groups/{group_id}": REFERENCES | {"modifier-group-bounds"},
    # exactly one of category_id and item_id, naming things that exist
    "POST /api/kitchen/routing-rules": REFERENCES | {"rule-target"},
    "PUT /api/kitchen/routing-rules/{rule_id}": REFERENCES | {"rule-target"},
    # amber before red; since before until: two fields compared
    "POST /api/kitchen/stations/{station_id}/timing": frozenset({"timing-invalid"}),
    "POST /api/payments/reconcile": frozenset({"window-invalid"}),
    # the providers are the node's configuration, not the document's
    "POST /api/payments/providers/{name}": frozenset({"provider-unknown"}),
    "POST /api/staff": PIN_RULES,
    "POST /api/staff/{staff_id}/reset-pin": PIN_RULES,
    # the state of the order: every line on one seat leaves nothing to split
    "POST /api/orders/{order_id}/split-by-seat": frozenset({"split-by-seat-one-seat"}),
    # settings checked against each other (opening hours, rounding with the currency...)
    "PUT /api/store/settings": frozenset({"setting-invalid"}),
    # the platforms' pushes are read raw and checked by signature, so the document lists no
    # body; one sent without any is refused in the platform's own answer shape
    "POST /api/delivery/webhooks/meituan": frozenset({"delivery-content-type"}),
    "POST /api/delivery/webhooks/douyin": frozenset({"delivery-content-type"}),
    # a unit belongs to the ingredient's dimension (mass, volume, count): two fields compared
    "POST /api/inventory/ingredients": REFERENCES | {"unit-unknown"},
    "PATCH /api/inventory/ingredients/{ingredient_id}": REFERENCES | {"unit-unknown"},
    "POST /api/inventory/waste": REFERENCES | {"unit-unknown"},
    "POST /api/inventory/receipts": REFERENCES | {"unit-unknown"},
    "POST /api/inventory/purchase-orders": REFERENCES | {"unit-unknown"},
    "POST /api/inventory/stocktakes": REFERENCES | {"unit-unknown"},
    "POST /api/inventory/transfers/in": REFERENCES | {"unit-unknown"},
    "POST /api/inventory/transfers/out": REFERENCES | {"unit-unknown"},
    "PUT /api/inventory/recipes/{kind}/{target_id}": REFERENCES | {"unit-unknown"},
    # a phone number's validity is its country's numbering plan, and a birthday's the calendar
    # (02-30), not a pattern; tiers are the chain's own (a reference)
    "POST /api/members": frozenset({"phone-invalid", "member-rule-invalid", "tier-unknown"}),
    "POST /api/members/{member_id}": frozenset(
        {"phone-invalid", "member-rule-invalid", "tier-unknown"}
    ),
    # ... and one code per phone a minute: the fuzzer asks for the same phone again and again
    "POST /api/members/qr/code": frozenset({"phone-invalid", "member-code-too-soon"}),
    "POST /api/members/qr/verify": frozenset({"phone-invalid"}),
    # a percent off is 1-100 only for the percent kind: the kind is another field
    "POST /api/members/coupon-templates": frozenset({"coupon-template-invalid"}),
    # one positive share per member named: two lists compared
    "POST /api/members/earn": REFERENCES | {"member-split-invalid"},
    # the file's contents (a workbook or CSV rows), not its JSON envelope
    "POST /api/members/import": frozenset({"member-import-invalid"}),
    # tiers and rules checked against each other (thresholds rising, names per tier); the body
    # is the rules document itself, free-form in the schema, so its texts' rule is not stated
    "POST /api/members/rules": frozenset({"member-rule-invalid", "text-control-characters"}),
    # points redeemed in the store's own step (multiples of what a yuan costs in points)
    "POST /api/members/{member_id}/redeem": frozenset({"member-rule-invalid"}),
}


@schemathesis.check
def positive_data_or_named_rule(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's positive_data_acceptance (same expected statuses, from the config), except
    for a refusal ``NAMED_RULES`` names for this operation."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        code = _problem_code(response)
        if code is not None and code in NAMED_RULES.get(case.operation.label, frozenset()):
            return None
        raise


def _problem_code(response: Any) -> str | None:
    try:
        body = response.json()
    except Exception:  # not JSON: not a problem document
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None
