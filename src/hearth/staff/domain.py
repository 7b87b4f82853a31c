"""Staff rules: PIN shape and the lockout that stops someone guessing a manager's PIN.

A manager's PIN approves voids, discounts and refunds, so it is the PIN worth guessing. The rules
here bound a patient guesser: ``limit`` wrong PINs in a row (at most 10) lock the account for at
least 30 minutes (PCI DSS 8.3.4), and the ``hard_after``-th lockout in a row (at most 3) holds
until a manager or owner unlocks it, so no more than 3 x 10 guesses ever get through without
someone noticing (NIST SP 800-63B allows 100). Manager and owner PINs have 6 digits or more:
a million PINs to guess from instead of ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hearth.core.errors import Problem
from hearth.core.permissions import MANAGERS, Role
from hearth.staff.errors import StaffError

MAX_TRIES = 10  # PCI DSS 8.3.4: lock after no more than 10 invalid attempts
MIN_LOCKOUT_MS = 30 * 60_000  # PCI DSS 8.3.4: for at least 30 minutes
MAX_LOCKOUTS = 3  # the lockout after which only a manager or owner lets the account in again

PIN_MIN_DIGITS = 4
MANAGER_PIN_MIN_DIGITS = 6
PIN_MAX_DIGITS = 12


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    limit: int  # wrong PINs in a row that lock the account
    lockout_ms: int  # how long a timed lock holds
    hard_after: int  # the lockout in a row that only a manager lifts

    @classmethod
    def of(cls, limit: int, lockout_minutes: int, hard_after: int) -> LockoutPolicy:
        """The store's settings, held to the standard: a setting can make the rule stricter,
        never looser than 10 tries, 30 minutes and 3 lockouts."""
        return cls(
            min(max(limit, 1), MAX_TRIES),
            max(lockout_minutes * 60_000, MIN_LOCKOUT_MS),
            min(max(hard_after, 1), MAX_LOCKOUTS),
        )


@dataclass(frozen=True, slots=True)
class LockState:
    failed_attempts: int
    locked_until_ms: int | None
    lockouts: int = 0  # lockouts in a row, since the last good PIN or unlock
    hard_locked: bool = False  # held until a manager or owner unlocks it

    def is_locked(self, now_ms: int) -> bool:
        return self.hard_locked or (
            self.locked_until_ms is not None and now_ms < self.locked_until_ms
        )


UNLOCKED = LockState(0, None, 0, False)


def after_failure(state: LockState, now_ms: int, policy: LockoutPolicy) -> LockState:
    """One more wrong PIN; the limit-th in a row locks the account, for a while or for good."""
    attempts = state.failed_attempts + 1
    if attempts < policy.limit:
        return LockState(attempts, state.locked_until_ms, state.lockouts, state.hard_locked)
    lockouts = state.lockouts + 1
    if lockouts >= policy.hard_after:
        return LockState(0, None, lockouts, True)
    return LockState(0, now_ms + policy.lockout_ms, lockouts, False)


def after_success() -> LockState:
    return UNLOCKED


def after_attempt(state: LockState, ok: bool, now_ms: int, policy: LockoutPolicy) -> LockState:
    """The state after one PIN attempt. While locked nothing counts, not even the right PIN:
    the attempt is refused before it is checked."""
    if state.is_locked(now_ms):
        return state
    return after_success() if ok else after_failure(state, now_ms, policy)


def locked_problem(
    state: LockState, now_ms: int, timezone: str, field: str | None = None
) -> Problem:
    """What a locked-out person is told: until when, or that a manager must unlock them."""
    if state.hard_locked:
        return StaffError.ACCOUNT_LOCKED_UNTIL_UNLOCKED.problem(
            f"Too many wrong PINs ({state.lockouts} lockouts in a row). A manager "
            "or the owner must unlock it on the admin page (Staff) or give a new PIN.",
            field=field,
            extra={"locked_until_ms": None, "unlock_by_manager": True},
        )
    until = state.locked_until_ms or now_ms
    minutes = max(1, -(-(until - now_ms) // 60_000))
    clock = datetime.fromtimestamp(until / 1000, ZoneInfo(timezone)).strftime("%H:%M")
    return StaffError.ACCOUNT_LOCKED.problem(
        f"This account is locked until {clock} (about {minutes} more minute(s)). "
        "A manager can unlock it sooner.",
        field=field,
        extra={"locked_until_ms": until, "unlock_by_manager": False},
    )


def min_pin_digits(role: Role) -> int:
    return MANAGER_PIN_MIN_DIGITS if role in MANAGERS else PIN_MIN_DIGITS


def check_pin(pin: str, role: Role | None = None) -> None:
    """A PIN's shape; with a role, also its length for that role (6 digits for those whose PIN
    approves voids, discounts and refunds)."""
    if not (pin.isdigit() and PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS):
        raise StaffError.PIN_INVALID.problem(
            f"Choose a PIN of {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits.",
            field="pin",
            pin_min_digits=PIN_MIN_DIGITS,
            pin_max_digits=PIN_MAX_DIGITS,
        )
    if len(set(pin)) == 1:
        raise StaffError.PIN_TOO_SIMPLE.problem(
            "A PIN of one repeated digit is too easy to guess.", field="pin"
        )
    if role is not None:
        check_pin_length(len(pin), role)


def check_pin_length(length: int | None, role: Role) -> None:
    """Refuse a PIN too short for the role (``None``: a PIN set before lengths were kept)."""
    need = min_pin_digits(role)
    if length is None or length < need:
        raise StaffError.PIN_TOO_SHORT.problem(
            f"Manager and owner PINs approve voids, discounts and refunds, so they "
            f"need at least {MANAGER_PIN_MIN_DIGITS} digits; choose a PIN of {need} "
            f"to {PIN_MAX_DIGITS} digits.",
            field="pin",
            role=role.value,
            need=need,
        )


def check_promotion(pin_length: int | None, new_role: Role) -> None:
    """A role change into manager or owner waits for a PIN long enough for it: the old
    4-digit PIN would otherwise start approving refunds the day of the promotion."""
    need = min_pin_digits(new_role)
    if pin_length is None or pin_length < need:
        raise StaffError.PIN_TOO_SHORT_FOR_ROLE.problem(
            f"A {new_role.value}'s PIN approves voids, discounts and refunds, so it "
            f"needs at least {need} digits. Reset this person's PIN to {need} digits "
            "or more, then change the role.",
            field="role",
            need=need,
        )


def check_unlock(actor_id: str, actor_role: Role, staff_id: str, staff_role: Role) -> None:
    """Nobody unlocks themselves (a locked manager still holding a token could otherwise keep
    guessing), and only an owner unlocks an owner."""
    if actor_id == staff_id:
        raise StaffError.STAFF_SELF_UNLOCK.problem(
            "Ask another manager or the owner.", field="staff_id"
        )
    if actor_role not in MANAGERS or (staff_role is Role.OWNER and actor_role is not Role.OWNER):
        raise StaffError.OWNER_ONLY_UNLOCKS_OWNER.problem(
            "Ask the owner to do this.", field="staff_id"
        )


def check_password(password: str) -> None:
    if len(password) < 8:
        raise StaffError.PASSWORD_TOO_SHORT.problem("Use at least 8 characters.", field="password")


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise StaffError.ROLE_UNKNOWN.problem(
            f"Role must be one of: {', '.join(r.value for r in Role)}.", field="role"
        ) from None
