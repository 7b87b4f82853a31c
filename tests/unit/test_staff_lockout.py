"""The PIN lockout rule bounds a patient guesser: at most `limit` wrong PINs in any lockout
window, a timed lock of at least 30 minutes, and a lock only a manager lifts after 3 lockouts in
a row, so no more than 3 x 10 wrong PINs in a row ever get through (PCI DSS 8.3.4, NIST SP
800-63B's cap of 100)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.core.errors import Problem
from hearth.core.permissions import Role
from hearth.staff import domain
from hearth.staff.domain import LockoutPolicy, LockState, after_attempt

MINUTE = 60_000
POLICY = LockoutPolicy.of(5, 30, 3)

policies = st.builds(
    LockoutPolicy.of, st.integers(-3, 50), st.integers(-10, 600), st.integers(-2, 9)
)
# A step: a wrong PIN, the right PIN, or time passing (up to a few hours).
steps = st.lists(
    st.one_of(st.just("fail"), st.just("ok"), st.integers(1, 4 * 60 * MINUTE)), max_size=120
)


def run(
    policy: LockoutPolicy, script: list[object], start: int = 1_000_000
) -> list[tuple[int, str, bool, LockState]]:
    """Play a script; each attempt is (time, kind, counted, state after)."""
    state, now, log = domain.UNLOCKED, start, []
    for step in script:
        if isinstance(step, int):
            now += step
            continue
        counted = not state.is_locked(now)
        state = after_attempt(state, step == "ok", now, policy)
        log.append((now, str(step), counted, state))
    return log


@settings(max_examples=300, deadline=None)
@given(policies)
def test_no_setting_loosens_the_rule_below_the_standard(policy):
    assert 1 <= policy.limit <= domain.MAX_TRIES
    assert policy.lockout_ms >= 30 * MINUTE
    assert 1 <= policy.hard_after <= domain.MAX_LOCKOUTS
    assert policy.limit * policy.hard_after <= 30 < 100  # NIST SP 800-63B caps it at 100


@settings(max_examples=400, deadline=None)
@given(policies, steps)
def test_a_guesser_gets_no_more_than_the_limit_in_any_lockout_window(policy, script):
    """Counting only wrong PINs that were checked (a locked account checks none), any window
    as long as a lockout holds no more than `limit` of them between two good PINs."""
    log = run(policy, script)
    counted = [(t, kind) for t, kind, c, _ in log if c]
    for i, (t0, kind) in enumerate(counted):
        if kind != "fail":
            continue
        in_window = 0
        for t, k in counted[i:]:
            if k == "ok" or t >= t0 + policy.lockout_ms:
                break
            in_window += 1
        assert in_window <= policy.limit, (t0, counted)


@settings(max_examples=400, deadline=None)
@given(policies, steps)
def test_wrong_pins_in_a_row_before_a_hard_lock_are_bounded(policy, script):
    """Without a good PIN, at most limit x hard_after wrong PINs are ever checked; then the
    account stays locked whatever the time."""
    log = run(policy, script)
    in_a_row = 0
    for _t, kind, counted, state in log:
        if not counted:
            continue
        in_a_row = 0 if kind == "ok" else in_a_row + 1
        assert in_a_row <= policy.limit * policy.hard_after
        if in_a_row == policy.limit * policy.hard_after:
            assert state.hard_locked
    fails_only = run(policy, ["fail", 31 * 24 * 60 * MINUTE] * 200)
    assert sum(1 for _t, _k, c, _s in fails_only if c) == policy.limit * policy.hard_after
    assert fails_only[-1][3].is_locked(10**15)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**13), st.integers(0, 10**12))
def test_a_hard_lock_ignores_time_and_even_the_right_pin(start, later):
    state = LockState(0, None, POLICY.hard_after, True)
    assert state.is_locked(start + later)
    assert after_attempt(state, True, start + later, POLICY) == state


def test_five_wrong_pins_lock_for_thirty_minutes_and_the_third_lockout_holds():
    now = 0
    state = domain.UNLOCKED
    for lockout in (1, 2):
        for _ in range(4):
            state = after_attempt(state, False, now, POLICY)
            assert not state.is_locked(now)
        state = after_attempt(state, False, now, POLICY)
        assert state.locked_until_ms == now + 30 * MINUTE and state.lockouts == lockout
        assert state.is_locked(now + 30 * MINUTE - 1)
        now += 30 * MINUTE
        assert not state.is_locked(now)
    for _ in range(5):
        state = after_attempt(state, False, now, POLICY)
    assert state.hard_locked and state.lockouts == 3


def test_a_good_pin_between_lockouts_starts_the_count_again():
    state = domain.UNLOCKED
    for _ in range(5):
        state = after_attempt(state, False, 0, POLICY)
    assert state.lockouts == 1
    state = after_attempt(state, True, 30 * MINUTE, POLICY)
    assert state == domain.UNLOCKED


def test_the_locked_problem_says_until_when_or_that_a_manager_must_unlock():
    timed = domain.locked_problem(
        LockState(0, 1_767_227_400_000, 1), 1_767_225_600_000, "Asia/Shanghai"
    )
    assert timed.status == 423 and timed.code == "account-locked"
    assert "08:30" in timed.detail and "30" in timed.detail
    assert timed.extra == {"locked_until_ms": 1_767_227_400_000, "unlock_by_manager": False}
    hard = domain.locked_problem(LockState(0, None, 3, True), 0, "Asia/Shanghai", "approval")
    assert hard.status == 423 and hard.extra["unlock_by_manager"] is True
    assert "manager" in hard.detail and hard.field == "approval"


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_need_six_digits(role):
    with pytest.raises(Problem) as refused:
        domain.check_pin("2468", role)
    assert refused.value.status == 422 and refused.value.field == "pin"
    assert refused.value.code == "pin-too-short"
    domain.check_pin("246813", role)


@pytest.mark.parametrize("role", [Role.CASHIER, Role.WAITER, Role.KITCHEN])
def test_other_staff_keep_four_digits(role):
    domain.check_pin("2468", role)
    domain.check_pin("2" * 11 + "3", role)
    with pytest.raises(Problem):
        domain.check_pin("2" * 12 + "3", role)


def test_a_promotion_to_manager_waits_for_a_long_enough_pin():
    for length in (None, 4, 5):
        with pytest.raises(Problem) as refused:
            domain.check_promotion(length, Role.MANAGER)
        assert refused.value.code == "pin-too-short-for-role"
    domain.check_promotion(6, Role.OWNER)
    domain.check_promotion(4, Role.CASHIER)


def test_nobody_unlocks_themselves_and_only_an_owner_unlocks_an_owner():
    with pytest.raises(Problem) as own:
        domain.check_unlock("m1", Role.MANAGER, "m1", Role.MANAGER)
    assert own.value.code == "staff-self-unlock"
    with pytest.raises(Problem) as owner:
        domain.check_unlock("m1", Role.MANAGER, "o1", Role.OWNER)
    assert owner.value.status == 403
    domain.check_unlock("o2", Role.OWNER, "o1", Role.OWNER)
    domain.check_unlock("m1", Role.MANAGER, "m2", Role.MANAGER)
