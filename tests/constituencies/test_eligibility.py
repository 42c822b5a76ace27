"""Stakeholder eligibility with separate counts (issue 15): a vote, consultation or budget
round open to constituencies lets their members take part, refuses everyone else, counts a
person in two classes once in the total and once in each class, and can require a majority
in every class."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.accounts.constituencies import ConstituencyKind, is_member
from civic.accounts.models import utcnow
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.constituencies import services as constituencies
from civic.consultations import services as consultations
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes import decision as rules
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.constituencies.helpers import make_constituency, member_of
from tests.consultations.helpers import make_consultation
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.votes.helpers import make_proposal


def _vote_open_to(*names: str, each_class: bool = False):
    """A proposal in draft opened to new constituencies `names`, then taken to voting."""
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    classes = [make_constituency(area, name) for name in names]
    constituencies.set_constituencies(moderator, proposal, classes, editable=True)
    return proposal, moderator, area, classes


def _to_voting(proposal, moderator, *, each_class: bool = False) -> None:
    from tests.votes.helpers import complete_case

    complete_case(moderator, proposal)
    votes.set_vote_rules(
        moderator, proposal, quorum_percent=0, majority="simple", majority_each_class=each_class
    )
    votes.open_consultation(moderator, proposal, 28)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))


def test_staff_can_vote_and_a_resident_not_in_the_class_cannot():
    proposal, moderator, area, (staff,) = _vote_open_to("Leisure staff")
    _to_voting(proposal, moderator)
    worker, resident = member_of(staff), resident_of(area)
    votes.cast_vote(worker, proposal, "against")
    with pytest.raises(PermissionDenied, match="Only Leisure staff can vote on this"):
        votes.cast_vote(resident, proposal, "for")
    # the electorate is the class, not the area's residents
    assert votes.eligible_count(proposal) == 1


def test_a_subject_with_no_class_keeps_the_residents_rule():
    proposal, _, area = make_proposal(ProposalState.VOTING)
    stranger = UserFactory()
    assert constituencies.may_take_part(resident_of(area), proposal)
    assert not constituencies.may_take_part(stranger, proposal)
    with pytest.raises(PermissionDenied, match="Only residents of"):
        votes.cast_vote(stranger, proposal, "for")


def test_residents_and_staff_mixed_and_one_person_in_both_counted_once_overall():
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    staff = make_constituency(area, "Leisure staff")
    residents = make_constituency(area, "Riverside residents", ConstituencyKind.RESIDENTS)
    constituencies.set_constituencies(moderator, proposal, [staff, residents], editable=True)
    _to_voting(proposal, moderator)
    both = member_of(staff, resident_of(area))
    only_staff, only_resident = member_of(staff), resident_of(area)
    assert {c.name for c in constituencies.eligible_for(both, proposal)} == {
        "Leisure staff",
        "Riverside residents",
    }
    assert votes.eligible_count(proposal) == 3  # not 4: `both` once
    votes.cast_vote(both, proposal, "for")
    votes.cast_vote(both, proposal, "against")  # a change: still one vote, one row per class
    votes.cast_vote(only_staff, proposal, "for")
    votes.cast_vote(only_resident, proposal, "for")
    result = votes.close_vote(moderator, proposal, reason="Closed early in this test")
    assert (result.votes_for, result.votes_against) == (2, 1)  # the total counts `both` once
    by_class = {r["name"]: r for r in proposal.class_results}
    assert (by_class["Leisure staff"]["for"], by_class["Leisure staff"]["against"]) == (1, 1)
    assert (by_class["Riverside residents"]["for"], by_class["Riverside residents"]["against"]) == (
        1,
        1,
    )
    assert by_class["Leisure staff"]["eligible"] == 2
    figures = votes.class_figures(proposal)
    assert figures.withheld is None
    assert {r.constituency.name: r.count for r in figures.rows} == {
        "Leisure staff": 2,
        "Riverside residents": 2,
    }


def test_majority_in_every_class_fails_when_one_class_says_no():
    proposal, moderator, _, (staff, users) = _vote_open_to("Leisure staff", "Leisure users")
    _to_voting(proposal, moderator, each_class=True)
    for _ in range(3):
        votes.cast_vote(member_of(users), proposal, "for")
    votes.cast_vote(member_of(staff), proposal, "against")
    votes.cast_vote(member_of(staff), proposal, "against")
    result = votes.close_vote(moderator, proposal, reason="Closed early in this test")
    # 3 for, 2 against passes overall, but the staff class said no
    assert (result.votes_for, result.votes_against) == (3, 2)
    assert result.outcome == rules.REJECTED == proposal.outcome
    assert votes.failed_class_names(proposal) == ["Leisure staff"]


def test_majority_in_every_class_passes_when_every_class_agrees():
    proposal, moderator, _, (staff, users) = _vote_open_to("Leisure staff", "Leisure users")
    _to_voting(proposal, moderator, each_class=True)
    votes.cast_vote(member_of(users), proposal, "for")
    votes.cast_vote(member_of(staff), proposal, "for")
    votes.cast_vote(member_of(staff), proposal, "against")
    votes.cast_vote(member_of(staff), proposal, "for")
    result = votes.close_vote(moderator, proposal, reason="Closed early in this test")
    assert result.outcome == rules.PASSED
    assert votes.failed_class_names(proposal) == []


def test_without_the_rule_a_class_that_says_no_does_not_block():
    proposal, moderator, _, (staff, users) = _vote_open_to("Leisure staff", "Leisure users")
    _to_voting(proposal, moderator, each_class=False)
    for _ in range(3):
        votes.cast_vote(member_of(users), proposal, "for")
    votes.cast_vote(member_of(staff), proposal, "against")
    result = votes.close_vote(moderator, proposal, reason="Closed early in this test")
    assert result.outcome == rules.PASSED
    assert votes.failed_class_names(proposal) == []


def test_the_class_rule_is_pure_arithmetic():
    assert rules.failed_classes([("A", 2, 1), ("B", 1, 1), ("C", 0, 0)], "simple") == ["B", "C"]
    assert rules.failed_classes([("A", 2, 1)], "two_thirds") == []
    assert rules.failed_classes([("A", 3, 2)], "two_thirds") == ["A"]
    passed = rules.VoteResult(rules.PASSED, 10, 3, 1)
    assert rules.class_outcome(passed, ["A"]) == rules.REJECTED
    assert rules.class_outcome(passed, []) == rules.PASSED
    quorum = rules.VoteResult(rules.QUORUM_NOT_MET, 10, 0, 0)
    assert rules.class_outcome(quorum, ["A"]) == rules.QUORUM_NOT_MET


def test_the_class_rule_needs_classes_before_voting_opens():
    proposal, moderator, _ = make_proposal(ProposalState.DRAFT)
    with pytest.raises(Conflict, match="needs the vote to be open to constituencies"):
        _to_voting(proposal, moderator, each_class=True)


def test_constituencies_are_fixed_once_out_of_draft_and_must_be_in_the_area(app):
    proposal, moderator, _, (staff,) = _vote_open_to("Leisure staff")
    elsewhere = make_constituency(GroupFactory().area, "Elsewhere staff")
    with pytest.raises(ValidationFailed, match="belongs to"):
        constituencies.set_constituencies(moderator, proposal, [elsewhere], editable=True)
    with pytest.raises(Conflict, match="fixed"):
        constituencies.set_constituencies(moderator, proposal, [], editable=False)
    with pytest.raises(PermissionDenied):
        constituencies.set_constituencies(member_of(staff), proposal, [], editable=True)
    assert constituencies.linked(proposal) == [staff]


def test_group_members_are_read_live_from_the_group():
    group = GroupFactory()
    members = make_constituency(
        group.area, "Allotment members", ConstituencyKind.GROUP_MEMBERS, group=group
    )
    person = UserFactory()
    assert not is_member(person, members)
    membership = MembershipFactory(group=group, user=person)
    db.session.expire(person, ["memberships"])
    assert is_member(person, members)
    group.memberships.remove(membership)
    db.session.flush()
    db.session.expire(person, ["memberships"])
    assert not is_member(person, members)  # left the group: no longer in the class


def test_a_group_class_needs_its_group():
    area = GroupFactory().area
    with pytest.raises(ValidationFailed) as failure:
        make_constituency(area, "Members", ConstituencyKind.GROUP_MEMBERS)
    assert "group" in failure.value.errors
    with pytest.raises(ValidationFailed) as failure:
        make_constituency(area, "  ")
    assert "name" in failure.value.errors


def test_consultation_open_to_staff_and_users_counts_responses_per_class():
    consultation, moderator, q = make_consultation(open_=False)
    staff = make_constituency(consultation.area, "Leisure staff")
    users = make_constituency(consultation.area, "Leisure users")
    constituencies.set_constituencies(moderator, consultation, [staff, users], editable=True)
    consultations.open_consultation(moderator, consultation)
    both = member_of(users, member_of(staff))
    worker, user = member_of(staff), member_of(users)
    resident = resident_of(consultation.area)
    assert not consultations.can_respond(resident, consultation)
    with pytest.raises(PermissionDenied, match="Leisure staff or Leisure users"):
        consultations.save_response(resident, consultation, {q["single"].id: "0"}, submit=True)
    for person, option in ((both, "0"), (worker, "0"), (user, "1")):
        consultations.save_response(person, consultation, {q["single"].id: option}, submit=True)
    assert consultations.electorate(consultation)[0] == 3
    # before the close nothing per class is shown
    assert consultations.class_figures(consultation).withheld is not None
    consultations.close_consultation(moderator, consultation, reason="Closed early in this test")
    figures = consultations.class_figures(consultation)
    assert figures.withheld is None
    assert {r.constituency.name: r.count for r in figures.rows} == {
        "Leisure staff": 2,
        "Leisure users": 2,
    }
    assert consultations.response_count(consultation, submitted_only=True) == 3
    choices = consultations.class_choice_counts(consultation, figures)
    assert choices[q["single"].id] == {staff.id: [2, 0], users.id: [1, 1]}


def test_budget_round_open_to_tenants_counts_ballots_per_class():
    round_, moderator, projects = make_round(phase=Phase.REVIEW)
    tenants = make_constituency(round_.area, "Estate tenants", ConstituencyKind.TENANTS)
    constituencies.set_constituencies(moderator, round_, [tenants], editable=True)
    budgets.advance_phase(moderator, round_, Phase.VOTING, reason="Moved early for the test")
    tenant, resident = member_of(tenants), resident_of(round_.area)
    assert budgets.can_take_part(tenant, round_) and not budgets.can_take_part(resident, round_)
    budgets.cast_ballot(tenant, round_, [(projects[0].id, 1)])
    with pytest.raises(PermissionDenied, match="Only Estate tenants can take part"):
        budgets.cast_ballot(resident, round_, [(projects[0].id, 1)])
    assert budgets.class_figures(round_).withheld is not None  # not before results
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Moved early for the test")
    figures = budgets.class_figures(round_)
    assert [(r.constituency.name, r.count) for r in figures.rows] == [("Estate tenants", 1)]


def test_a_withdrawn_ballot_counts_in_no_class():
    round_, moderator, projects = make_round(phase=Phase.REVIEW)
    tenants = make_constituency(round_.area, "Estate tenants", ConstituencyKind.TENANTS)
    constituencies.set_constituencies(moderator, round_, [tenants], editable=True)
    budgets.advance_phase(moderator, round_, Phase.VOTING, reason="Moved early for the test")
    tenant = member_of(tenants)
    budgets.cast_ballot(tenant, round_, [(projects[0].id, 1)])
    budgets.withdraw_ballot(tenant, round_)
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Moved early for the test")
    assert [r.count for r in budgets.class_figures(round_).rows] == [0]
