"""The admin page's Health / 健康 tab and ``hearth doctor --url`` against a running node."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from hearth.cli import app
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_admin_page import sign_in, staff_headers

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_health_tab_shows_the_report_and_fixes_what_is_safe(
    browser: Any, live_store: LiveStore
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_store)
    page.click("#tab-health")
    row = page.wait_for_selector("#health-table tr[data-check='backup']")
    assert "no backup has been taken yet" in row.inner_text()
    assert page.locator("#health-table tr[data-check='database.integrity'] .badge.ok").count()
    page.click("#health-fix")
    page.wait_for_selector("#health-fixes li.ok")
    assert "checkpointed the write-ahead log" in page.inner_text("#health-fixes")
    screenshot(page, "admin-health")


def test_doctor_cli_reads_a_running_node_over_its_api(live_store: LiveStore) -> None:
    token = staff_headers(live_store)["Authorization"].removeprefix("Bearer ")
    result = CliRunner().invoke(
        app, ["doctor", "--url", live_store.base_url, "--token", token, "--lang", "en"]
    )
    assert result.exit_code in (1, 2), result.output  # no backup taken yet: at least a warn
    assert "writer" in result.output and "payments" in result.output  # live checks ran
    refused = CliRunner().invoke(app, ["doctor", "--url", live_store.base_url, "--token", "x"])
    assert refused.exit_code == 1 and "Fix" in refused.output
