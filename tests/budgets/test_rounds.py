"""Budget rounds: phases, projects, ballots of every kind, paper ballots, results, roles."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.audit.models import AuditEntry
from civic.budgets import services
from civic.budgets.models import Ballot, BallotKind, Phase, ProjectStatus, RoundResult
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.factories import UserFactory


def _ballots() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


def test_round_needs_ordered_dates_and_rule_settings():
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    bad = services.RoundSettings(
        title="x",
        slug="Bad Slug",
        description="",
        amount=150,
        currency="GBP",
        dates=[
            round_.voting_from,
            round_.ideas_from,
            round_.review_from,
            round_.results_from,
            round_.delivery_from,
        ],
        ballot_kind=BallotKind.CUMULATIVE,
        rule="greedy-threshold",
    )
    with pytest.raises(ValidationFailed) as failure:
        services.create_round(moderator, round_.area, bad)
    assert set(failure.value.errors) >= {"slug", "amount", "dates", "threshold", "points"}


def test_residents_cannot_create_rounds_or_review():
    round_, _, projects = make_round(phase=Phase.IDEAS)
    resident = resident_of(round_.area)
    with pytest.raises(PermissionDenied):
        services.create_round(resident, round_.area, None)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.review_project(resident, projects[0], feasible=False, reason="no")
    with pytest.raises(PermissionDenied):
        services.advance_phase(resident, round_, Phase.REVIEW)


def test_phases_move_forward_one_step_and_are_audited():
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    with pytest.raises(Conflict):
        services.advance_phase(moderator, round_, Phase.VOTING)  # skipping
    services.advance_phase(moderator, round_, Phase.REVIEW)
    with pytest.raises(Conflict):
        services.advance_phase(moderator, round_, Phase.IDEAS)  # backwards
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("budget_round:phase") == 1


def test_advance_by_date_runs_every_due_step():
    round_, _, _ = make_round(phase=Phase.IDEAS)
    moved = services.advance_due_rounds()
    assert round_.phase is Phase.VOTING and moved[-1].endswith("voting")


def test_rejection_needs_a_public_reason_and_cost_changes_a_note():
    _, moderator, projects = make_round(phase=Phase.IDEAS)
    with pytest.raises(ValidationFailed):
        services.review_project(moderator, projects[0], feasible=False, reason="")
    services.review_project(moderator, projects[0], feasible=False, reason="Not council land")
    assert projects[0].status is ProjectStatus.REJECTED
    with pytest.raises(ValidationFailed):
        services.review_project(moderator, projects[1], feasible=True, cost_units=350)
    services.review_project(
        moderator, projects[1], feasible=True, cost_units=350, cost_note="Quote"
    )
    assert projects[1].cost == 35000 and projects[1].proposed_cost == 30000


def test_only_residents_propose_and_only_in_ideas():
    round_, _, _ = make_round(phase=Phase.IDEAS)
    with pytest.raises(PermissionDenied, match="Only residents"):
        services.propose_project(UserFactory(), round_, title="t", description="d", cost_units=10)
    resident = resident_of(round_.area)
    with pytest.raises(ValidationFailed) as failure:
        services.propose_project(resident, round_, title="", description="", cost_units=10**9)
    assert set(failure.value.errors) == {"title", "description", "cost"}


def test_approval_ballot_within_budget_and_change_of_mind():
    round_, _, (a, b, c, d) = make_round()
    voter = resident_of(round_.area)
    with pytest.raises(ValidationFailed, match="more than the budget"):
        services.cast_ballot(voter, round_, [(a.id, 1), (b.id, 1), (d.id, 1)])  # 1200 > 1000
    assert _ballots() == 0
    services.cast_ballot(voter, round_, [(a.id, 1), (b.id, 1)])
    services.cast_ballot(voter, round_, [(c.id, 1)])
    assert _ballots() == 1
    assert services.current_choice(round_, voter) == [(c.id, 1)]


def test_min_and_max_projects():
    round_, _, (a, b, c, _) = make_round(min_projects=2, max_projects=2)
    voter = resident_of(round_.area)
    with pytest.raises(ValidationFailed, match="at least 2"):
        services.cast_ballot(voter, round_, [(a.id, 1)])
    with pytest.raises(ValidationFailed, match="at most 2"):
        services.cast_ballot(voter, round_, [(a.id, 1), (b.id, 1), (c.id, 1)])


def test_k_of_n_cumulative_and_ranked_limits():
    k_round, _, (a, b, c, _) = make_round(BallotKind.K_OF_N, max_projects=2)
    with pytest.raises(ValidationFailed, match="at most 2"):
        services.cast_ballot(resident_of(k_round.area), k_round, [(a.id, 1), (b.id, 1), (c.id, 1)])
    cum, _, (a, b, *_rest) = make_round(BallotKind.CUMULATIVE, points=10, max_points_per_project=6)
    voter = resident_of(cum.area)
    with pytest.raises(ValidationFailed, match="share out 10 points"):
        services.cast_ballot(voter, cum, [(a.id, 6), (b.id, 5)])
    with pytest.raises(ValidationFailed, match="at most 6 points"):
        services.cast_ballot(voter, cum, [(a.id, 7)])
    services.cast_ballot(voter, cum, [(a.id, 6), (b.id, 4)])
    ranked, _, (a, b, *_rest) = make_round(BallotKind.RANKED, max_projects=2)
    with pytest.raises(ValidationFailed, match="once"):
        services.cast_ballot(resident_of(ranked.area), ranked, [(a.id, 1), (a.id, 1)])


def test_ineligible_and_closed_voting_are_refused():
    round_, moderator, (a, *_rest) = make_round()
    with pytest.raises(PermissionDenied):
        services.cast_ballot(UserFactory(), round_, [(a.id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    with pytest.raises(Conflict, match="closed"):
        services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])


def test_paper_ballots_count_and_nobody_votes_both_ways():
    round_, moderator, (a, b, *_rest) = make_round()
    online, offline = resident_of(round_.area), resident_of(round_.area)
    services.cast_ballot(online, round_, [(a.id, 1)])
    with pytest.raises(Conflict, match="both ways"):
        enter_paper(moderator, round_, [(b.id, 1)], online)
    enter_paper(moderator, round_, [(b.id, 1)], offline)
    with pytest.raises(Conflict, match="both ways"):
        services.cast_ballot(offline, round_, [(a.id, 1)])
    with pytest.raises(PermissionDenied):
        services.cast_ballot(online, round_, [(a.id, 1)], voter=offline, paper_number=1)
    assert services.ballot_count(round_) == (2, 1)


def test_ballot_contents_never_name_the_voter():
    round_, _, (a, *_rest) = make_round()
    voter = resident_of(round_.area)
    services.cast_ballot(voter, round_, [(a.id, 1)])
    ballot = db.session.scalars(select(Ballot)).one()
    assert ballot.voter_key == services.voter_key(round_, voter) and len(ballot.voter_key) == 64
    # the only account a ballot refers to is the officer who entered a paper ballot (shown
    # to the resident it was entered for), never the voter; online ballots have none
    to_accounts = [
        fk.parent.name
        for fk in Ballot.__table__.foreign_keys
        if fk.column.table.name == "user_account"
    ]
    assert to_accounts == ["entered_by_id"] and ballot.entered_by_id is None
    assert audit.release_pending(round_) == 1  # the ballot waited for its batch
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "budget_ballot:cast")
    ).one()
    assert str(a.id) not in json.loads(entry.body)["data"].values()
    assert json.loads(entry.body)["data"] == {"paper": False}
    # nor who cast it: the pseudonym is this round's alone, not the one on their comments
    assert entry.actor == audit.pseudonym(voter.id, f"budget_round:{round_.slug}")
    assert entry.actor != audit.pseudonym(voter.id)


def test_results_are_computed_frozen_and_audited():
    round_, moderator, (a, b, c, d) = make_round(rule="greedy")
    for choice in ([a, b], [a, c], [a], [d], [b, c]):
        services.cast_ballot(resident_of(round_.area), round_, [(p.id, 1) for p in choice])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    result = db.session.get(RoundResult, round_.id)
    # votes: a 3, b 2, c 2, d 1 -> a (400) + b (300) + c (300) = 1000 fits exactly
    assert result.selected == [a.external_id, b.external_id, c.external_id]
    assert result.cost == 100000 and result.ballots == 5
    assert a.status is ProjectStatus.SELECTED and d.status is ProjectStatus.NOT_SELECTED
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "budget_round:results")
    ).one()
    data = json.loads(entry.body)["data"]
    assert data["input_digest"] == result.input_digest and data["selected"] == result.selected
    with pytest.raises(Conflict, match="frozen"):
        services.compute_results(round_, moderator)


def test_mes_results_explain_each_project():
    round_, moderator, (a, b, c, d) = make_round(rule="mes", costs=(500, 500, 500, 500))
    majority = [resident_of(round_.area) for _ in range(3)]
    minority = resident_of(round_.area)
    for voter in majority:
        services.cast_ballot(voter, round_, [(a.id, 1), (b.id, 1)])
    services.cast_ballot(minority, round_, [(c.id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    result = db.session.get(RoundResult, round_.id)
    explained = {p["id"]: p["explanation"] for p in result.projects}
    assert result.selected[0] == a.external_id
    assert "supporters" in explained[a.external_id]
    assert explained[d.external_id].startswith("Not funded")


def test_digest_depends_on_every_ballot():
    round_, _, (a, b, *_rest) = make_round()
    services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    first = services.input_digest(*services.rule_input(round_)[:2])
    services.cast_ballot(resident_of(round_.area), round_, [(b.id, 1)])
    assert services.input_digest(*services.rule_input(round_)[:2]) != first


def test_review_refuses_a_checked_cost_over_the_budget():
    round_, moderator, _ = make_round(phase=Phase.IDEAS, amount_pounds=1000)
    project = services.propose_project(
        resident_of(round_.area), round_, title="Big", description="d", cost_units=900
    )
    with pytest.raises(ValidationFailed) as failure:
        services.review_project(
            moderator, project, feasible=True, cost_units=9000, cost_note="quote"
        )
    assert "£1,000" in failure.value.errors["cost"]
    assert project.status is ProjectStatus.SUBMITTED


def test_nobody_reviews_their_own_idea():
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    own = services.propose_project(moderator, round_, title="Mine", description="d", cost_units=100)
    assert not services.can_review(moderator, own)
    with pytest.raises(PermissionDenied, match="You proposed this project"):
        services.review_project(moderator, own, feasible=True)
    assert own.status is ProjectStatus.SUBMITTED


def test_points_over_the_cap_name_the_project():
    cum, _, (a, b, *_rest) = make_round(BallotKind.CUMULATIVE, points=10, max_points_per_project=5)
    with pytest.raises(ValidationFailed) as failure:
        services.cast_ballot(resident_of(cum.area), cum, [(a.id, 6), (b.id, 2)])
    assert failure.value.errors == {f"points-{a.id}": f"{a.title} can get at most 5 points"}
