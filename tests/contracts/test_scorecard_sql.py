"""The scorecard's figures are counted by the database (issue 16): on a varied register
they equal what the old Python count over every contract and proposal gave (kept here as
the reference), and `/scorecard` and its JSON send the same statements, reading no
contract, with 5 contracts or 200."""

from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction

import pytest

from civic import audit
from civic.accounts.models import utcnow
from civic.clock import aware
from civic.consultations.models import Audience, Consultation, ConsultationState
from civic.contracts import scorecard_figures as figures
from civic.contracts.models import Contract, ContractState, ContractTerm, ProviderType
from civic.extensions import db
from civic.votes.models import Proposal, ProposalKind, ProposalState, Standard
from tests.factories import AreaFactory, ContractFactory, ModeratorFactory, ProviderFactory
from tests.queries import statements

# --- the reference: each figure as the register used to count it, row by row in Python ---


def _public() -> list[Contract]:
    return list(db.session.query(Contract).filter(Contract.state != ContractState.DRAFT))


def _proposals(**where) -> list[Proposal]:
    return [
        p
        for p in db.session.query(Proposal).filter(Proposal.state != ProposalState.DRAFT)
        if all(getattr(p, k) == v for k, v in where.items())
    ]


def _consulted(proposal: Proposal) -> bool:
    c = proposal.consultation
    if c is None or proposal.voting_from is None or c.state is ConsultationState.DRAFT:
        return False
    return aware(c.closed_at or c.closes_at) <= aware(proposal.voting_from)


def reference() -> dict[str, tuple[int, int]]:
    today = utcnow().date()
    public = _public()
    full = [c for c in public if all(a is not None for a in c.answers.values())]
    voted = [p for p in _proposals(kind=ProposalKind.OUTSOURCING) if p.voting_from is not None]
    began = figures.civic_began()
    awarded = [
        c
        for c in public
        if not c.provider.kind.in_public_hands
        and (c.proposal_id is not None or (began is not None and c.start_date >= began))
    ]
    awarded_voted = [c for c in awarded if c.proposal and c.proposal.voting_from is not None]
    outsourcing = _proposals(kind=ProposalKind.OUTSOURCING)
    live = [
        c
        for c in public
        if c.state is ContractState.PUBLISHED and c.start_date <= today and not c.has_ended(today)
    ]
    in_public = [c for c in live if c.provider.kind.in_public_hands]
    weights = [p.weight_social for p in _proposals()]
    return {
        "contracts_full_terms": (len(full), len(public)),
        "consulted_before_vote": (len([p for p in voted if _consulted(p)]), len(voted)),
        "outsourcing_put_to_vote": (len(awarded_voted), len(awarded)),
        "inhouse_bids": (len([p for p in outsourcing if p.inhouse_bid]), len(outsourcing)),
        "services_in_public_hands": (len(in_public), len(live)),
        "value_in_public_hands": (
            sum(c.annual_value for c in in_public),
            sum(c.annual_value for c in live),
        ),
        "social_value_weight": (len([w for w in weights if w >= 20]), len(weights)),
        "social_value_spread": (
            figures.whole(Fraction(sum(weights), len(weights))) if weights else None,
            min(weights, default=None),
            max(weights, default=None),
        ),
    }


def counted() -> dict[str, tuple[int, int]]:
    found = {
        key: (f.numerator, f.denominator)
        for key, f in (
            ("contracts_full_terms", figures.contracts_full_terms()),
            ("consulted_before_vote", figures.consulted_before_the_vote()),
            ("outsourcing_put_to_vote", figures.outsourcing_put_to_vote()),
            ("inhouse_bids", figures.inhouse_bids()),
            ("services_in_public_hands", figures.services_in_public_hands()),
            ("value_in_public_hands", figures.value_in_public_hands()),
            ("social_value_weight", figures.social_value_weight()),
        )
    }
    note = figures.social_value_weight().note
    spread = note.split("Average weight ")[1] if "Average weight" in note else None
    found["social_value_spread"] = spread
    return found


def _spread_text(spread: tuple) -> str | None:
    if spread[0] is None:
        return None
    return f"{spread[0]}%, lowest {spread[1]}%, highest {spread[2]}%."


# --- a varied register ----------------------------------------------------------------------


