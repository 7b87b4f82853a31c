"""The OpenAPI document promises only what the node accepts: a client generated from it works on
the first try (issue 12, section 6)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth.payments.api import ACCOUNT_QUERY

MUTATING = ("post", "put", "patch", "delete")


def _operations(api: Any) -> list[tuple[str, str, dict[str, Any]]]:
    paths = api.client.get("/openapi.json").json()["paths"]
    return [
        (path, method, op)
        for path, ops in paths.items()
        for method, op in ops.items()
        if isinstance(op, dict)
    ]


def _header(op: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next(
        (p for p in op.get("parameters", ()) if p["in"] == "header" and p["name"].lower() == name),
        None,
    )


def test_every_change_documents_its_idempotency_key_as_required(api):
    keyed = [
        (path, method, _header(op, "idempotency-key"))
        for path, method, op in _operations(api)
        if method in MUTATING
    ]
    documented = [(path, method, h) for path, method, h in keyed if h is not None]
    assert len(documented) > 30, "most changes take an Idempotency-Key"
    optional = [(method, path) for path, method, h in documented if not h.get("required")]
    assert optional == [], f"documented as optional but refused when missing: {optional}"
    schema = documented[0][2]["schema"]
    assert (schema.get("minLength"), schema.get("maxLength")) == (1, 200)


def test_a_change_without_a_key_is_still_the_nodes_own_problem_not_a_422(api):
    h = api.login("W01")
    body = {
        "table_id": api.ids.tables["A01"],
        "lines": [{"item_id": api.ids.items["rice"], "quantity": 1}],
    }
    for headers in (h, {**h, "Idempotency-Key": ""}, {**h, "Idempotency-Key": "k" * 201}):
        r = api.client.post("/api/orders", json=body, headers=headers)
        assert r.status_code == 400, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "idempotency-key-missing"
        assert r.json()["field"] == "Idempotency-Key"
    # A broken body and no key: the key is what is asked for first, as before.
    r = api.client.post("/api/orders", json={"lines": "nope"}, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "idempotency-key-missing"
    r = api.post("/api/orders", body, h)
    assert r.status_code == 201, r.text


def test_a_405_names_every_method_the_path_serves(api):
    h = api.login("O01")
    documented: dict[str, set[str]] = {}
    for path, method, _ in _operations(api):
        documented.setdefault(path, set()).add(method.upper())
    several = next(p for p, ms in documented.items() if len(ms) > 1 and "{" not in p)
    for path in ("/api/floor", several):
        unused = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in documented[path])
        r = api.client.request(unused, path, headers={**h, "Idempotency-Key": "k405"})
        assert r.status_code == 405, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        allow = {m.strip() for m in r.headers["Allow"].split(",")}
        assert documented[path] <= allow, (path, allow)
        assert unused not in allow


def test_finding_an_account_takes_one_required_query_with_its_rule_documented(api):
    op = api.client.get("/openapi.json").json()["paths"]["/api/payments/accounts"]["get"]
    params = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    assert list(params) == ["q"], "one query, not two optional ones of which one is needed"
    assert params["q"]["required"] is True
    assert params["q"]["schema"]["pattern"] == ACCOUNT_QUERY


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.from_regex(ACCOUNT_QUERY, fullmatch=True).filter(lambda q: len(q) <= 64))
def test_every_query_the_document_allows_is_answered(api, q):
    h = getattr(api, "_cashier", None) or api.login("C01")
    api._cashier = h
    r = api.client.get(f"/api/payments/accounts?q={quote(q)}", headers=h)
    assert r.status_code == 200, (q, r.text)
