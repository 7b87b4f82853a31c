"""Money as an integer number of minor units with its currency.

Floats never come near a price: every amount is an ``int`` of the currency's smallest unit
(fen for CNY, cents for USD). Percentages are expressed in basis points (1% = 100 bp) so
that discounts, service charges and tax rates stay integers too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BASIS_POINTS = 10_000


class CurrencyMismatch(ValueError):
    """Adding yuan to dollars is a bug, not a rounding question."""


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Integer division that rounds halves away from zero, as shops and tax offices do."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if r * 2 >= denominator:
        q += 1
    return sign * q


@dataclass(frozen=True, slots=True, order=True)
class Money:
    amount: int
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    @classmethod
    def zero(cls, currency: str = "CNY") -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def percent(self, basis_points: int) -> Money:
        """This amount times a rate in basis points, rounded half up to the minor unit."""
        return Money(round_half_up_div(self.amount * basis_points, BASIS_POINTS), self.currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights`` that add up exactly to this amount.

        Largest-remainder method: nobody loses a fen when a discount is spread over lines or a
        bill is split between diners.
        """
        return [Money(a, self.currency) for a in allocate(self.amount, weights)]

    def round_to(self, unit: int) -> Money:
        """Round to the smallest coin in use (e.g. 10 fen = one jiao), halves up."""
        if unit <= 0:
            raise ValueError("unit must be positive")
        return Money(round_half_up_div(self.amount, unit) * unit, self.currency)

    def format(self) -> str:
        sign = "-" if self.amount < 0 else ""
        major, minor = divmod(abs(self.amount), 100)
        return f"{sign}{major}.{minor:02d} {self.currency}"


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder split of an integer amount by non-negative integer weights."""
    if not weights:
        raise ValueError("need at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    total = sum(weights)
    if total == 0:
        # Nothing to weigh by: split as evenly as possible.
        weights = [1] * len(weights)
        total = len(weights)
    sign = -1 if amount < 0 else 1
    magnitude = abs(amount)
    shares = [magnitude * w // total for w in weights]
    remainders = [magnitude * w % total for w in weights]
    left = magnitude - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        shares[i] += 1
    return [sign * s for s in shares]


def total(amounts: Iterable[Money], currency: str = "CNY") -> Money:
    result = Money.zero(currency)
    for m in amounts:
        result = result + m
    return result


@dataclass(frozen=True, slots=True)
class TaxSplit:
    net: int
    tax: int
    gross: int


def tax_inclusive(gross: int, rate_bp: int) -> TaxSplit:
    """Tax contained in a price that already includes it (China's menus, the usual case)."""
    net = round_half_up_div(gross * BASIS_POINTS, BASIS_POINTS + rate_bp)
    return TaxSplit(net=net, tax=gross - net, gross=gross)


def tax_exclusive(net: int, rate_bp: int) -> TaxSplit:
    """Tax added on top of a price that excludes it (US-style menus)."""
    tax = round_half_up_div(net * rate_bp, BASIS_POINTS)
    return TaxSplit(net=net, tax=tax, gross=net + tax)
