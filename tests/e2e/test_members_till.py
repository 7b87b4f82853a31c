"""A member at the till, in a real browser: the cashier finds the member by the last digits of
their phone, redeems points for money off, takes the rest in cash and earns the order's points."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hearth.bootstrap import build_node
from hearth.members import domain as d
from hearth.members import service
from hearth.members.service import Who
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from tests.e2e.conftest import LiveStore, screenshot
from tests.e2e.test_pos_checkout import TABLET, checkout

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def member_store(tmp_path: Path) -> Iterator[tuple[LiveStore, str]]:
    db_url = f"sqlite:///{tmp_path}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    who = Who(None, setup.clock.now_ms())

    def seed(tx: Any) -> str:
        rule = service.checked_rule("points", "yuan", {"kind": "per_yuan", "points": 1})
        service.set_rule(tx, "points", "yuan", rule, who)
        member = service.join(tx, who, phone="13812345678", name="王女士")
        opening = d.Entry(member, d.Account.POINTS, 500, "demo", "", "opening", "adjust")
        service.post(tx, who, [opening], service.stream(member))
        return member

    member = setup.writer.run(seed)
    setup.close()
    proc = NodeProcess(db_url, log=tmp_path / "node.log")
    proc.start()
    try:
        yield LiveStore(proc.base_url, ids, proc), member
    finally:
        proc.stop()


def test_a_member_redeems_points_pays_and_earns_at_the_till(
    browser: Any, member_store: tuple[LiveStore, str]
) -> None:
    store, _ = member_store
    page = checkout(browser, store, "A03", TABLET)
    assert page.get_attribute("#pay-due", "data-fen") == "4100"
    page.fill("#mb-query", "5678")
    page.click("#mb-go")
    page.wait_for_selector("#mb-name")
    assert page.inner_text("#mb-name") == "王女士"
    assert page.inner_text("#mb-balance-points") == "500"
    assert "138****5678" in page.inner_text("#mb-member")
    page.fill("#mb-points", "300")
    page.click("#mb-redeem")
    page.wait_for_function("document.querySelector('#pay-due').dataset.fen === '3800'")
    page.wait_for_function("document.querySelector('#mb-balance-points').textContent === '200'")
    screenshot(page, "pos-member-redeemed")
    page.click("#quick-cash .quick-btn[data-fen='3800']")
    page.click("#pay-go")
    page.wait_for_selector("#pay-dialog[data-state=paid]")
    page.click("#mb-earn")
    # Points on what was paid: ¥38 after the ¥3 off, per yuan of each line (floored).
    page.wait_for_function("Number(document.querySelector('#mb-balance-points').textContent) > 200")
    assert int(page.inner_text("#mb-balance-points")) == 200 + 35 + 2
