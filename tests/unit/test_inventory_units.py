"""Units convert exactly both ways, and units of another dimension are refused, never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.core.errors import Problem
from hearth.inventory import units as u

UNITS = list(u.STANDARD.values())
CASE = u.Unit(
    "case", u.Dimension.VOLUME, u.custom_unit_factor("case", "12", "L", u.Dimension.VOLUME)
)


def test_the_trade_units_hold_what_they_say():
    mass = u.Dimension.MASS
    assert u.to_base("1", u.unit_of("斤", mass)) == u.to_base("500", u.unit_of("g", mass))
    assert u.to_base("1", u.unit_of("两", mass)) == u.to_base("50", u.unit_of("g", mass))
    assert u.to_base("1.5", u.unit_of("jin", mass)) == 750_000
    assert u.to_base("1", u.unit_of("kg", mass)) == 2 * u.to_base("1", u.unit_of("斤", mass))
    assert CASE.factor == 12_000  # a case of 12 × 1 L
    assert u.to_base("0.5", u.STANDARD["piece"]) == 500  # half an egg


@given(st.integers(-(10**6), 10**6), st.sampled_from([*UNITS, CASE]), st.sampled_from(UNITS))
def test_base_units_round_trip_through_any_unit(n, unit, other):
    base = u.to_base(n, unit)
    assert base == n * unit.factor and u.from_base(base, unit) == n
    if other.dimension is unit.dimension:
        # through another unit and back: exact, as a fraction, never a float
        assert u.from_base(base, other) * other.factor == base


@given(
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([x for x in UNITS if x.factor >= 1000]),
)
def test_a_typed_quantity_converts_exactly_and_back(q, unit):
    base = u.to_base(q, unit)
    assert u.from_base(base, unit) == q


@given(st.sampled_from(UNITS), st.sampled_from(list(u.Dimension)))
def test_units_of_another_dimension_are_refused_with_a_clear_message(unit, dimension):
    if unit.dimension is dimension:
        assert u.unit_of(unit.name, dimension) == unit
        return
    with pytest.raises(Problem) as e:
        u.unit_of(unit.name, dimension)
    assert e.value.status == 422 and e.value.code == "unit-mismatch"
    assert "does not convert" in e.value.detail


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1e400", "0.0000001", "1" * 14])
def test_bad_quantities_are_refused(bad):
    with pytest.raises(Problem) as e:
        u.to_base(bad, u.STANDARD["kg"])
    assert e.value.status == 422


def test_a_quantity_finer_than_the_base_unit_is_refused_not_rounded():
    with pytest.raises(Problem) as e:
        u.to_base("0.0005", u.STANDARD["g"])
    assert e.value.code == "quantity-invalid"


def test_unknown_units_say_which_ones_exist():
    with pytest.raises(Problem) as e:
        u.unit_of("sack", u.Dimension.MASS, {"bag": 10_000_000})
    assert e.value.code == "unit-unknown" and "斤" in e.value.detail and "bag" in e.value.detail
