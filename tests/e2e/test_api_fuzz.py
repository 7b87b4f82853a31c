"""schemathesis against the store node's own OpenAPI, signed in as the owner: every operation,
no 5xx, and every documented answer matches its schema.

It runs the schemathesis command line against a real node process over HTTP, so the writer,
the subscribers and the middleware are all in the loop; the command line is schemathesis's
stable interface. Bounded: a few examples per operation and a time budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hearth.node import build_node
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess

REPORT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "fuzz"
CHECKS = ("not_a_server_error,content_type_conformance,response_schema_conformance,"
          "status_code_conformance")
MAX_EXAMPLES = int(os.environ.get("HEARTH_FUZZ_EXAMPLES", "8"))
MAX_SECONDS = int(os.environ.get("HEARTH_FUZZ_SECONDS", "120"))


def test_no_server_errors_and_answers_match_their_schema(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    log = tmp_path / "node.log"
    node = NodeProcess(db_url, log=log)
    node.start()
    try:
        token = httpx.post(f"{node.base_url}/api/auth/pin",
                           json={"staff_code": "O01", "pin": ids.pins["O01"]},
                           headers={"X-Terminal-Key": ids.terminal_key}).json()["access_token"]
        operations = len([op for ops in httpx.get(f"{node.base_url}/openapi.json")
                          .json()["paths"].values() for op in ops])
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        report = REPORT_DIR / "run.json"
        schemathesis = Path(sys.executable).parent / "schemathesis"
        run = subprocess.run(
            [str(schemathesis), "run", f"{node.base_url}/openapi.json",
             "--checks", CHECKS, "--header", f"Authorization: Bearer {token}",
             "--header", f"X-Terminal-Key: {ids.terminal_key}",
             "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_SECONDS),
             "--workers", "2", "--seed", "20261125", "--phases", "examples,coverage,fuzzing",
             "--request-timeout", "10", "--suppress-health-check", "all",
             "--report", "json", "--report-json-path", str(report)],
            capture_output=True, text=True, timeout=MAX_SECONDS + 120,
            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""})
    finally:
        node.stop()
    (REPORT_DIR / "output.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, f"schemathesis found problems:\n{run.stdout[-6000:]}"
    assert operations > 40, "the schema should list every endpoint"
    node_log = log.read_text()
    (REPORT_DIR / "node.log").write_text(node_log)
    at = node_log.find("Traceback")
    assert at < 0, f"the node logged a crash while fuzzed:\n{node_log[max(0, at - 2000):][:5000]}"
    summary = json.loads(report.read_text()) if report.exists() else {}
    assert summary != {} or "passed" in run.stdout.lower()


pytestmark = [pytest.mark.slow]
