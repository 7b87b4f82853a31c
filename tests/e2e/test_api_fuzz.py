"""schemathesis against the store node's own OpenAPI, signed in as the owner: every operation,
no 5xx, every documented answer matches its schema, a request the document allows is accepted
(positive data: what a client generated from the document sends works on the first try), a
missing required header is refused, and an undocumented method gets 405 with ``Allow``.

It runs the schemathesis command line against a real node process over HTTP, so the writer,
the subscribers and the middleware are all in the loop; the command line is schemathesis's
stable interface. Bounded: a few examples per operation and a time budget. One worker: with
two, hypothesis's lambda-source cache in the schemathesis process races and reports its own
internal error now and then.

Path parameters name real things (an open order and its line, a table and its signed QR token,
a station, a stored-value account, an open shift…) through a schemathesis config, so fuzzed
bodies reach the use cases instead of stopping at "not found".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from hearth.bootstrap import build_node
from hearth.testing.builders import DemoIds, a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess

REPORT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "fuzz"
# positive_data_or_named_rule (fuzz_hooks) is schemathesis's positive_data_acceptance with the
# few refusals the document cannot state (an id the menu does not hold, two fields compared, PIN
# strength...) allowed by operation and problem code; the rest (control characters, role and
# platform names, 53-bit integers) the document says.
CHECKS = (
    "not_a_server_error,content_type_conformance,response_schema_conformance,"
    "status_code_conformance,missing_required_header,unsupported_method,"
    "positive_data_or_named_rule"
)
# Schema-valid requests the node may still refuse: ids that name nothing here (404) and changes
# the current state forbids (409: the order is already paid). Anything else a valid request
# gets refused with is a promise the OpenAPI document makes and the node breaks.
ACCEPTED = '"2XX", "401", "403", "404", "409"'
# Operations that make the node connect to a host named in the request (a printer's address, an
# HQ's URL): fuzzed, they would send packets to whatever address the fuzzer invents, and tests
# here talk only to this machine. Their validation is tested with loopback addresses instead.
OUTWARD = r"^/api/(printers|sync/enrol)"
MAX_EXAMPLES = int(os.environ.get("HEARTH_FUZZ_EXAMPLES", "8"))
MAX_SECONDS = int(os.environ.get("HEARTH_FUZZ_SECONDS", "120"))


def test_no_server_errors_and_answers_match_their_schema(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    stations = a_kitchen(setup, ids)
    setup.close()
    log = tmp_path / "node.log"
    node = NodeProcess(db_url, log=log)
    node.start()
    try:
        token = httpx.post(
            f"{node.base_url}/api/auth/pin",
            json={"staff_code": "O01", "pin": ids.pins["O01"]},
            headers={"X-Terminal-Key": ids.terminal_key},
        ).json()["access_token"]
        operations = len(
            [
                op
                for ops in httpx.get(f"{node.base_url}/openapi.json").json()["paths"].values()
                for op in ops
            ]
        )
        config = tmp_path / "schemathesis.toml"
        config.write_text(real_things(node.base_url, token, ids, stations))
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        report = REPORT_DIR / "run.json"
        schemathesis = Path(sys.executable).parent / "schemathesis"
        run = subprocess.run(
            [
                str(schemathesis),
                "--config-file",
                str(config),
                "run",
                f"{node.base_url}/openapi.json",
                "--checks",
                CHECKS,
                "--header",
                f"Authorization: Bearer {token}",
                "--header",
                f"X-Terminal-Key: {ids.terminal_key}",
                "--exclude-path-regex",
                OUTWARD,
                "--max-examples",
                str(MAX_EXAMPLES),
                "--max-time",
                str(MAX_SECONDS),
                "--workers",
                "1",
                "--seed",
                "20261125",
                "--phases",
                "examples,coverage,fuzzing",
                "--request-timeout",
                "10",
                "--suppress-health-check",
                "all",
                "--report",
                "json",
                "--report-json-path",
                str(report),
            ],
            capture_output=True,
            text=True,
            timeout=MAX_SECONDS + 120,
            env={
                **os.environ,
                "NO_COLOR": "1",
                "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                "PYTHONPATH": os.pathsep.join(
                    [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
                ),
            },
        )
    finally:
        node.stop()
    (REPORT_DIR / "output.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, f"schemathesis found problems:\n{run.stdout[-6000:]}"
    assert operations > 40, "the schema should list every endpoint"
    node_log = log.read_text()
    (REPORT_DIR / "node.log").write_text(node_log)
    at = node_log.find("Traceback")
    assert at < 0, f"the node logged a crash while fuzzed:\n{node_log[max(0, at - 2000) :][:5000]}"
    summary = json.loads(report.read_text()) if report.exists() else {}
    assert summary != {} or "passed" in run.stdout.lower()


def real_things(base: str, token: str, ids: DemoIds, stations: dict[str, str]) -> str:
    """A schemathesis config whose path parameters name things that exist on this node."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:

        def post(path: str, body: dict[str, object]) -> dict[str, object]:
            r = http.post(path, json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
            assert r.status_code in (200, 201), r.text
            answer: dict[str, object] = r.json()
            return answer

        order = post(
            "/api/orders",
            {
                "table_id": ids.tables["A01"],
                "lines": [
                    {"item_id": ids.items["gbjd"], "modifier_option_ids": [ids.options["Mild"]]},
                    {"item_id": ids.items["rice"], "quantity": 2},
                ],
            },
        )
        lines = order["lines"]
        assert isinstance(lines, list)
        account = post("/api/payments/accounts", {"name": "Fuzz", "balance": 10_000})
        shift = post("/api/shifts/open", {"float": 50_000})
        qr = http.get(f"/api/tables/{ids.tables['A02']}/qr").json()
    known = {
        "order_id": order["id"],
        "line_id": lines[0]["id"],
        "item_id": ids.items["gbjd"],
        "table_id": ids.tables["A02"],
        "token": qr["token"],
        "station_id": stations["hot"],
        "category_id": ids.categories["hot"],
        "group_id": ids.groups["spice"],
        "staff_id": ids.staff["W01"],
        "account_id": account["id"],
        "shift_id": shift["id"],
    }
    return (
        f"[checks.positive_data_acceptance]\nexpected-statuses = [{ACCEPTED}]\n\n"
        "[parameters]\n" + "".join(f'"path.{k}" = "{v}"\n' for k, v in known.items())
    )


pytestmark = [pytest.mark.slow]
