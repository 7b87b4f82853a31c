"""The store node serves its own pages, in Chinese or English, with nothing from the internet."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_index_switches_language_and_loads_only_local_assets(browser, live_store):
    page = browser.new_page(viewport={"width": 1024, "height": 700})
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_store.base_url) else None,
    )
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


def test_money_typed_by_a_person_is_read_as_whole_fen_without_floats(browser, live_store):
    """One parser for every page (app.js): two decimals at most, nothing else, no float on the
    way (1.15 * 100 is 114.99999999999999 in floating point)."""
    page = browser.new_page()
    page.goto(f"{live_store.base_url}/?lang=en")
    read = page.evaluate("""() => ["12.50", "12.5", ".5", "1.15", "4.35", "12", " 3.30 ",
        "12.345", "-1", "1e3", "1,000", "abc", ""].map((s) => Hearth.parseFen(s))""")
    assert read == [1250, 1250, 50, 115, 435, 1200, 330, None, None, None, None, None, None]
    assert page.evaluate(
        "() => [Hearth.fenText(7), Hearth.fenText(123456), Hearth.yuan(-305)]"
    ) == ["0.07", "1234.56", "-¥3.05"]
    page.close()
