"""Every route, as every role and as nobody, against the one matrix in core/permissions.py."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.routing import APIRoute

from hearth.bootstrap import MODULES, public_routes
from hearth.core.permissions import MATRIX, Permission

PUBLIC_ROUTES = public_routes()
# The API's routers; the pages (include_in_schema=False) are HTML for a browser.
ROUTERS = [
    r
    for m in MODULES
    for r in m.routers
    if any(getattr(route, "include_in_schema", False) for route in r.routes)
]

ROLE_STAFF = {"owner": "O01", "manager": "M01", "cashier": "C01", "waiter": "W01", "kitchen": "K01"}


def _permission_of(route: APIRoute) -> Permission | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        perm = getattr(dep.call, "permission", None)
        if perm is not None:
            return perm
        stack.extend(dep.dependencies)
    return None


def all_routes() -> list[tuple[str, str, Permission | None]]:
    result = []
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods:
                result.append((method, route.path, _permission_of(route)))
    return result


def test_every_route_is_either_public_or_guarded():
    unguarded = [
        (m, p) for m, p, perm in all_routes() if perm is None and (m, p) not in PUBLIC_ROUTES
    ]
    assert not unguarded, f"routes without a permission: {unguarded}"


@pytest.mark.parametrize("role", [*ROLE_STAFF, None])
def test_each_role_gets_exactly_what_the_matrix_grants(api, role):
    headers = api.login(ROLE_STAFF[role]) if role else {}
    checked = 0
    for method, path, perm in all_routes():
        if perm is None:
            continue
        url = re.sub(r"\{[^}]+\}", "no-such-id", path)
        r = api.client.request(
            method, url, json={}, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
        )
        body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
        code = body.get("code") if isinstance(body, dict) else None
        if role is None:
            assert r.status_code == 401, (method, path, r.text)
        elif role in MATRIX[perm]:
            assert r.status_code not in (401, 500) and code != "permission-denied", (
                role,
                method,
                path,
                r.status_code,
                r.text,
            )
        else:
            assert r.status_code == 403 and code == "permission-denied", (
                role,
                method,
                path,
                r.status_code,
                r.text,
            )
        checked += 1
    assert checked > 30


def _journal_top(api) -> int:
    return int(api.node.writer.journal.next_seq)


def test_public_changes_refuse_callers_without_their_own_credential(api):
    """Routes open to no staff token (diners' QR calls, the kiosk, platform webhooks, provider
    callbacks, sign-in) each need a credential of their own: without it every one is refused
    with a 4xx problem and nothing is written to the journal."""
    mutating = sorted((m, p) for m, p in PUBLIC_ROUTES if m in ("POST", "PUT", "PATCH", "DELETE"))
    assert len(mutating) >= 10, mutating
    for method, path in mutating:
        before = _journal_top(api)
        url = re.sub(r"\{[^}]+\}", "no-such-id", path)
        r = api.client.request(method, url, json={}, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert 400 <= r.status_code < 500, (method, path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), (path, r.text)
        assert _journal_top(api) == before, f"{method} {path} wrote to the journal"


def test_the_metrics_scrape_takes_its_own_credential_not_a_staff_sign_in(api):
    """/metrics is public to the matrix because it has a credential of its own: the scraper's
    bearer token (HEARTH_METRICS_TOKEN), or with none set this machine only. A staff sign-in,
    even the owner's, opens nothing there."""
    assert ("GET", "/metrics") in PUBLIC_ROUTES
    for headers in ({}, api.login("O01")):
        r = api.client.get("/metrics", headers=headers)  # from "testclient", not 127.0.0.1
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
