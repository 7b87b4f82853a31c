"""The admin page's Drills / 故障演练 tab: the owner runs a drill and watches its steps arrive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_owner_runs_a_restore_drill_and_sees_each_step(
    browser: Any, live_store: LiveStore, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_store.base_url}/admin?lang=en")
    page.fill("#a-code", "O01")
    page.fill("#a-password", live_store.ids.passwords["O01"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tab-drills:visible")
    page.click("#tab-drills")
    page.wait_for_selector("#drills-history > *")
    assert "No drill has been run yet" in page.inner_text("#drills-history")
    page.select_option("#drill-fault", "restore")
    page.check("#drill-force")  # whatever the hour: a service period must not stop the test
    page.click("#drill-start")
    done = page.wait_for_selector(".drill[data-status='passed']", timeout=30_000)
    text = done.inner_text()
    assert "The database restored from backup" in text
    for kind in ("injected", "recovered", "checked"):
        assert done.query_selector(f"li[data-kind='{kind}'].ok"), kind
    assert "nothing lost" in text
    shot = tmp_path / "admin-drills.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
