"""Recall petitions: who may sign, once each, withdrawal until the threshold, and the
recall review the threshold triggers in the same transaction."""

from __future__ import annotations

import json
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.audit.models import AuditEntry, AuditPending
from civic.contracts import review as reviews
from civic.contracts.recall import services
from civic.contracts.recall.models import PetitionState, RecallPetition, RecallSignature
from civic.errors import Conflict, PermissionDenied
from civic.extensions import db
from civic.votes.models import ProposalKind, ProposalState
from tests.budgets.rounds_helpers import resident_of
from tests.factories import AreaFactory, ContractFactory, UserFactory


def _contract(residents: int = 0, **kwargs):
    """A live contract and `residents` eligible residents of its area."""
    area = AreaFactory()
    contract = ContractFactory(area=area, **kwargs)
    return contract, [resident_of(area) for _ in range(residents)]


def _signatures(petition: RecallPetition) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecallSignature)
        .where(RecallSignature.petition_id == petition.id)
    )


def test_threshold_is_a_share_of_eligible_residents_rounded_up_and_at_least_one() -> None:
    assert services.threshold_for(40, Fraction(5)) == 2
    assert services.threshold_for(41, Fraction(5)) == 3
    assert services.threshold_for(3, Fraction(5)) == 1
    assert services.threshold_for(0, Fraction(5)) == 1
    assert services.threshold_for(200, Fraction(5, 2)) == 5
    assert services.percent_words(Fraction(5, 2)) == "2.5"
    assert services.percent_words(Fraction(5)) == "5"


def test_first_signature_opens_the_petition_with_its_threshold_fixed() -> None:
    contract, people = _contract(40)
    signed = services.sign(people[0], contract)
    petition = signed.petition
    assert not signed.triggered
    assert (petition.eligible_count, petition.threshold, petition.threshold_percent) == (
        40,
        2,
        "5",
    )
    assert petition.signature_count == 1 == _signatures(petition)
    assert petition.state is PetitionState.OPEN
    # newcomers to the area do not move the target
    for _ in range(40):
        resident_of(contract.area)
    assert services.public_progress(contract, petition)["threshold"] == 2


def test_signing_is_private_under_a_pseudonym_scoped_to_the_petition() -> None:
    contract, people = _contract(40)
    petition = services.sign(people[0], contract).petition
    queued = db.session.scalars(select(AuditPending)).all()
    assert [(q.action, q.subject_type, q.subject_id) for q in queued] == [
        ("recall:sign", "recall_petition", str(petition.id))
    ]
    assert queued[0].actor == audit.pseudonym(people[0].id, f"recall_petition:{petition.id}")
    assert queued[0].actor != audit.pseudonym(people[0].id)
    # nothing in the public log yet, and no user id in the signature row
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "recall:sign")
    ).all()
    row = db.session.scalars(select(RecallSignature)).one()
    assert str(people[0].id) != row.signer_key and len(row.signer_key) == 64


def test_signing_twice_is_refused_with_a_clear_message() -> None:
    contract, people = _contract(100)
    services.sign(people[0], contract)
    with pytest.raises(Conflict, match=r"You have already signed this recall petition\."):
        services.sign(people[0], contract)
    assert services.petition_for(contract).signature_count == 1


def test_only_eligible_residents_of_the_area_sign() -> None:
    contract, _ = _contract(10)
    elsewhere = resident_of(AreaFactory())
    with pytest.raises(PermissionDenied, match="Only residents of"):
        services.sign(elsewhere, contract)
    with pytest.raises(PermissionDenied):
        services.sign(UserFactory(), contract)
    with pytest.raises(PermissionDenied):
        services.sign(None, contract)
    assert services.petition_for(contract) is None


def test_signing_after_the_contract_ended_is_refused() -> None:
    yesterday = reviews.today() - timedelta(days=1)
    contract, people = _contract(10, start_date=date(2020, 1, 1), end_date=yesterday)
    with pytest.raises(Conflict, match=r"ended on .* can no longer be signed"):
        services.sign(people[0], contract)
    assert services.petition_for(contract) is None


def test_signing_is_refused_once_a_contract_is_terminated() -> None:
    from civic.contracts.models import ContractState

    contract, people = _contract(10)
    contract.state = ContractState.TERMINATED
    contract.ended_on = reviews.today() - timedelta(days=3)
    db.session.flush()
    with pytest.raises(Conflict):
        services.sign(people[0], contract)


def test_withdrawal_before_the_threshold() -> None:
    contract, people = _contract(100)  # threshold 5
    services.sign(people[0], contract)
    services.sign(people[1], contract)
    petition = services.withdraw(people[0], contract)
    assert petition.signature_count == 1 == _signatures(petition)
    assert not services.has_signed(petition, people[0])
    assert services.has_signed(petition, people[1])
    with pytest.raises(Conflict, match="You have not signed"):
        services.withdraw(people[0], contract)
    # they may sign again
    services.sign(people[0], contract)
    assert petition.signature_count == 2
    actions = [q.action for q in db.session.scalars(select(AuditPending))]
    assert sorted(actions) == ["recall:sign"] * 3 + ["recall:withdraw"]


def test_withdrawing_without_a_petition_is_refused() -> None:
    contract, people = _contract(10)
    with pytest.raises(Conflict, match="You have not signed"):
        services.withdraw(people[0], contract)


