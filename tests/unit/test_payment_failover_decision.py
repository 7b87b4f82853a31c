"""The failover decision (``payments.failover.decide``) driven through every chain of failures.

A chain is run as ``take_payment`` runs it: decide, "call" the chosen provider (its outcome
drawn by hypothesis), decide again, with the breakers and the budget free to change between
steps. The rules hold whatever happens.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.payments.domain import WALLETS, Tender
from hearth.payments.failover import (
    Attempt,
    Candidate,
    Done,
    GiveUp,
    GoOffline,
    Outcome,
    Stop,
    Tried,
    TryProvider,
    decide,
    outcome_of_answer,
    outcome_of_error,
)
from hearth.payments.messages import text
from hearth.payments.providers.base import FailureKind, ProviderStatus

NAMES = ("alipay", "wechat", "card", "spare")
PROVIDER_TENDERS = (Tender.WALLET_SCAN, Tender.WALLET_QR, Tender.CARD)


@st.composite
def candidates(draw: st.DrawFn) -> tuple[Candidate, ...]:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    return tuple(
        Candidate(
            n,
            admits=draw(st.booleans()),
            open=draw(st.booleans()),
            wallets=frozenset(draw(st.lists(st.sampled_from(WALLETS)))),
        )
        for n in names
    )


def breakers_move(data: st.DataObject, cs: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
    """Between two decisions a breaker may open, cool down or hand out its trial."""
    draw = data.draw
    return tuple(
        Candidate(c.name, admits=draw(st.booleans()), open=draw(st.booleans()), wallets=c.wallets)
        for c in cs
    )


@st.composite
def attempts(draw: st.DrawFn) -> Attempt:
    tender = draw(st.sampled_from(PROVIDER_TENDERS))
    return Attempt(
        tender=tender,
        candidates=draw(candidates()),
        budget_left_ms=draw(st.floats(0, 3_000)),
        auto_failover=draw(st.booleans()),
        code_wallet=draw(st.sampled_from(WALLETS)) if tender is Tender.WALLET_SCAN else None,
        other_methods=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from((Tender.WALLET_QR, Tender.CARD)), st.sampled_from(NAMES)
                    ),
                    max_size=3,
                )
            )
        ),
        offline_allowed=draw(st.booleans()),
    )


def run_chain(data: st.DataObject, first: Attempt) -> list[tuple[Attempt, object]]:
    """Every (situation, decision) of one request, to its end."""
    draw = data.draw
    steps: list[tuple[Attempt, object]] = []
    a = first
    for _ in range(len(NAMES) + 2):  # more than any chain may take
        decision = decide(a)
        steps.append((a, decision))
        if not isinstance(decision, TryProvider):
            return steps
        outcome = draw(st.sampled_from(list(Outcome)))
        a = Attempt(
            a.tender,
            breakers_move(data, a.candidates),
            (*a.tried, Tried(decision.provider, outcome)),
            a.budget_left_ms - draw(st.floats(0, 1_500)),
            a.auto_failover,
            a.code_wallet,
            a.other_methods,
            a.offline_allowed,
        )
    raise AssertionError(f"the chain did not end: {steps}")


@settings(max_examples=400)
@given(st.data(), attempts())
def test_every_chain_ends_and_keeps_the_rules(data: st.DataObject, first: Attempt) -> None:
    steps = run_chain(data, first)
    tries = [d.provider for _, d in steps if isinstance(d, TryProvider)]
    # A provider is tried at most once per request, so the chain ends within their number:
    # an intent that may have charged (timeout, lost answer) is never charged again.
    assert len(tries) == len(set(tries)) <= len(first.candidates)
    # Without automatic failover the first provider that fails ends the chain.
    if not first.auto_failover:
        assert len(tries) <= 1
    found_down: set[str] = set()  # passed over at some point of this request
    for a, decision in steps:
        by_name = {c.name: c for c in a.candidates}
        found_down |= {c.name for c in a.candidates if not c.admits}
        if isinstance(decision, TryProvider):
            chosen = by_name[decision.provider]
            assert chosen.admits, "never past an open breaker"
            assert a.budget_left_ms > 100, "no call once the budget is spent"
            if a.code_wallet is not None:
                assert a.code_wallet in chosen.wallets, "a code only goes to its own wallet"
        if a.tried and a.tried[-1].outcome in (Outcome.DECLINED, Outcome.ANSWERED):
            assert isinstance(decision, Done), "a decline or an answer is final"
        if isinstance(decision, Done):
            assert a.tried, "nothing stands before anything was tried"
        if isinstance(decision, GoOffline):
            assert a.offline_allowed
            assert by_name[decision.provider].wallets >= (
                {a.code_wallet} if a.code_wallet else set()
            )
            routes = [
                c for c in a.candidates if a.code_wallet is None or a.code_wallet in c.wallets
            ]
            tried = {t.provider for t in a.tried}
            assert all(c.name in tried | found_down for c in routes), (
                "offline only when every provider was tried or found down"
            )
        if isinstance(decision, GiveUp):
            fallback = decision.fallback
            assert (
                fallback.provider not in {t.provider for t in a.tried}
                or decision.stop is not Stop.SUGGEST_BACKUP
            ), "never suggest what just failed"
            if decision.stop is Stop.SUGGEST_BACKUP and a.code_wallet is not None:
                assert a.code_wallet in by_name[str(fallback.provider)].wallets
            if decision.stop in (Stop.SWITCH_METHOD, Stop.WALLET_NOT_HERE):
                assert fallback.tender != Tender.WALLET_SCAN.value


@given(attempts())
def test_no_call_goes_out_once_the_budget_is_spent(a: Attempt) -> None:
    spent = Attempt(
        a.tender,
        a.candidates,
        (),
        100,
        a.auto_failover,
        a.code_wallet,
        a.other_methods,
        a.offline_allowed,
    )
    assert not isinstance(decide(spent), TryProvider)


@given(st.sampled_from([FailureKind.DECLINED, FailureKind.INVALID]))
def test_a_decline_never_fails_over(kind: FailureKind) -> None:
    a = Attempt(
        Tender.CARD,
        (Candidate("card"), Candidate("spare")),
        (Tried("card", outcome_of_error(kind)),),
    )
    assert decide(a) == Done()


def test_how_a_call_ended_decides_what_may_follow() -> None:
    assert outcome_of_error(FailureKind.UNAVAILABLE) is Outcome.DOWN
    assert outcome_of_error(FailureKind.TIMEOUT) is Outcome.UNKNOWN
    assert outcome_of_answer(ProviderStatus.UNKNOWN) is Outcome.UNKNOWN
    assert outcome_of_answer(ProviderStatus.SUCCEEDED) is Outcome.ANSWERED
    assert outcome_of_answer(ProviderStatus.PENDING) is Outcome.ANSWERED
    for said_no in (ProviderStatus.FAILED, ProviderStatus.NOT_FOUND, ProviderStatus.REVERSED):
        assert outcome_of_answer(said_no) is Outcome.DECLINED


def test_a_lost_answer_moves_on_to_the_backup_and_leaves_the_intent_to_the_settler() -> None:
    a = Attempt(
        Tender.WALLET_QR,
        (Candidate("alipay"), Candidate("wechat")),
        (Tried("alipay", Outcome.UNKNOWN),),
    )
    assert decide(a) == TryProvider("wechat", text("switched", "alipay", "wechat"), True)


def test_an_open_breaker_is_passed_over_and_the_cashier_told_why() -> None:
    a = Attempt(
        Tender.WALLET_QR, (Candidate("alipay", admits=False, open=True), Candidate("wechat"))
    )
    assert decide(a) == TryProvider("wechat", text("switched_open", "alipay", "wechat"), True)


def test_without_automatic_failover_the_backup_is_suggested() -> None:
    a = Attempt(
        Tender.CARD,
        (Candidate("card"), Candidate("spare")),
        (Tried("card", Outcome.DOWN),),
        auto_failover=False,
    )
    decision = decide(a)
    assert isinstance(decision, GiveUp) and decision.stop is Stop.SUGGEST_BACKUP
    assert decision.fallback.to_json() == {
        "tender": "card",
        "provider": "spare",
        "reason_zh": text("suggest", "card", "spare")[0],
        "reason_en": text("suggest", "card", "spare")[1],
    }


def test_a_code_whose_wallet_is_down_switches_method_rather_than_wallet() -> None:
    a = Attempt(
        Tender.WALLET_SCAN,
        (
            Candidate("alipay", wallets=frozenset({"alipay"})),
            Candidate("wechat", wallets=frozenset({"wechat"})),
        ),
        (Tried("alipay", Outcome.DOWN),),
        code_wallet="alipay",
        other_methods=((Tender.WALLET_QR, "alipay"), (Tender.WALLET_QR, "wechat")),
        offline_allowed=True,
    )
    decision = decide(a)
    assert isinstance(decision, GiveUp) and decision.stop is Stop.SWITCH_METHOD
    assert (decision.fallback.tender, decision.fallback.provider) == ("wallet_qr", "wechat")
    assert decision.wallet_down


def test_every_provider_down_takes_an_allowed_tender_offline() -> None:
    a = Attempt(
        Tender.CARD,
        (Candidate("card"), Candidate("spare", admits=False, open=True)),
        (Tried("card", Outcome.DOWN),),
        offline_allowed=True,
    )
    assert decide(a) == GoOffline("card")
    refused = Attempt(Tender.CARD, a.candidates, a.tried, offline_allowed=False)
    decision = decide(refused)
    assert isinstance(decision, GiveUp) and decision.stop is Stop.ALL_DOWN


def test_nothing_set_up_for_the_tender_or_the_wallet() -> None:
    none = decide(Attempt(Tender.CARD, ()))
    assert isinstance(none, GiveUp) and none.stop is Stop.NO_PROVIDER
    assert none.fallback.tender == "cash"
    other = decide(
        Attempt(
            Tender.WALLET_SCAN,
            (Candidate("alipay", wallets=frozenset({"alipay"})),),
            code_wallet="wechat",
            other_methods=((Tender.CARD, "card"),),
        )
    )
    assert isinstance(other, GiveUp) and other.stop is Stop.WALLET_NOT_HERE
    assert (other.fallback.tender, other.fallback.provider) == ("card", "card")
