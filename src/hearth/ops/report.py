"""The doctor's report for people: a rich table in the chosen language, and a support bundle.

The bundle is what a store sends support: the report, the settings and the last log lines,
with every secret replaced and every phone number masked, so it can go by chat or e-mail.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from hearth.core.config import Settings
from hearth.ops.domain import Finding, Severity, mask_phones, redact

COLOUR = {Severity.OK: "green", Severity.WARN: "yellow", Severity.FAIL: "bold red"}
HEADERS = {
    "zh": ("状态", "检查项", "原因", "仍可用", "处理办法"),
    "en": ("", "Check", "Cause", "What still works", "Fix"),
}
LABEL = {
    "zh": {Severity.OK: "正常", Severity.WARN: "注意", Severity.FAIL: "故障"},
    "en": {Severity.OK: "ok", Severity.WARN: "warn", Severity.FAIL: "fail"},
}
LOG_LINES = 2000


def table(findings: Sequence[Finding], lang: str = "zh") -> Table:
    lang = lang if lang in HEADERS else "zh"
    out = Table(title="hearth doctor", show_lines=False)
    for h in HEADERS[lang]:
        out.add_column(h, overflow="fold")
    order = {Severity.FAIL: 0, Severity.WARN: 1, Severity.OK: 2}
    for f in sorted(findings, key=lambda f: (order[f.severity], f.check)):
        colour = COLOUR[f.severity]
        out.add_row(
            f"[{colour}]{LABEL[lang][f.severity]}[/]",
            f.check,
            f.cause(lang),
            f.works(lang),
            f.fix(lang),
        )
    return out


def fixes_lines(fixes: Sequence[Mapping[str, Any]], lang: str = "zh") -> list[str]:
    return [("✓ " if x["ok"] else "✗ ") + str(x["zh" if lang == "zh" else "en"]) for x in fixes]


def _tail(path: Path, lines: int = LOG_LINES) -> str:
    with path.open(encoding="utf-8", errors="replace") as fh:
        return "".join(deque(fh, maxlen=lines))


def write_bundle(
    path: Path, report: Mapping[str, Any], settings: Settings, log_file: Path | None = None
) -> Path:
    """A zip with report.json, settings.json and log.txt, secrets and phones redacted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("report.json", json.dumps(redact(report), ensure_ascii=False, indent=2))
        z.writestr(
            "settings.json",
            json.dumps(redact(settings.model_dump(mode="json")), ensure_ascii=False, indent=2),
        )
        if log_file is not None and log_file.exists():
            z.writestr("log.txt", mask_phones(_redact_log(_tail(log_file))))
        z.writestr(
            "README.txt",
            f"hearth doctor bundle, {time.strftime('%Y-%m-%d %H:%M:%S')}"
            "\nSecrets are replaced by *** and phone numbers masked.\n",
        )
    return path


def _redact_log(text: str) -> str:
    """Structured log lines carry their fields as key=value or JSON: hide secret-named ones."""
    out = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                out.append(json.dumps(redact(json.loads(stripped)), ensure_ascii=False) + "\n")
                continue
            except ValueError:
                pass
        out.append(_KV.sub(lambda m: f"{m.group(1)}=***", line))
    return "".join(out)


_KV = re.compile(
    r"\b(\w*(?:secret|key|credential|password|token|pin|authorization)\w*)=\S+", re.IGNORECASE
)


def fetch_remote(url: str, token: str | None, fix: bool, timeout_s: float = 15.0) -> dict[str, Any]:
    """The running node's own report (only it sees its printers, screens and providers)."""
    import uuid

    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    base = url.rstrip("/")
    with httpx.Client(timeout=timeout_s) as client:
        if fix:
            r = client.post(
                f"{base}/api/ops/doctor/fix",
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
        else:
            r = client.get(f"{base}/api/ops/doctor", headers=headers)
    r.raise_for_status()
    return dict(r.json())
