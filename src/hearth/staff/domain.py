"""Staff rules: PIN shape and the lockout that stops someone guessing a manager's PIN."""

from __future__ import annotations

from dataclasses import dataclass

from hearth.core.errors import invalid
from hearth.core.permissions import Role


@dataclass(frozen=True, slots=True)
class LockState:
    failed_attempts: int
    locked_until_ms: int | None

    def is_locked(self, now_ms: int) -> bool:
        return self.locked_until_ms is not None and now_ms < self.locked_until_ms


def after_failure(state: LockState, now_ms: int, limit: int, lockout_ms: int) -> LockState:
    """One more wrong PIN; the limit-th in a row locks the account for a while."""
    attempts = state.failed_attempts + 1
    if attempts >= limit:
        return LockState(0, now_ms + lockout_ms)
    return LockState(attempts, state.locked_until_ms)


def after_success() -> LockState:
    return LockState(0, None)


def check_pin(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise invalid("pin-invalid", "PIN must be 4 to 8 digits",
                      "Choose a PIN of 4 to 8 digits.", "pin")
    if len(set(pin)) == 1:
        raise invalid("pin-too-simple", "PIN too simple",
                      "A PIN of one repeated digit is too easy to guess.", "pin")


def check_password(password: str) -> None:
    if len(password) < 8:
        raise invalid("password-too-short", "Password too short",
                      "Use at least 8 characters.", "password")


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise invalid("role-unknown", "Unknown role",
                      f"Role must be one of: {', '.join(r.value for r in Role)}.",
                      "role") from None
