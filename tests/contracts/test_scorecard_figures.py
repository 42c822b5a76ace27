"""The scorecard's figures for principles 1, 4, 5, 7, 8 and 9 against small fixtures whose
answers were counted by hand (the expected numbers are written out, never recomputed)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from civic import audit
from civic.accounts.models import utcnow
from civic.consultations.models import Audience, Consultation, ConsultationState
from civic.contracts import scorecard_figures as figures
from civic.contracts.models import ContractState, ContractTerm, ProviderType
from civic.extensions import db
from civic.votes.models import Proposal, ProposalKind, ProposalState, Standard
from tests.factories import AreaFactory, ContractFactory, ModeratorFactory, ProviderFactory


@pytest.fixture
def area():
    return AreaFactory()


@pytest.fixture
def moderator():
    return ModeratorFactory()


def _proposal(area, moderator, state=ProposalState.CONSULTATION, **values) -> Proposal:
    proposal = Proposal(
        kind=values.pop("kind", ProposalKind.OUTSOURCING),
        title="A proposal",
        service="A service",
        area_id=area.id,
        state=state,
        created_by_id=moderator.id,
        **values,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _consultation(area, moderator, state, closes_at, closed_at=None) -> Consultation:
    consultation = Consultation(
        title="A consultation",
        service="A service",
        area_id=area.id,
        audience=Audience.RESIDENTS,
        state=state,
        opens_at=closes_at - timedelta(days=28),
        closes_at=closes_at,
        closed_at=closed_at,
        created_by_id=moderator.id,
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


def _terms(contract, standards) -> None:
    for standard in standards:
        db.session.add(ContractTerm(contract_id=contract.id, standard=standard, answer="yes"))
    db.session.flush()
    db.session.expire(contract, ["terms"])


def _provider(kind: ProviderType):
    return ProviderFactory(kind=kind)


# --- 1 ------------------------------------------------------------------------------------


def test_contracts_published_with_full_terms():
    every = list(Standard)
    full = ContractFactory()
    _terms(full, every)
    one_missing = ContractFactory()
    _terms(one_missing, every[:-1])
    ended_full = ContractFactory(state=ContractState.TERMINATED, ended_on=date(2026, 1, 1))
    _terms(ended_full, every)
    draft_full = ContractFactory(state=ContractState.DRAFT, published_at=None)
    _terms(draft_full, every)
    ContractFactory()  # no terms at all
    # public: full, one_missing, ended_full, no terms = 4; with every term: full, ended_full
    counted = figures.contracts_full_terms()
    assert (counted.numerator, counted.denominator) == (2, 4)
    assert counted.link == "/contracts"


# --- 4 ------------------------------------------------------------------------------------


def test_outsourcing_proposals_consulted_on_before_the_vote(area, moderator):
    vote_opened = utcnow() - timedelta(days=5)
    before, after = vote_opened - timedelta(days=2), vote_opened + timedelta(days=2)
    voting = {"state": ProposalState.VOTING, "voting_from": vote_opened}
    cases = {
        # closed (by date) before the vote opened: yes
        "closed_before": _consultation(area, moderator, ConsultationState.CLOSED, before, before),
        # still open when the vote opened: no
        "open_after": _consultation(area, moderator, ConsultationState.OPEN, after),
        # never opened to residents: no
        "draft": _consultation(area, moderator, ConsultationState.DRAFT, before),
        # open, but its closing date had passed before the vote (not yet closed by tick): yes
        "open_but_ended": _consultation(area, moderator, ConsultationState.OPEN, before),
        # closed early, before its published date and before the vote, with a reply: yes
        "closed_early": _consultation(area, moderator, ConsultationState.RESPONDED, after, before),
    }
    for consultation in cases.values():
        _proposal(area, moderator, consultation_id=consultation.id, **voting)
    _proposal(area, moderator, **voting)  # reached the vote with no consultation: no
    # not counted at all: not yet voting, or a disposal
    _proposal(area, moderator, consultation_id=cases["closed_before"].id)
    _proposal(
        area,
        moderator,
        kind=ProposalKind.DISPOSAL,
        consultation_id=cases["closed_before"].id,
        **voting,
    )
    counted = figures.consulted_before_the_vote()
    assert (counted.numerator, counted.denominator) == (3, 6)


# --- 5 ------------------------------------------------------------------------------------


def test_outside_contracts_put_to_a_public_vote(area, moderator):
    voted = _proposal(area, moderator, state=ProposalState.DECIDED, voting_from=utcnow())
    unvoted = _proposal(area, moderator, state=ProposalState.DRAFT)
    backfilled = _proposal(area, moderator, state=ProposalState.DECIDED, voting_from=utcnow())
    audit.record(moderator, "proposal:create", voted, {})  # Civic's record begins today
    began = figures.civic_began()
    assert began is not None and began <= utcnow().date()
    later = began + timedelta(days=40)
    private = _provider(ProviderType.PRIVATE)
    ContractFactory(provider=private, start_date=date(2025, 4, 1))  # before Civic: out
    ContractFactory(provider=private, start_date=later, proposal=voted)  # in, voted
    ContractFactory(provider=_provider(ProviderType.COOPERATIVE), start_date=later)  # in
    ContractFactory(provider=_provider(ProviderType.IN_HOUSE), start_date=later)  # public: out
    ContractFactory(  # from before Civic, but linked to a voted proposal: in, voted
        provider=_provider(ProviderType.SOCIAL_ENTERPRISE),
        start_date=date(2024, 6, 1),
        proposal=backfilled,
    )
    ContractFactory(provider=private, start_date=later, proposal=unvoted)  # in, no vote
    ContractFactory(  # a draft is not in the register: out
        provider=private, start_date=later, state=ContractState.DRAFT, published_at=None
    )
    counted = figures.outsourcing_put_to_vote()
    assert (counted.numerator, counted.denominator) == (2, 4)
    assert figures.clock.day(began) in counted.note


# --- 7 ------------------------------------------------------------------------------------


def test_in_house_bids_made(area, moderator):
    _proposal(area, moderator, inhouse_bid=True)
    _proposal(area, moderator, state=ProposalState.VOTING, inhouse_bid=False)
    _proposal(area, moderator, state=ProposalState.DECIDED, inhouse_bid=True)
    _proposal(area, moderator, inhouse_bid=None)  # not yet said: counted, no bid
    _proposal(area, moderator, state=ProposalState.DRAFT, inhouse_bid=True)  # draft: out
    _proposal(area, moderator, kind=ProposalKind.DISPOSAL, inhouse_bid=True)  # disposal: out
    counted = figures.inhouse_bids()
    assert (counted.numerator, counted.denominator) == (2, 4)


# --- 8 ------------------------------------------------------------------------------------


def test_services_in_public_hands_by_number_and_by_value():
    today = utcnow().date()
    live = {"start_date": date(2025, 4, 1), "end_date": today + timedelta(days=400)}
    ContractFactory(provider=_provider(ProviderType.IN_HOUSE), annual_value=100, **live)
    ContractFactory(provider=_provider(ProviderType.COUNCIL_COMPANY), annual_value=200, **live)
    ContractFactory(provider=_provider(ProviderType.PRIVATE), annual_value=700, **live)
    ContractFactory(provider=_provider(ProviderType.COOPERATIVE), annual_value=50, **live)
    in_house = _provider(ProviderType.IN_HOUSE)
    ContractFactory(  # ended yesterday
        provider=in_house,
        annual_value=1000,
        start_date=date(2020, 1, 1),
        end_date=today - timedelta(days=1),
    )
    ContractFactory(  # starts next month
        provider=in_house,
        annual_value=1000,
        start_date=today + timedelta(days=30),
        end_date=today + timedelta(days=400),
    )
    ContractFactory(  # terminated early
        provider=in_house,
        annual_value=1000,
        state=ContractState.TERMINATED,
        ended_on=today - timedelta(days=3),
        **live,
    )
    ContractFactory(  # a draft
        provider=in_house, annual_value=1000, state=ContractState.DRAFT, published_at=None, **live
    )
    by_number = figures.services_in_public_hands()
    assert (by_number.numerator, by_number.denominator) == (2, 4)
    by_value = figures.value_in_public_hands()
    assert (by_value.numerator, by_value.denominator) == (300, 1050)
    assert by_value.money and not by_number.money
    assert figures.percent(300, 1050) == 29  # 28.57...


def test_a_contract_ending_today_is_still_live():
    today = utcnow().date()
    ContractFactory(provider=_provider(ProviderType.IN_HOUSE), end_date=today)
    counted = figures.services_in_public_hands()
    assert (counted.numerator, counted.denominator) == (1, 1)


# --- 9 ------------------------------------------------------------------------------------


def test_social_value_weight_used(area, moderator, app, monkeypatch):
    for weight, state in (
        (30, ProposalState.CONSULTATION),
        (20, ProposalState.VOTING),
        (10, ProposalState.DECIDED),
        (45, ProposalState.CLOSED),
        (5, ProposalState.DRAFT),  # a draft: not counted
    ):
        _proposal(area, moderator, state=state, weight_social=weight)
    _proposal(
        area,
        moderator,
        kind=ProposalKind.DISPOSAL,
        state=ProposalState.DECIDED,
        weight_social=40,
    )
    counted = figures.social_value_weight()
    # 30, 20, 10, 45, 40: four of five at 20% or more; average 29, lowest 10, highest 45
    assert (counted.numerator, counted.denominator) == (4, 5)
    assert "Average weight 29%, lowest 10%, highest 45%" in counted.note
    monkeypatch.setitem(app.config, "MIN_SOCIAL_VALUE_WEIGHT", 35)
    stricter = figures.social_value_weight()
    assert (stricter.numerator, stricter.denominator) == (2, 5)
    assert "35%" in stricter.label


def test_social_value_weight_with_no_proposals():
    counted = figures.social_value_weight()
    assert (counted.numerator, counted.denominator) == (0, 0)
    assert "Average" not in counted.note


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(1, 2), 1), (Fraction(3, 2), 2), (Fraction(133, 2), 67), (Fraction(26, 1), 26)],
)
def test_whole_rounds_halves_up(value, expected):
    assert figures.whole(value) == expected


def test_percent():
    assert figures.percent(2, 3) == 67
    assert figures.percent(1, 8) == 13  # 12.5
    assert figures.percent(0, 5) == 0
    assert figures.percent(5, 5) == 100
