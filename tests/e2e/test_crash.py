"""Kill a real store node with SIGKILL while clients order and pay; nothing acknowledged is lost,
nothing is there twice. `make crash` runs the same harness 100 times."""

from __future__ import annotations

import pytest

from hearth.testing.crash import run_crash_suite

pytestmark = pytest.mark.slow


def test_every_acknowledged_order_and_payment_survives_sigkill(tmp_path):
    report = run_crash_suite(tmp_path, kills=3, rebuild_every=1)
    assert report.orders_acknowledged > 50, "the clients should have had orders acknowledged"
    assert report.lost_orders == 0 and report.duplicate_orders == 0, report
    assert report.lost_payments == 0 and report.duplicate_payments == 0, report
    assert report.seq_gaps == 0, report
    assert report.rebuild_checks == 3 and not report.rebuild_mismatches, report
    # A SIGKILL during a rush leaves requests unanswered; each was retried with its key.
    assert report.retried_after_restart > 0, report
    assert report.clean
