"""The payment intent machine, the bill, cash and refunds under every sequence of answers."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.core.errors import Problem
from hearth.payments import domain as d
from hearth.payments.domain import IntentStatus as S
from hearth.payments.domain import PaymentLine
from hearth.payments.providers.base import ProviderStatus as A

ANSWERS = list(A)


@dataclass
class World:
    """A bill, its intents as we record them, and what the provider really holds."""

    total: int
    amounts: list[int]
    ours: list[S] = field(default_factory=list)
    provider_holds: list[bool] = field(default_factory=list)
    reverse: str = "works"  # what the provider does with a reverse: works | no_answer | refuses

    def __post_init__(self) -> None:
        self.ours = [S.PENDING] * len(self.amounts)
        self.provider_holds = [False] * len(self.amounts)

    def lines(self, exclude: int | None = None) -> list[PaymentLine]:
        return [
            PaymentLine(s, a)
            for i, (s, a) in enumerate(zip(self.ours, self.amounts, strict=True))
            if i != exclude
        ]

    def answer(self, i: int, answer: A) -> None:
        # The provider reports a capture only once it holds it, and a failure only while it
        # does not; a lost answer (UNKNOWN) or a stale PENDING can come at any time, and
        # everything may be duplicated and out of order.
        if answer is A.SUCCEEDED:
            if self.ours[i] is S.REVERSED:
                return  # a reversed intent can never capture again (tombstoned)
            self.provider_holds[i] = True
        if answer in (A.REVERSED, A.FAILED, A.NOT_FOUND) and self.provider_holds[i]:
            return  # a provider holding the money says so (or nothing); it never lies "failed"
        room = d.bill(self.total, self.lines(exclude=i)).due
        dec = d.on_answer(self.ours[i], answer, room=room, amount=self.amounts[i])
        assert dec.status in d.TRANSITIONS[self.ours[i]] or not dec.changed, (
            self.ours[i],
            dec.status,
        )
        self.ours[i] = dec.status
        if dec.reverse and self.reverse == "works":
            self.provider_holds[i] = False
            self.ours[i] = d.on_answer(
                self.ours[i], A.REVERSED, room=0, amount=self.amounts[i]
            ).status
        elif dec.reverse and self.reverse == "refuses":
            refused = d.on_reverse_refused(self.ours[i])
            assert refused.status in d.TRANSITIONS[self.ours[i]] or not refused.changed
            self.ours[i] = refused.status

    def captured(self) -> int:
        return sum(a for s, a in zip(self.ours, self.amounts, strict=True) if s is S.SUCCEEDED)


events = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(ANSWERS)), max_size=40)


@settings(max_examples=400, deadline=None)
@given(
    total=st.integers(1, 20_000),
    amounts=st.lists(st.integers(1, 20_000), min_size=1, max_size=4),
    seq=events,
    reverse=st.sampled_from(["works", "no_answer", "refuses"]),
)
def test_no_sequence_of_answers_captures_twice_for_one_bill(total, amounts, seq, reverse):
    w = World(total, amounts, reverse=reverse)
    for i, answer in seq:
        if i < len(amounts):
            w.answer(i, answer)
        # Our books never hold more than the bill.
        assert w.captured() <= total
        b = d.bill(total, w.lines())
        assert b.paid <= b.total and b.due >= 0
    # Everything the provider holds is recorded as captured, still being reversed, or flagged
    # for a person because the provider refused to reverse it: never silently "reversed".
    for held, status in zip(w.provider_holds, w.ours, strict=True):
        if held:
            assert status in (S.SUCCEEDED, S.UNKNOWN, S.NEEDS_ATTENTION), status
        if status is S.SUCCEEDED:
            assert held


@given(seq=st.lists(st.sampled_from(ANSWERS), max_size=20))
def test_captured_is_final_whatever_comes_after(seq):
    status = S.SUCCEEDED
    for answer in seq:
        status = d.on_answer(status, answer, room=0, amount=100).status
    assert status is S.SUCCEEDED


def test_unknown_is_settled_by_query_not_by_charging_again():
    assert d.on_answer(S.PENDING, A.UNKNOWN, room=100, amount=100).status is S.UNKNOWN
    assert d.on_answer(S.UNKNOWN, A.SUCCEEDED, room=100, amount=100).status is S.SUCCEEDED
    assert d.on_answer(S.UNKNOWN, A.NOT_FOUND, room=100, amount=100).status is S.FAILED


def test_a_late_capture_that_does_not_fit_is_reversed():
    dec = d.on_answer(S.FAILED, A.SUCCEEDED, room=0, amount=100)
    assert dec.reverse and dec.status is S.UNKNOWN
    assert d.on_answer(dec.status, A.REVERSED, room=0, amount=100).status is S.REVERSED


def test_a_refused_reverse_is_flagged_never_reversed():
    dec = d.on_reverse_refused(S.UNKNOWN)
    assert dec.changed and dec.status is S.NEEDS_ATTENTION
    assert d.on_reverse_refused(S.PENDING).status is S.NEEDS_ATTENTION
    for settled in (S.SUCCEEDED, S.REFUNDED, S.REVERSED, S.FAILED, S.DECLINED_LATER):
        assert not d.on_reverse_refused(settled).changed
    # A flagged intent is not asked to reverse again; a reverse that later works, or the
    # provider saying nothing is held, settles it; a capture that fits is taken.
    flagged = S.NEEDS_ATTENTION
    late = d.on_answer(flagged, A.SUCCEEDED, room=0, amount=100)
    assert (late.status, late.reverse, late.changed) == (flagged, False, False)
    assert d.on_answer(flagged, A.SUCCEEDED, room=100, amount=100).status is S.SUCCEEDED
    assert d.on_answer(flagged, A.REVERSED, room=0, amount=100).status is S.REVERSED
    assert d.on_answer(flagged, A.FAILED, room=0, amount=100).status is S.FAILED
    assert not d.on_answer(flagged, A.PENDING, room=0, amount=100).changed
    # It holds nothing towards the bill and does not block it.
    assert d.bill(300, [PaymentLine(flagged, 300)]).to_json() == {
        "total": 300,
        "paid": 0,
        "tips": 0,
        "due": 300,
        "pending": 0,
    }


def test_an_offline_payment_declined_later_stops_counting():
    assert d.forward_declined(S.SUCCEEDED) is S.DECLINED_LATER
    assert d.forward_declined(S.REFUNDED) is S.REFUNDED
    assert S.DECLINED_LATER in d.TRANSITIONS[S.SUCCEEDED]
    assert d.bill(300, [PaymentLine(S.DECLINED_LATER, 300)]).due == 300
    for answer in ANSWERS:
        assert not d.on_answer(S.DECLINED_LATER, answer, room=300, amount=300).changed


@settings(max_examples=300)
@given(amount=st.integers(1, 10_000), parts=st.lists(st.integers(1, 10_000), max_size=6))
def test_refunds_never_exceed_what_was_captured(amount, parts):
    refunded = 0
    for part in parts:
        try:
            d.check_refund(S.SUCCEEDED if refunded == 0 else S.REFUNDED, amount, refunded, 0, part)
        except Problem:
            assert refunded + part > amount
            continue
        refunded += part
        assert refunded <= amount


def test_refund_of_a_failed_payment_is_refused():
    with pytest.raises(Problem) as e:
        d.check_refund(S.FAILED, 100, 0, 0, 1)
    assert e.value.code == "payment-not-refundable"


@given(total=st.integers(1, 100_000), pays=st.lists(st.integers(0, 50_000), max_size=8))
def test_paid_never_exceeds_due(total, pays):
    lines: list[PaymentLine] = []
    for amount in pays:
        b = d.bill(total, lines)
        try:
            d.check_new_payment(b, amount, 0, closed=False)
        except Problem:
            assert amount > b.due or amount == 0
            continue
        lines.append(PaymentLine(S.SUCCEEDED, amount))
    assert d.bill(total, lines).paid <= total


def test_tip_on_closed_bill_refused():
    with pytest.raises(Problem) as e:
        d.check_new_payment(d.bill(100, []), 0, 50, closed=True)
    assert e.value.code == "bill-closed"


@pytest.mark.parametrize(
    ("amount", "unit", "rounding"),
    [(1234, 10, -4), (1235, 10, 5), (1230, 10, 0), (1299, 100, 1), (1249, 50, 1), (1234, 1, 0)],
)
def test_cash_rounding_to_the_smallest_coin(amount, unit, rounding):
    assert d.cash_rounding(amount, unit) == rounding


def test_change_due_and_partial_cash_not_rounded():
    take = d.take_cash(1234, 0, 2000, unit=10, settles_bill=True)
    assert (take.collect, take.change_due) == (1230, 770)
    take = d.take_cash(1234, 0, 2000, unit=10, settles_bill=False)
    assert (take.collect, take.change_due) == (1234, 766)
    with pytest.raises(Problem):
        d.take_cash(1234, 0, 1000, unit=10, settles_bill=True)


@given(
    amount=st.integers(0, 10**7),
    tip=st.integers(0, 10**5),
    unit=st.sampled_from([1, 10, 50, 100]),
    extra=st.integers(0, 10**5),
)
def test_change_is_never_negative_and_adds_up(amount, tip, unit, extra):
    collect = amount + tip + d.cash_rounding(amount + tip, unit)
    take = d.take_cash(amount, tip, collect + extra, unit=unit, settles_bill=True)
    assert take.change_due == extra and take.collect % unit == 0


def test_split_tender_bill_goes_to_zero():
    lines = [PaymentLine(S.SUCCEEDED, 2000), PaymentLine(S.SUCCEEDED, 2100, tip=300)]
    b = d.bill(4100, lines)
    assert (b.paid, b.due, b.tips) == (4100, 0, 300)
    lines.append(PaymentLine(S.REFUNDED, 0))
    b = d.bill(4100, [PaymentLine(S.REFUNDED, 2000, refunded=500), lines[1]])
    assert (b.paid, b.due) == (3600, 500)


def test_offline_limits():
    lim = d.OfflineLimits(per_payment=500, outstanding=1000, max_age_ms=1)
    assert d.offline_refusal(lim, 500, 0) is None
    refused = d.offline_refusal(lim, 501, 0)
    assert refused is not None and refused.code == "offline-limit-payment"
    refused = d.offline_refusal(lim, 400, 700)
    assert refused is not None and refused.code == "offline-limit-total"


# -- whose payment code is it ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "wallet"),
    [
        ("281234567890123456", "alipay"),  # 18 digits, 28
        ("2500000000000000", "alipay"),  # 16 digits, the shortest
        ("300000000000000000000000", "alipay"),  # 24 digits, the longest, 30
        ("134567890123456789", "wechat"),  # 18 digits, 13
        ("100000000000000000", "wechat"),
        ("159999999999999999", "wechat"),
        ("250000000000000", None),  # 15 digits: too short for Alipay
        ("3000000000000000000000000", None),  # 25 digits: too long
        ("310000000000000000", None),  # 31: nobody's
        ("240000000000000000", None),  # 24: nobody's
        ("16000000000000000", None),  # 16 is not a WeChat prefix; 17 digits anyway
        ("1345678901234567890", None),  # 19 digits, 13: WeChat's are exactly 18
        ("13456789012345678", None),  # 17 digits
        ("09" + "0" * 16, None),
        ("28123456789012345X", None),
        ("２８１２３４５６７８９０１２３４５６", None),  # full-width digits are not a code
        ("", None),
    ],
)
def test_the_code_says_whose_it_is(code, wallet):
    assert d.wallet_of_code(code) == wallet


@given(head=st.integers(25, 30), rest=st.text("0123456789", min_size=14, max_size=22))
def test_every_alipay_shaped_code_is_alipay(head, rest):
    assert d.wallet_of_code(f"{head}{rest}") == "alipay"


@given(head=st.integers(10, 15), rest=st.text("0123456789", min_size=16, max_size=16))
def test_every_wechat_shaped_code_is_wechat(head, rest):
    assert d.wallet_of_code(f"{head}{rest}") == "wechat"


@given(code=st.text(min_size=0, max_size=30))
def test_a_code_is_never_two_wallets_and_anything_else_is_nobodys(code):
    found = d.wallet_of_code(code)
    digits = code.isascii() and code.isdigit()
    alipay = digits and 16 <= len(code) <= 24 and 25 <= int(code[:2]) <= 30
    wechat = digits and len(code) == 18 and 10 <= int(code[:2]) <= 15
    assert not (alipay and wechat)
    assert found == ("alipay" if alipay else "wechat" if wechat else None)


def test_a_code_that_is_nobodys_or_disagrees_with_the_wallet_is_refused():
    assert d.check_payment_code("134567890123456789") == "wechat"
    assert d.check_payment_code("281234567890123456", "alipay") == "alipay"
    for code, wallet, problem in (
        ("12345678", None, "auth-code-unrecognised"),
        (None, None, "auth-code-missing"),
        ("281234567890123456", "wechat", "auth-code-wallet-mismatch"),
    ):
        with pytest.raises(Problem) as e:
            d.check_payment_code(code, wallet)
        assert (e.value.status, e.value.code) == (422, problem)
    with pytest.raises(Problem) as e:
        d.check_payment_code("12345678")
    assert "Alipay" in e.value.detail and "WeChat Pay" in e.value.detail
