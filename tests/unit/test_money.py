import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.core.money import (
    CurrencyMismatch,
    Money,
    allocate,
    round_half_up_div,
    tax_exclusive,
    tax_inclusive,
)

amounts = st.integers(min_value=-(10**12), max_value=10**12)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30)


@given(amounts, weights)
def test_allocation_never_loses_or_invents_a_fen(amount, ws):
    parts = allocate(amount, ws)
    assert sum(parts) == amount
    assert len(parts) == len(ws)


@given(st.integers(min_value=0, max_value=10**12), weights)
def test_allocation_is_within_one_fen_of_the_exact_share(amount, ws):
    total = sum(ws) or len(ws)
    eff = ws if sum(ws) else [1] * len(ws)
    for part, w in zip(allocate(amount, ws), eff, strict=True):
        exact = amount * w / total
        assert abs(part - exact) < 1


@given(amounts, st.integers(min_value=1, max_value=10**6))
def test_round_half_up_div_is_within_half_a_unit(n, d):
    q = round_half_up_div(n, d)
    assert abs(q * d - n) * 2 <= d


def test_halves_round_away_from_zero():
    assert round_half_up_div(5, 10) == 1
    assert round_half_up_div(-5, 10) == -1
    assert round_half_up_div(4, 10) == 0


def test_percent_of_an_amount_in_basis_points():
    assert Money(1999).percent(1000) == Money(200)  # 10% of 19.99 is 2.00 after rounding
    assert Money(1000).percent(850) == Money(85)


def test_cash_rounds_to_the_smallest_coin():
    assert Money(1234).round_to(10) == Money(1230)
    assert Money(1235).round_to(10) == Money(1240)
    assert Money(1250).round_to(100) == Money(1300)


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(CurrencyMismatch):
        Money(1, "CNY") + Money(1, "USD")


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=3000))
def test_inclusive_tax_parts_add_up_to_the_price(gross, rate):
    split = tax_inclusive(gross, rate)
    assert split.net + split.tax == gross
    assert split.tax >= 0


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=3000))
def test_exclusive_tax_is_added_on_top(net, rate):
    split = tax_exclusive(net, rate)
    assert split.gross == net + split.tax
    assert abs(split.tax * 10_000 - net * rate) * 2 <= 10_000


def test_format_for_receipts():
    assert Money(123456).format() == "1234.56 CNY"
    assert Money(-5).format() == "-0.05 CNY"
