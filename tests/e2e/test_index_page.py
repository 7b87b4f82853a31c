"""The store node serves its own pages, in Chinese or English, with nothing from the internet."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_index_switches_language_and_loads_only_local_assets(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 700})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(live_store.base_url) else None)
    page.goto(f"{live_store.base_url}/?lang=zh")
    assert "炉火小馆" in page.locator(".brand").inner_text()
    page.click("a[data-lang=en]")
    page.wait_for_url("**lang=en")
    assert "Hearth Bistro" in page.locator(".brand").inner_text()
    page.goto(f"{live_store.base_url}/")
    assert "Hearth Bistro" in page.locator(".brand").inner_text(), "the choice is remembered"
    screenshot(page, "index-tablet")
    assert outside == [], f"pages must not load anything from outside: {outside}"
    page.close()
