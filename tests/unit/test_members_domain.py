"""Members' pure rules: phones and masks, points rules, and the one ledger under any sequence of
earn, redeem, refund, split and replay (hypothesis), stored value spent paid-in first, and the
offline allowance that bounds how far the chain can be overspent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.members import domain as d

# -- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812341234", "+8613812341234"),
        ("138 1234-1234", "+8613812341234"),
        ("+86 138 1234 1234", "+8613812341234"),
        ("008613812341234", "+8613812341234"),
        ("+442079460000", "+442079460000"),
    ],
)
def test_phones_become_e164(raw: str, e164: str) -> None:
    assert d.normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "12345", "23812341234", "+86123", "+8612812341234", "١٣٨"])
def test_what_is_not_a_phone_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(d.PhoneInvalid, match=r"phone|mobile"):
        d.normalise_phone(raw)


def test_masks_keep_the_first_three_and_last_four() -> None:
    assert d.mask_phone("+8613812341234") == "138****1234"
    assert d.mask_phone("+442079460000") == "+44******0000"
    assert d.mask_phone(None) is None


@given(st.uuids())
def test_member_codes_are_stable_and_readable(u: object) -> None:
    code = d.member_code(str(u))
    assert code == d.member_code(str(u)) and len(code) == d.CODE_LEN
    assert set(code) <= set(d.CODE_ALPHABET)


# -- points rules ------------------------------------------------------------------------------

YUAN = d.PointsRule("yuan", d.RuleKind.PER_YUAN, points=1)
VISIT = d.PointsRule("visit", d.RuleKind.PER_VISIT, points=5)
NOODLE = d.PointsRule("noodle", d.RuleKind.PER_ITEM, points=3, item_id="noodle")
TUESDAY = d.PointsRule("tue", d.RuleKind.DOUBLE_DAY, weekdays=(1,))
BIRTHDAY = d.PointsRule("bday", d.RuleKind.BIRTHDAY, points=100)


def visit(weekday: int = 0, month_day: str = "01-01", birthday: str | None = None) -> d.Visit:
    lines = (d.SoldLine("l1", "noodle", 2, 3850), d.SoldLine("l2", "rice", 1, 300))
    return d.Visit("o1", "m1", lines, weekday, month_day, birthday)


def test_each_rule_earns_per_line_or_per_order() -> None:
    got = {(e.line, e.rule): e.delta for e in d.earn(visit(), [YUAN, VISIT, NOODLE, BIRTHDAY])}
    assert got == {("l1", "yuan"): 38, ("l2", "yuan"): 3, ("", "visit"): 5, ("l1", "noodle"): 6}


def test_double_days_birthdays_and_tiers_multiply() -> None:
    gold = d.Tier("gold", "金卡", "Gold", 1000, multiplier_pct=150)
    tue = d.earn(visit(weekday=1), [YUAN, TUESDAY], gold)
    assert sum(e.delta for e in tue) == 38 * 3 + 3 * 3  # ×2 on Tuesday, ×1.5 for gold
    bday = d.earn(visit(month_day="05-06", birthday="05-06"), [BIRTHDAY])
    assert [(e.rule, e.delta) for e in bday] == [("bday", 100)]


def test_tiers_are_reached_by_lifetime_points() -> None:
    tiers = [d.Tier("silver", "银", "Silver", 0), d.Tier("gold", "金", "Gold", 1000)]
    assert d.tier_for(999, tiers).key == "silver"
    assert d.tier_for(1000, tiers).key == "gold"
    assert d.tier_for(5, tiers[1:]) is None


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_pro_rata_shares_add_up_exactly(amount: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        with pytest.raises(ValueError):
            d.pro_rata(amount, weights)
        return
    shares = d.pro_rata(amount, weights)
    assert sum(shares) == amount
    for s, w in zip(shares, weights, strict=True):
        exact = amount * w / sum(weights)
        assert abs(s - exact) < 1
        if w == 0:
            assert s == 0


# -- the ledger under any sequence of operations -------------------------------------------------

MEMBERS = ("m1", "m2", "m3")
ORDERS = ("o1", "o2", "o3", "o4")
LINES = ("l1", "l2", "l3")

op = st.one_of(
    st.tuples(
        st.just("earn"),
        st.sampled_from(ORDERS),
        st.sampled_from(MEMBERS),
        st.lists(st.integers(0, 50_000), min_size=1, max_size=3),
    ),
    st.tuples(
        st.just("split"),
        st.sampled_from(ORDERS),
        st.lists(st.integers(0, 10_000), min_size=2, max_size=3),
        st.lists(st.integers(0, 50_000), min_size=1, max_size=3),
    ),
    st.tuples(st.just("redeem"), st.sampled_from(MEMBERS), st.integers(1, 300), st.integers(0, 5)),
    st.tuples(
        st.just("refund"),
        st.sampled_from(ORDERS),
        st.one_of(st.none(), st.sets(st.sampled_from(LINES), max_size=2)),
    ),
    st.tuples(st.just("replay"), st.integers(0, 100)),
)


@given(st.lists(op, max_size=40))
def test_balance_is_the_sum_of_the_ledger_and_never_negative(ops: list[tuple]) -> None:
    ledger = d.Ledger()
    rules = [YUAN, VISIT]
    done: list[list[d.Entry]] = []
    earned_by_order: dict[str, str] = {}
    for o in ops:
        entries: list[d.Entry] = []
        if o[0] == "earn":
            _, order, member, nets = o
            if earned_by_order.setdefault(order, member) != member:
                continue  # the service refuses an order earning for a second member
            lines = tuple(d.SoldLine(LINES[i], "x", 1, n) for i, n in enumerate(nets))
            entries = d.earn(d.Visit(order, member, lines, 0, "01-01", None), rules)
        elif o[0] == "split":
            _, order, weights, nets = o
            if order in earned_by_order or sum(weights) == 0:
                continue
            members = list(MEMBERS[: len(weights)])
            earned_by_order[order] = "split"
            lines = tuple(d.SoldLine(LINES[i], "x", 1, n) for i, n in enumerate(nets))
            whole = d.earn(d.Visit(order, "m1", lines, 0, "01-01", None), rules)
            entries = d.split(whole, members, weights)
            assert sum(e.delta for e in entries) == sum(e.delta for e in whole)
        elif o[0] == "redeem":
            _, member, points, n = o
            entries = [d.Entry(member, d.Account.POINTS, -points, f"r{n}", "", "off", "redeem")]
        elif o[0] == "refund":
            _, order, lines_ = o
            entries = d.reverse(ledger.of_ref(order), lines_)
        elif o[0] == "replay" and done:
            entries = done[o[1] % len(done)]
        before = {m: ledger.balance(d.Account.POINTS, m) for m in MEMBERS}
        try:
            new = ledger.post(entries)
        except d.LedgerRefused:
            assert o[0] == "redeem" and before[o[1]] < o[2]
            continue
        done.append(entries)
        if o[0] == "replay":
            assert new == [], "a replay never posts twice"
        for m in MEMBERS:
            pts = ledger.balance(d.Account.POINTS, m)
            assert pts == sum(
                e.delta
                for e in ledger.entries.values()
                if e.member_id == m and e.account is d.Account.POINTS
            )
            # Only a refund's reversal may leave points below zero (a debt); nothing else
            # takes a member below zero or further below it.
            if any(e.kind != "reverse" for e in new):
                assert pts >= 0 or pts >= before[m]
    for order in ORDERS:  # a full refund leaves exactly nothing of what the order earned
        ledger.post(d.reverse(ledger.of_ref(order), None))
        assert sum(e.delta for e in ledger.of_ref(order)) == 0


def test_refunding_some_lines_takes_back_only_theirs() -> None:
    ledger = d.Ledger()
    ledger.post(d.earn(visit(), [YUAN, VISIT]))
    ledger.post(d.reverse(ledger.of_ref("o1"), {"l1"}))
    assert ledger.balance(d.Account.POINTS) == 3 + 5
    ledger.post(d.reverse(ledger.of_ref("o1"), {"l1"}))  # twice: nothing more
    assert ledger.balance(d.Account.POINTS) == 3 + 5


# -- stored value --------------------------------------------------------------------------------


def test_top_up_bonus_tiers() -> None:
    tiers = [d.TopUpTier(50_000, 5_000), d.TopUpTier(100_000, 15_000)]
    assert [d.bonus_for(a, tiers) for a in (49_999, 50_000, 99_999, 200_000)] == [
        0,
        5_000,
        5_000,
        15_000,
    ]


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_spends_take_paid_in_first_and_refunds_give_back_the_same(
    amount: int, paid: int, bonus: int
) -> None:
    p, b = d.spend_split(amount, paid, bonus)
    assert p + b == amount and b >= 0
    assert b == 0 or p >= paid  # bonus only once paid-in is used up
    assert d.refund_split(amount, p, b) == (p, b)


@given(
    st.integers(0, 100_000),
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 30_000)), max_size=30),
)
def test_offline_stores_never_overspend_beyond_their_allowances(
    balance: int, spends: list[tuple[int, int]]
) -> None:
    """Three stores cut off from HQ each see the same HQ balance and spend on their own; HQ's
    balance, once it hears of every spend, is never below minus what it granted."""
    allowance = 20_000
    used = [0, 0, 0]
    local = [0, 0, 0]
    for store, amount in spends:
        s = d.Spendable(balance, local[store], True, allowance, used[store])
        if d.check_spend(s, amount) is None:
            used[store] += amount
            local[store] -= amount
        else:
            assert amount > s.limit
    hq = balance + sum(local)
    assert hq >= -3 * allowance
    assert all(u <= allowance for u in used)


def test_offline_refusal_says_why() -> None:
    s = d.Spendable(50_000, 0, True, 20_000, 15_000)
    why = d.check_spend(s, 10_000)
    assert why is not None and "offline" in why and "¥50.00" in why
    assert d.check_spend(d.Spendable(50_000, 0, False, 20_000, 15_000), 10_000) is None