def test_reaching_the_threshold_starts_one_recall_review_in_house_by_default() -> None:
    contract, people = _contract(40, title="School meals")  # 5% of 40: 2 signatures
    first = services.sign(people[0], contract)
    assert not first.triggered
    second = services.sign(people[1], contract)
    assert second.triggered
    petition = second.petition
    assert petition.state is PetitionState.REACHED and petition.reached_at is not None
    proposal = petition.review_proposal
    assert proposal is not None
    assert proposal.kind is ProposalKind.OUTSOURCING and proposal.state is ProposalState.DRAFT
    assert proposal.title == "Recall review: School meals"
    assert proposal.created_by_id is None  # the system
    assert proposal.current_cost == contract.annual_value
    assert reviews.review_of(proposal) == (contract, reviews.RECALL)

    # the signatures it counted were released into the log before the entry that counts them
    entries = [
        json.loads(e.body) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    ]
    about = [e for e in entries if e["subject"]["type"] == "recall_petition"]
    assert [e["action"] for e in about] == ["recall:sign", "recall:sign", "recall:threshold"]
    data = about[-1]["data"]
    assert data["signatures"] == 2 and data["threshold"] == 2 and data["eligible"] == 40
    assert data["proposal"] == proposal.id and data["default_option"] == "in_house"
    assert about[-1]["actor"] is None
    assert not db.session.scalars(select(AuditPending)).all()


def test_after_the_threshold_signatures_are_final() -> None:
    contract, people = _contract(20)  # threshold 1
    services.sign(people[0], contract)
    with pytest.raises(Conflict, match="reached its threshold"):
        services.withdraw(people[0], contract)
    with pytest.raises(Conflict, match="reached its threshold"):
        services.sign(people[1], contract)
    petition = services.petition_for(contract)
    assert petition.signature_count == 1 == _signatures(petition)
    proposals = db.session.scalars(
        select(RecallPetition.review_proposal_id).where(RecallPetition.contract_id == contract.id)
    ).all()
    assert len(proposals) == 1


def test_the_threshold_setting_is_read(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "RECALL_THRESHOLD_PERCENT", "2.5")
    contract, people = _contract(200)
    petition = services.sign(people[0], contract).petition
    assert (petition.threshold, petition.threshold_percent) == (5, "2.5")


@pytest.mark.parametrize("bad", ["0", "0.0", "-5", "101", "five", "", "1/0"])
def test_a_threshold_of_zero_or_nonsense_stops_civic_at_start_up(bad) -> None:
    from civic.app import create_app
    from civic.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="CIVIC_RECALL_THRESHOLD_PERCENT"):
        create_app({"RECALL_THRESHOLD_PERCENT": bad})


@pytest.mark.parametrize("bad", ["0", "twelve", "-1"])
def test_a_review_window_of_no_months_stops_civic_at_start_up(bad) -> None:
    from civic.app import create_app
    from civic.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="CIVIC_CONTRACT_REVIEW_MONTHS"):
        create_app({"CONTRACT_REVIEW_MONTHS": bad})


def test_progress_is_shown_in_bands_until_the_threshold(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    contract, people = _contract(600)  # threshold 30
    for person in people[:13]:
        services.sign(person, contract)
    petition = services.petition_for(contract)
    progress = services.public_progress(contract, petition)
    assert progress["words"] == "at least 10" and progress["at_least"] == 10
    assert progress["rough"] and progress["threshold"] == 30
    assert progress["progress_percent"] == 33
    services.withdraw(people[0], contract)
    services.withdraw(people[1], contract)
    services.withdraw(people[2], contract)
    shown = services.public_progress(contract, petition)
    assert shown["words"] == "at least 10"  # 10 signatures: the same band
    services.withdraw(people[3], contract)
    assert services.public_progress(contract, petition)["words"] == "fewer than 10"


def test_the_list_and_the_scorecard_count_petitions_by_hand(app, monkeypatch) -> None:
    from civic.contracts import scorecard

    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 3)
    # A: 3 of 200 (threshold 10): listed, open. B: 2 of 200: not listed (below a band).
    # C: 1 of 10 (threshold 1): reached. D: no signatures at all.
    a, a_people = _contract(200)
    b, b_people = _contract(200)
    c, c_people = _contract(10)
    _contract(10)
    for person in a_people[:3]:
        services.sign(person, a)
    for person in b_people[:2]:
        services.sign(person, b)
    services.sign(c_people[0], c)
    listed = services.listed_petitions()
    assert {p.contract_id for p in listed} == {a.id, c.id}
    with app.test_request_context():
        figures = {r.key: r.compute() for r in scorecard.registered() if r.principle == 6}
    opened = figures["recall_petitions_opened"]
    reached = figures["recall_petitions_reached"]
    assert (opened.numerator, opened.denominator) == (2, None)
    assert (reached.numerator, reached.denominator) == (1, 2)
    assert opened.link == "/contracts/recall" == reached.link


def test_a_target_below_the_first_band_is_only_said_to_be_not_reached(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    contract, people = _contract(60)  # threshold 3, below the band of 10
    for person in people[:2]:
        services.sign(person, contract)
    progress = services.public_progress(contract, services.petition_for(contract))
    assert progress["words"] == "fewer than 3" and progress["at_least"] == 0
    assert progress["progress_percent"] == 0
    services.sign(people[2], contract)
    reached = services.public_progress(contract, services.petition_for(contract))
    assert reached["reached"] and reached["words"] == "3"