def _register(rng: random.Random, contracts: int, proposals: int) -> None:
    """Every edge the rules draw: drafts, terminated, ended yesterday, ending today,
    starting today or on the day Civic began, every provider type, partial and full
    terms (a draft with full terms too), proposals of both kinds in every state, with and
    without a vote, consultations in every state closing before, at and after the vote."""
    area, moderator = AreaFactory(), ModeratorFactory()
    audit.record(moderator, "proposal:create", area, {})  # Civic's record begins today
    today = utcnow().date()
    began = figures.civic_began()
    providers = [ProviderFactory(kind=kind) for kind in ProviderType]
    consultations = []
    for state in ConsultationState:
        for shift in (-3, 0, 3):
            closes = utcnow().replace(microsecond=0) - timedelta(days=10) + timedelta(days=shift)
            consultations.append(
                Consultation(
                    title="A consultation",
                    service="A service",
                    area_id=area.id,
                    audience=Audience.RESIDENTS,
                    state=state,
                    opens_at=closes - timedelta(days=28),
                    closes_at=closes,
                    closed_at=rng.choice([None, closes - timedelta(days=5), closes]),
                    created_by_id=moderator.id,
                )
            )
    db.session.add_all(consultations)
    db.session.flush()
    vote_opened = utcnow().replace(microsecond=0) - timedelta(days=10)
    made = []
    for n in range(proposals):
        consultation = rng.choice([None, *consultations])
        made.append(
            Proposal(
                kind=rng.choice(list(ProposalKind)),
                title=f"Proposal {n}",
                service="A service",
                area_id=area.id,
                state=rng.choice(list(ProposalState)),
                inhouse_bid=rng.choice([True, False, None]),
                weight_social=rng.choice([0, 5, 19, 20, 21, 30, 45, 100]),
                consultation_id=consultation.id if consultation else None,
                # the vote opened the moment some consultations closed: counted as before
                voting_from=rng.choice(
                    [
                        None,
                        vote_opened,
                        vote_opened + timedelta(days=5),
                        vote_opened - timedelta(days=20),
                    ]
                ),
                created_by_id=moderator.id,
            )
        )
    db.session.add_all(made)
    db.session.flush()
    starts = [began, today, today + timedelta(days=1), began - timedelta(days=1), date(2020, 1, 1)]
    ends = [today, today - timedelta(days=1), today + timedelta(days=1), date(2099, 1, 1)]
    for _ in range(contracts):
        state = rng.choice(list(ContractState))
        start = rng.choice(starts)
        contract = ContractFactory(
            area=area,
            provider=rng.choice(providers),
            state=state,
            published_at=None if state is ContractState.DRAFT else utcnow(),
            start_date=start,
            end_date=max(start, rng.choice(ends)),
            ended_on=rng.choice([None, today, today - timedelta(days=1), today + timedelta(1)]),
            annual_value=rng.choice([0, 1, 12_345, 1_000_000_00]),
            proposal=rng.choice(made) if rng.random() < 0.4 else None,
        )
        for standard in list(Standard)[: rng.choice([0, 1, len(Standard) - 1, len(Standard)])]:
            db.session.add(ContractTerm(contract_id=contract.id, standard=standard, answer="no"))
    db.session.flush()
    db.session.expire_all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_equals_the_count_over_every_row(seed):
    _register(random.Random(seed), contracts=80, proposals=80)
    expected = reference()
    found = counted()
    spread = expected.pop("social_value_spread")
    assert found.pop("social_value_spread") == _spread_text(spread)
    assert found == expected
    # the data set reaches every branch: nothing counted as all or nothing
    for key, (numerator, denominator) in expected.items():
        assert 0 < numerator < denominator, (key, numerator, denominator)


def test_an_empty_register_counts_nothing():
    found = counted()
    assert found.pop("social_value_spread") is None
    assert set(found.values()) == {(0, 0)}


# --- the page and its JSON cost the same statements however long the register ------------


def _grow(contracts: int) -> None:
    area, moderator = AreaFactory(), ModeratorFactory()
    providers = [ProviderFactory(kind=kind) for kind in ProviderType]
    for n in range(contracts):
        proposal = Proposal(
            kind=ProposalKind.OUTSOURCING,
            title=f"Proposal {n}",
            service="A service",
            area_id=area.id,
            state=ProposalState.VOTING,
            voting_from=utcnow(),
            created_by_id=moderator.id,
        )
        db.session.add(proposal)
        db.session.flush()
        contract = ContractFactory(area=area, provider=providers[n % 5], proposal=proposal)
        for standard in list(Standard)[: n % 3 * 4]:
            db.session.add(ContractTerm(contract_id=contract.id, standard=standard, answer="yes"))
    db.session.flush()


@pytest.mark.parametrize("url", ["/scorecard", "/api/v1/scorecard"])
def test_the_scorecard_sends_as_many_statements_with_200_contracts_as_with_5(client, url):
    def asked() -> list[str]:
        with statements() as seen:
            assert client.get(url).status_code == 200
        return seen

    _grow(5)
    small = asked()
    _grow(195)
    large = asked()
    assert len(large) == len(small), (len(small), len(large))
    assert not [s for s in large if "contract.title" in s or "proposal.title" in s], (
        "no contract or proposal is read into Python to be counted"
    )


def test_figures_take_a_statement_or_two_each(app):
    _grow(3)
    with app.test_request_context(), statements() as seen:
        counted()
    # seven figures, the social one asked twice above for its note, the date Civic began
    assert len(seen) <= 10, seen
