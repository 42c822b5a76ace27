"""Counts by class follow the privacy rules (civic.privacy): nothing per class before the
close, and after it nothing per class unless every class reached the minimum, since one
hidden class could be worked out from the others and the total."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.accounts.models import utcnow
from civic.audit.models import AuditEntry
from civic.constituencies import services as constituencies
from civic.consultations import services as consultations
from civic.extensions import db
from civic.privacy import ElectorateTooSmall
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.constituencies.helpers import make_constituency, member_of
from tests.consultations.helpers import make_consultation
from tests.votes.helpers import complete_case, make_proposal


@pytest.fixture
def minimum(app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 3)


def test_a_small_class_withholds_every_class_count(minimum):
    consultation, moderator, q = make_consultation(open_=False)
    staff = make_constituency(consultation.area, "Leisure staff")
    users = make_constituency(consultation.area, "Leisure users")
    constituencies.set_constituencies(moderator, consultation, [staff, users], editable=True)
    workers = [member_of(staff) for _ in range(3)]
    customers = [member_of(users) for _ in range(3)]
    consultations.open_consultation(moderator, consultation)
    for person in [*workers, customers[0]]:  # only one user answers
        consultations.save_response(person, consultation, {q["single"].id: "0"}, submit=True)
    consultations.close_consultation(moderator, consultation, reason="Closed early in this test")
    figures = consultations.class_figures(consultation)
    assert "Fewer than 3 responses came from Leisure users" in figures.withheld
    assert [r.count for r in figures.rows] == [None, None]  # staff's 3 hidden too
    assert consultations.class_choice_counts(consultation, figures) == {}
    assert figures.as_json()["classes"][0]["count"] is None


def test_every_class_at_the_minimum_is_published(minimum):
    consultation, moderator, q = make_consultation(open_=False)
    staff = make_constituency(consultation.area, "Leisure staff")
    constituencies.set_constituencies(moderator, consultation, [staff], editable=True)
    workers = [member_of(staff) for _ in range(3)]
    consultations.open_consultation(moderator, consultation)
    for person in workers:
        consultations.save_response(person, consultation, {q["single"].id: "1"}, submit=True)
    consultations.close_consultation(moderator, consultation, reason="Closed early in this test")
    figures = consultations.class_figures(consultation)
    assert figures.withheld is None and [r.count for r in figures.rows] == [3]


def test_a_consultation_cannot_open_to_a_class_too_small(minimum):
    consultation, moderator, _ = make_consultation(open_=False)
    staff = make_constituency(consultation.area, "Leisure staff")
    constituencies.set_constituencies(moderator, consultation, [staff], editable=True)
    member_of(staff)
    with pytest.raises(ElectorateTooSmall, match="Leisure staff"):
        consultations.open_consultation(moderator, consultation)


def test_majority_in_every_class_needs_every_class_big_enough(minimum):
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    staff, users = make_constituency(area, "Leisure staff"), make_constituency(area, "Users")
    constituencies.set_constituencies(moderator, proposal, [staff, users], editable=True)
    for _ in range(3):
        member_of(users)
    member_of(staff)
    member_of(staff)
    complete_case(moderator, proposal)
    votes.set_vote_rules(
        moderator, proposal, quorum_percent=0, majority="simple", majority_each_class=True
    )
    votes.open_consultation(moderator, proposal, 28)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    # 5 people in all is enough for the vote, but the staff class's own majority would
    # publish how two people voted
    with pytest.raises(ElectorateTooSmall, match="Leisure staff"):
        votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))


def test_the_close_entry_hides_small_class_counts_but_keeps_the_class_outcome(minimum):
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    staff, users = make_constituency(area, "Leisure staff"), make_constituency(area, "Users")
    constituencies.set_constituencies(moderator, proposal, [staff, users], editable=True)
    workers = [member_of(staff) for _ in range(3)]
    customers = [member_of(users) for _ in range(3)]
    complete_case(moderator, proposal)
    votes.set_vote_rules(
        moderator, proposal, quorum_percent=0, majority="simple", majority_each_class=True
    )
    votes.open_consultation(moderator, proposal, 28)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    for person in workers:
        votes.cast_vote(person, proposal, "for")
    votes.cast_vote(customers[0], proposal, "against")
    votes.close_vote(moderator, proposal, reason="Closed early in this test")
    body = db.session.scalar(select(AuditEntry.body).where(AuditEntry.action == "proposal:close"))
    classes = json.loads(body)["data"]["classes"]
    assert all("for" not in c and "against" not in c for c in classes)
    assert {c["constituency"]: c["majority"] for c in classes} == {
        "leisure-staff": True,
        "users": False,
    }
    assert votes.class_figures(proposal).withheld is not None
    assert proposal.outcome == "rejected"
