"""The admin page's Alerts / 告警 tab and the POS alerts banner, on a running node: an open
alert shows its cause and fix on both, and the manager acknowledges it on the admin page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hearth.bootstrap import build_node
from hearth.core.writer import Tx
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_admin_page import sign_in
from tests.e2e.test_pos_page import sign_in as pos_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CAUSE = "printer Kitchen cannot print: paper out"
FIX = "check Kitchen's power, cable, paper and cover"


def raise_one(tx: Tx) -> None:
    tx.append(
        "alert:a1",
        "AlertRaised",
        {
            "id": "a1",
            "key": "printer.Kitchen",
            "severity": "fail",
            "cause": {"zh": "打印机 Kitchen 无法使用：缺纸", "en": CAUSE},
            "works": {"zh": "点单照常", "en": "ordering works"},
            "fix": {"zh": "检查 Kitchen 的纸", "en": FIX},
            "facts": {},
            "raised_at_ms": tx.journal.wall_ms(),
        },
    )


@pytest.fixture
def store_with_an_alert(tmp_path: Path) -> Iterator[LiveStore]:
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.writer.run(raise_one)
    setup.close()
    # Rounds far apart: the alert stays open for the test (nothing here would clear it sooner).
    proc = NodeProcess(db_url, log=tmp_path / "node.log", env={"HEARTH_ALERT_INTERVAL_S": "600"})
    proc.start()
    try:
        yield LiveStore(proc.base_url, ids, proc)
    finally:
        proc.stop()


def test_an_open_alert_is_on_the_admin_tab_and_the_pos_banner(
    browser: Any, store_with_an_alert: LiveStore
) -> None:
    store = store_with_an_alert
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, store)
    page.click("#tab-alerts")
    row = page.wait_for_selector("#alerts-open tr[data-key='printer.Kitchen']")
    assert CAUSE in row.inner_text() and FIX in row.inner_text()
    assert "No group-chat robot" in page.inner_text("#alerts-webhook")
    screenshot(page, "admin-alerts")
    row.query_selector("button.ack").click()
    page.wait_for_selector("#alerts-open tr[data-key='printer.Kitchen'] >> text=Acknowledged")

    till = browser.new_page(viewport={"width": 1024, "height": 768})
    pos_sign_in(till, store, "C01")
    banner = till.wait_for_selector("#alerts-banner:not(.hidden)", timeout=15_000)
    assert CAUSE in banner.inner_text() and f"Fix: {FIX}" in banner.inner_text()
    screenshot(till, "pos-alerts-banner")
