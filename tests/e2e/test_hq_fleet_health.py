"""The HQ fleet page shows each store's version, last doctor status with its findings (opened
in place), open alerts and last backup, and a store's remote diagnosis view."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.demo import hq as demo_hq
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1400, "height": 900}
CHEAP_ARGON2 = {"HEARTH_HQ_ARGON2_TIME_COST": "1", "HEARTH_HQ_ARGON2_MEMORY_KIB": "1024"}


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[demo_hq.DemoHQ]:
    proc = demo_hq.DemoHQ(
        f"sqlite:///{tmp_path}/hq.db", port=0, log=tmp_path / "hq.log", env=CHEAP_ARGON2
    )
    proc.add_owner()
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def finding(check: str, severity: str, en: str, zh: str, fix_en: str) -> dict[str, object]:
    return {
        "check": check,
        "severity": severity,
        "cause": {"zh": zh, "en": en},
        "works": {"zh": "点单照常", "en": "ordering works"},
        "fix": {"zh": "按提示处理", "en": fix_en},
        "safe_fix": None,
        "facts": {},
    }


def a_store_reports(hq_url: str) -> None:
    """A store joins and sends the report its sync loop would send."""
    code = demo_hq.enrol_code(hq_url, "store-007")
    cred = httpx.post(f"{hq_url}/sync/v1/enrol", json={"enrol_code": code}).json()["credential"]
    now = int(time.time() * 1000)
    body = {
        "version": "1.2.3",
        "reported_at_ms": now,
        "report": {
            "worst": "fail",
            "findings": [
                finding("writer", "ok", "the writer answers in 3 ms", "记账响应 3 ms", ""),
                finding(
                    "printer.Hot",
                    "fail",
                    "printer Hot is out of paper",
                    "打印机 Hot 没纸了",
                    "load a new roll in Hot and close its cover",
                ),
                finding(
                    "clock",
                    "warn",
                    "this box's clock is 12 s ahead of HQ's",
                    "本机时钟比总部快 12 秒",
                    "turn on network time (NTP)",
                ),
            ],
        },
        "alerts": [
            {
                "key": "printer.Hot",
                "severity": "fail",
                "cause": {"zh": "打印机 Hot 没纸了", "en": "printer Hot is out of paper"},
                "raised_at_ms": now - 120_000,
            }
        ],
        "backup": {"file": "b.db", "taken_at_ms": now - 3_600_000, "size": 1, "verified": True},
    }
    r = httpx.post(
        f"{hq_url}/sync/v1/report", json=body, headers={"Authorization": f"Bearer {cred}"}
    )
    assert r.status_code == 200, r.text


def test_the_fleet_shows_each_stores_health_and_a_store_can_be_diagnosed(browser, hq) -> None:
    a_store_reports(hq.url)
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{hq.url}/hq/?lang=en")
    page.fill("#h-code", demo_hq.OWNER_CODE)
    page.fill("#h-password", demo_hq.OWNER_PASSWORD)
    page.click("#login-form button[type=submit]")
    row = "#pane-fleet tr[data-store='store-007']"
    page.wait_for_selector(row)
    assert page.inner_text(f"{row} td.version") == "1.2.3"
    assert "Fault" in page.inner_text(f"{row} td.health")
    assert "1 store alerts" in page.inner_text(f"{row} td.alarms")
    assert "1 h ago" in page.inner_text(f"{row} td.backup")
    page.click(f"{row} td.health summary")  # the findings open in place
    opened = page.inner_text(f"{row} td.health details")
    assert "printer Hot is out of paper" in opened and "load a new roll" in opened
    assert "the writer answers" not in opened  # only what needs looking at
    screenshot(page, "hq-fleet-health")

    page.click(f"{row} button.detail-btn")
    page.wait_for_selector("#store-detail:not(.hidden) table.detail-findings")
    detail = page.inner_text("#store-detail")
    assert "Remote diagnosis" in detail and "version 1.2.3" in detail
    first = page.inner_text("#store-detail table.detail-findings tbody tr:first-child")
    assert "printer.Hot" in first and "ordering works" in first  # faults first
    assert "printer Hot is out of paper" in page.inner_text("#store-detail .detail-alerts")
    screenshot(page, "hq-store-diagnosis")

    page.goto(f"{hq.url}/hq/?lang=zh")
    page.wait_for_selector(row)
    assert "故障" in page.inner_text(f"{row} td.health")
    page.close()
