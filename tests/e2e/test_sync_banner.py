"""HQ stops answering (SIGSTOP, as the demo's "pull the plug"): the POS keeps working and its
banner says since when and how many events wait; HQ back, Sync now drains them and the banner
goes. The admin page's HQ tab shows the status and joins an HQ with its code."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.demo import hq as demo_hq
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_admin_page import staff_headers
from tests.e2e.test_hq_pages import CHEAP_ARGON2
from tests.e2e.test_pos_page import sign_in as pos_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1024, "height": 768}


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
        proc.stop()  # also wakes a stopped HQ first


def add_categories(store: LiveStore, n: int) -> None:
    headers = staff_headers(store)
    for i in range(n):
        r = httpx.post(
            f"{store.base_url}/api/menu/categories",
            timeout=10,
            json={"name_zh": f"新分类{i}", "name_en": f"New {i}"},
            headers=headers | {"Idempotency-Key": f"cat-{i}"},
        )
        assert r.status_code == 201, r.text


def test_pos_banner_counts_what_waits_while_hq_is_down_and_sync_now_clears_it(
    browser, hq, live_store
):
    # The manager joins HQ on the admin page's HQ tab.
    code = demo_hq.enrol_code(hq.url, "store-001")
    admin = browser.new_page(viewport=TABLET)
    admin.goto(f"{live_store.base_url}/admin?lang=en")
    admin.fill("#a-code", "M01")
    admin.fill("#a-password", live_store.ids.passwords["M01"])
    admin.click("#login-form button[type=submit]")
    admin.click("#tab-hq")
    admin.wait_for_selector("#enrol-form")
    assert "not joined" in admin.inner_text("#hq-status")
    admin.fill("#enrol-url", hq.url)
    admin.fill("#enrol-code", code)
    admin.click("#enrol-form button[type=submit]")
    admin.wait_for_selector(f"#hq-status td[data-k='HQ address']:text-is('{hq.url}')")
    admin.click("#pane-hq .sync-now")
    admin.wait_for_selector("#hq-status td[data-k='Events waiting']:text-is('0')", timeout=30_000)
    screenshot(admin, "admin-hq-tab")

    page: Any = browser.new_page(viewport=TABLET)
    pos_sign_in(page, live_store, "C01")
    page.wait_for_selector("#sync-banner", state="hidden")
    page.wait_for_selector("header .sync-now:not(.hidden)", timeout=15_000)

    # Pull the plug: HQ is frozen, the store's requests to it time out.
    os.kill(hq.pid, signal.SIGSTOP)
    try:
        add_categories(live_store, 3)  # the till carries on; these wait for HQ
        page.wait_for_selector("#sync-banner:not(.hidden)", timeout=60_000)
        text = page.inner_text("#sync-banner")
        assert "HQ unreachable since" in text and "ordering and payments carry on" in text
        waiting = int(page.get_attribute("#sync-banner", "data-waiting") or 0)
        assert waiting >= 3 and f"{waiting:,} events waiting" in text
        screenshot(page, "pos-hq-unreachable")
    finally:
        os.kill(hq.pid, signal.SIGCONT)  # plug it back

    page.click("header .sync-now")
    page.wait_for_selector("#sync-banner", state="hidden", timeout=60_000)
    assert page.get_attribute("#sync-banner", "data-waiting") == "0"
