"""Proposal lifecycle guards, votes, close and decision, permissions per role."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts.models import utcnow
from civic.audit.models import AuditEntry
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes import services
from civic.votes.models import ProposalState, Standard, VoteCast
from tests.factories import UserFactory
from tests.votes.helpers import ALL_YES, complete_case, make_proposal, residents


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_only_moderators_create_and_edit():
    proposal, _, area = make_proposal()
    resident = UserFactory()
    with pytest.raises(PermissionDenied):
        services.create_proposal(resident, area, proposal.kind, "x", "y")
    with pytest.raises(PermissionDenied):
        services.update_case(resident, proposal, public_interest_case="mine")
    with pytest.raises(PermissionDenied):
        services.open_consultation(resident, proposal, 28)


def test_draft_cannot_be_consulted_on_until_the_case_is_complete():
    proposal, moderator, _ = make_proposal()
    with pytest.raises(Conflict) as refused:
        services.open_consultation(moderator, proposal, 28)
    for needed in ("public-interest case", "in-house bid", "minimum standard"):
        assert needed in refused.value.message
    complete_case(moderator, proposal, standards={k: v for k, v in list(ALL_YES.items())[:-1]})
    with pytest.raises(Conflict, match="Published performance"):
        services.open_consultation(moderator, proposal, 28)
    services.answer_standards(moderator, proposal, ALL_YES)
    with pytest.raises(ValidationFailed, match="at least 28 days"):
        services.open_consultation(moderator, proposal, 14)
    services.open_consultation(moderator, proposal, 30)
    assert proposal.state is ProposalState.CONSULTATION


def test_no_bid_needs_a_reason():
    proposal, moderator, _ = make_proposal()
    complete_case(moderator, proposal)
    services.update_case(moderator, proposal, inhouse_bid=False, inhouse_bid_summary="")
    assert "the reason no in-house bid was made" in services.missing_for_consultation(proposal)
    services.update_case(
        moderator, proposal, no_bid_reason="The in-house team was disbanded in 2019"
    )
    assert services.missing_for_consultation(proposal) == []


def test_weights_must_add_up_to_100_and_scores_stay_in_range():
    proposal, moderator, _ = make_proposal()
    with pytest.raises(ValidationFailed, match="adding up to 100"):
        services.update_case(
            moderator, proposal, weight_cost=50, weight_quality=50, weight_social=10
        )
    with pytest.raises(ValidationFailed, match="between 0 and 100"):
        services.set_options(
            moderator,
            proposal,
            [services.OptionInput(services.OptionKind.PRIVATE, "X", 1, 101, 0, 0)],
        )


def test_a_no_needs_a_note():
    proposal, moderator, _ = make_proposal()
    with pytest.raises(ValidationFailed):
        services.answer_standards(moderator, proposal, {Standard.FAIR_WAGE.value: ("no", "")})


def test_case_is_frozen_after_draft_and_rules_after_voting_opens():
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    with pytest.raises(Conflict):
        services.update_case(moderator, proposal, public_interest_case="changed")
    services.set_vote_rules(moderator, proposal, quorum_percent=25, majority="two_thirds")
    voting, moderator2, _ = make_proposal(ProposalState.VOTING)
    with pytest.raises(Conflict, match="cannot be changed"):
        services.set_vote_rules(moderator2, voting, quorum_percent=1, majority="simple")
    assert voting.quorum_percent == 20


def test_vote_cannot_open_before_the_consultation_ends():
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    with pytest.raises(Conflict, match="consultation runs until"):
        services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))


def test_residents_vote_once_and_may_change_their_mind():
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    services.cast_vote(voter, proposal, "for")
    services.cast_vote(voter, proposal, "against")
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1
    assert services.my_vote(proposal, voter) == "against"
    vote_entries = select(AuditEntry).where(AuditEntry.action == "proposal:vote_cast")
    assert db.session.scalars(vote_entries).all() == []  # not in the log until its batch
    assert audit.release_pending() == 2
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(["proposal:vote_cast", "proposal:vote_change"]))
        .order_by(AuditEntry.action)
    )
    entries = entries.all()
    assert all(json.loads(e.body)["data"] == {} for e in entries)  # the choice is secret
    # one cast per ballot: the second vote is logged as a change, not a second cast
    assert [e.action for e in entries] == ["proposal:vote_cast", "proposal:vote_change"]
    # Who voted is not published either: the pseudonym is this vote's alone, not the one
    # that signs the resident's comments (the log shows one person changing their mind).
    assert entries[0].actor == entries[1].actor
    assert entries[0].actor != audit.pseudonym(voter.id)
    assert entries[0].actor == audit.pseudonym(voter.id, f"proposal:{proposal.id}")


def test_ineligible_and_late_votes_are_refused():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    with pytest.raises(PermissionDenied, match="Only residents"):
        services.cast_vote(UserFactory(), proposal, "for")
    (voter,) = residents(area, 1)
    with pytest.raises(ValidationFailed):
        services.cast_vote(voter, proposal, "maybe")
    services.close_vote(moderator, proposal, reason="Closed early in this test")
    with pytest.raises(Conflict, match="closed"):
        services.cast_vote(voter, proposal, "for")


def test_close_counts_and_decision_cannot_contradict_silently():
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=50)
    voters = residents(area, 4)
    services.cast_vote(voters[0], proposal, "for")  # 1 of 4 = 25% < 50% quorum
    result = services.close_vote(moderator, proposal, reason="Closed early in this test")
    assert result.outcome == "quorum_not_met" and proposal.votes_for == 1
    with pytest.raises(ValidationFailed) as failure:
        services.record_decision(moderator, proposal, "proceed", "Saves money")
    assert "override_reason" in failure.value.errors
    services.record_decision(moderator, proposal, "proceed", "Saves money", "Statutory deadline")
    assert proposal.state is ProposalState.DECIDED and proposal.override_reason
    assert _actions()[-2:] == ["proposal:close", "proposal:decide"]


def test_passed_vote_with_a_failed_standard_keeps_it_in_house_by_default():
    standards = dict(ALL_YES) | {Standard.UNION_RECOGNITION.value: ("no", "Provider refuses")}
    proposal, moderator, area = make_proposal(ProposalState.VOTING, standards=standards)
    for voter in residents(area, 3):
        services.cast_vote(voter, proposal, "for")
    assert (
        services.close_vote(moderator, proposal, reason="Closed early in this test").outcome
        == "passed"
    )
    with pytest.raises(ValidationFailed, match="not every standard"):
        services.record_decision(moderator, proposal, "proceed", "Vote passed")
    services.record_decision(moderator, proposal, "in_house", "Standards not met")


def test_close_due_votes_by_date():
    proposal, _, _ = make_proposal(ProposalState.VOTING)
    proposal.voting_until = utcnow() - timedelta(minutes=1)
    assert services.close_due_votes() == [f"proposal {proposal.id}: quorum_not_met"]
    assert proposal.state is ProposalState.CLOSED


def test_weighted_totals_rank_the_options():
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    rows = services.option_rows(proposal)
    # in-house 70*.4+60*.3+80*.3 = 70.0; private 90*.4+55*.3+30*.3 = 61.5
    assert [(r["option"].kind.value, r["total_text"]) for r in rows] == [
        ("in_house", "70.0"),
        ("private", "61.5"),
    ]


def test_long_decision_reasons_are_logged_as_a_digest_that_binds_the_published_text():
    """10,000 characters of reasons and of override reason would not fit an entry bundle
    (65,535 bytes) verbatim; the entry carries each text's SHA-256 and length instead."""
    proposal, moderator, _ = make_proposal(ProposalState.VOTING, quorum=50)
    services.close_vote(moderator, proposal, reason="Closed early in this test")
    reasons, override = "\U0001f600" * 10_000, "\u2603" * 10_000  # the forms' caps
    services.record_decision(moderator, proposal, "proceed", reasons, override)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal:decide")
    ).one()
    data = json.loads(entry.body)["data"]
    assert data["reasons"] == {
        "sha256": hashlib.sha256(proposal.decision_reasons.encode()).hexdigest(),
        "chars": len(proposal.decision_reasons),
    }
    assert data["override_reason"]["sha256"] == (
        hashlib.sha256(proposal.override_reason.encode()).hexdigest()
    )
