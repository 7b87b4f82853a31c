#!/usr/bin/env bash
# A cashier's session in plain HTTP against `make demo` (needs curl and jq).
#   TERMINAL_KEY=<key printed by make demo> bash docs/curl-session.sh
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8000}
: "${TERMINAL_KEY:?set TERMINAL_KEY to the key make demo printed}"
key() { cat /proc/sys/kernel/random/uuid; }

echo "== sign in as cashier C01 on the registered till"
TOKEN=$(curl -sf "$BASE/api/auth/pin" -H "X-Terminal-Key: $TERMINAL_KEY" \
  -H 'Content-Type: application/json' -d '{"staff_code":"C01","pin":"1357"}' | jq -r .access_token)
AUTH="Authorization: Bearer $TOKEN"

echo "== find Kung Pao Chicken by pinyin initials, and a table"
DISH=$(curl -sf "$BASE/api/menu/search?q=gbjd" -H "$AUTH" | jq -r '.[0].id')
MENU=$(curl -sf "$BASE/api/menu" -H "$AUTH")
MODS=$(echo "$MENU" | jq -c --arg id "$DISH" '.items[] | select(.id==$id) | .modifier_group_ids')
SPICE=$(echo "$MENU" | jq -r --argjson g "$MODS" \
  '[.modifier_groups[] | select(.id as $x | $g | index($x)) | select(.min_choices>0)][0].options[1].id')
RICE=$(curl -sf "$BASE/api/menu/search?q=yzcf" -H "$AUTH" | jq -r '.[0].id')
TABLE=$(curl -sf "$BASE/api/floor" -H "$AUTH" | jq -r '.[0].tables[0].id')

echo "== place an order with a modifier on seat 1 and send it to the kitchen"
ORDER=$(curl -sf "$BASE/api/orders" -H "$AUTH" -H "Idempotency-Key: $(key)" \
  -H 'Content-Type: application/json' -d "{\"channel\":\"dine_in\",\"table_id\":\"$TABLE\",
  \"guests\":2,\"submit\":true,\"lines\":[{\"item_id\":\"$DISH\",\"seat\":1,
  \"modifier_option_ids\":[\"$SPICE\"],\"note\":\"少油\"}]}")
OID=$(echo "$ORDER" | jq -r .id)
echo "$ORDER" | jq '{number, status, lines: [.lines[] | {name_en, modifiers: [.modifiers[].name_en], unit_price}], totals}'

echo "== add two Yangzhou fried rice for seat 2"
curl -sf "$BASE/api/orders/$OID/lines" -H "$AUTH" -H "Idempotency-Key: $(key)" \
  -H 'Content-Type: application/json' \
  -d "{\"submit\":true,\"lines\":[{\"item_id\":\"$RICE\",\"quantity\":2,\"seat\":2}]}" \
  | jq '{status, total: .totals.total, lines: (.lines | length)}'

echo "== split seat 2 onto its own bill"
curl -sf "$BASE/api/orders/$OID/split-by-seat" -H "$AUTH" -H "Idempotency-Key: $(key)" \
  -X POST | jq '.orders[] | {number, split_from, total: .totals.total}'

echo "== void the chicken: refused without a manager, accepted with M01's PIN"
LINE=$(curl -sf "$BASE/api/orders/$OID" -H "$AUTH" | jq -r '.lines[0].id')
curl -s "$BASE/api/orders/$OID/lines/$LINE/void" -H "$AUTH" -H "Idempotency-Key: $(key)" \
  -H 'Content-Type: application/json' -d '{"reason":"guest changed their mind"}' | jq '{status, code, detail}'
curl -sf "$BASE/api/orders/$OID/lines/$LINE/void" -H "$AUTH" -H "Idempotency-Key: $(key)" \
  -H 'Content-Type: application/json' \
  -d '{"reason":"guest changed their mind","approval":{"staff_code":"M01","pin":"258036"}}' \
  | jq '{status, lines: [.lines[] | {name_en, state, void_reason}], total: .totals.total}'
