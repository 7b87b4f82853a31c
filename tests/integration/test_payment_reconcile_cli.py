"""``hearth reconcile``: the manager's command runs the same reconciliation as the API against
the providers' statements (here the emulator's), prints every difference in a table, and says
by its exit code whether anything differs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hearth.bootstrap import create_app
from hearth.cli import app
from hearth.core.config import Settings
from hearth.core.tables import journal
from hearth.payments.emulator import Emulator
from hearth.payments.emulator.codes import ALIPAY_CODE
from hearth.payments.providers.base import ChargeRequest
from hearth.payments.providers.factory import build_providers
from hearth.testing.builders import a_small_restaurant
from tests.integration.test_payments_fixtures import Till, make_node

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator(qr_autopay_ms=200).start()
    yield emu
    emu.stop()


@pytest.fixture
def store(tmp_path: Path, emulator: Emulator) -> str:
    """A store that took an Alipay payment-code payment and a card payment, then closed."""
    emulator.reset()
    # The real emulator signs and checks RSA on every call: the product's own call timeout
    # and budget, not the fixtures' 300 ms, or a busy CI box turns a payment 'unknown'.
    node = make_node(
        tmp_path,
        payment_emulator_url=emulator.url,
        payment_call_timeout_ms=1200,
        payment_budget_ms=2800,
    )
    ids = a_small_restaurant(node)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        till = Till(client, ids, node, {}, {})
        order = till.order("gbjd", "rice")
        scan = till.pay(order["id"], tender="wallet_scan", amount=3800, auth_code=ALIPAY_CODE)
        card = till.pay(order["id"], tender="card", amount=300)
        assert [scan.json()["status"], card.json()["status"]] == ["succeeded", "succeeded"]
    node.close()
    return f"sqlite:///{tmp_path}/store.db"


def reconcile(db: str, emulator: Emulator, *args: str) -> Any:
    runner = CliRunner()
    return runner.invoke(
        app,
        ["reconcile", "--db", db, *args],
        env={"HEARTH_PAYMENT_EMULATOR_URL": emulator.url, "COLUMNS": "200"},
    )


def test_no_differences_exits_0(store: str, emulator: Emulator) -> None:
    out = reconcile(store, emulator)
    assert out.exit_code == 0, out.output
    assert "No differences" in out.output
    assert "alipay (1 payments" in out.output and "card (1 payments" in out.output


def test_every_difference_is_listed_and_exits_1(store: str, emulator: Emulator) -> None:
    # The provider captured a payment the store has no record of.
    alipay = next(
        p
        for p in build_providers(Settings(payment_emulator_url=emulator.url))
        if p.name == "alipay"
    )
    asyncio.run(
        alipay.charge(
            ChargeRequest("stray-intent-1", 999, "CNY", "scan_code", "order elsewhere", ALIPAY_CODE)
        )
    )
    out = reconcile(store, emulator)
    assert out.exit_code == 1, out.output
    assert "Reconciliation" in out.output, "a table of the differences"
    assert "stray-intent-1" in out.output and "¥9.99" in out.output
    assert "at the provider, not in our books" in out.output
    assert "1 difference(s)" in out.output
    # One provider at a time: WeChat Pay's and the card acquirer's books match.
    assert reconcile(store, emulator, "--provider", "card").exit_code == 0
    assert reconcile(store, emulator, "--provider", "alipay").exit_code == 1
    unknown = reconcile(store, emulator, "--provider", "nope")
    assert unknown.exit_code == 2 and "alipay, card, wechat" in unknown.output
    # The run is journaled like the API's.
    engine = sa.create_engine(store)
    with engine.connect() as conn:
        runs = conn.execute(
            sa.select(sa.func.count())
            .select_from(journal)
            .where(journal.c.type == "ReconciliationRecorded")
        ).scalar()
    engine.dispose()
    assert runs == 3, "each run that reached the providers was recorded"


def test_a_statement_that_cannot_be_read_is_not_a_clean_bill(
    store: str, emulator: Emulator
) -> None:
    runner = CliRunner()
    out = runner.invoke(
        app,
        ["reconcile", "--db", store, "--provider", "alipay"],
        env={"HEARTH_PAYMENT_EMULATOR_URL": "http://127.0.0.1:9", "COLUMNS": "200"},
    )
    assert out.exit_code == 1, out.output
    assert "statement not read" in out.output
