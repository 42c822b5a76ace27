"""Ballots racing "Move to results" on PostgreSQL: every ballot answered with success is in
the frozen results, later ones get a 409, and the published ballots reproduce the published
winners and input digest (the issue: results.json said 124 ballots, ballots.json 127)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.budgets import services
from civic.budgets.ballots import MINOR_PER_UNIT
from civic.budgets.models import Ballot, BudgetRound, Phase, RoundResult
from civic.budgets.rules import Instance, Profile, compute
from civic.errors import Conflict
from civic.extensions import db
from civic.paper import services as paper_forms
from tests.budgets.rounds_helpers import make_round
from tests.conftest import RequestClient
from tests.races import (
    ACCEPTED,
    assert_participation_before_close,
    log_of,
    many_residents,
    race,
    skip_without_postgres,
)

# approval ballots that fit the budget of 1000 (projects cost 400, 300, 300, 500)
CHOICES = [(0, 1), (1, 2), (0, 2), (3,), (1, 3), (2, 3), (0, 1, 2), (0,)]
LATE = re.compile(r"^Voting closed at .* before your ballot arrived; it was not counted\.$")
REASON = "Every household has been canvassed already"
PAPER = 20


@pytest.mark.commits
def test_ballots_racing_the_move_to_results_are_counted_or_refused_and_reproducible(app):
    skip_without_postgres()
    round_, moderator, projects = make_round(rule="mes")
    people = many_residents(round_.area, 150)
    paper_forms.issue_papers(moderator, round_, PAPER)
    db.session.commit()
    round_id, moderator_id, slug = round_.id, moderator.id, round_.slug
    project_ids = [p.id for p in projects]
    external = {p.id: p.external_id for p in projects}
    # the first PAPER people hand in paper ballots, which the moderator types in meanwhile
    keys = [("paper" if n < PAPER else "online", p.id) for n, p in enumerate(people)]
    numbers = {p.id: n for n, p in enumerate(people[:PAPER], start=1)}  # its printed paper

    def choice_of(user_id: int) -> list[tuple[int, int]]:
        return [(project_ids[i], 1) for i in CHOICES[user_id % len(CHOICES)]]

    def cast(key: tuple[str, int]) -> str:
        how, user_id = key
        target = db.session.get(BudgetRound, round_id)
        person = db.session.get(User, user_id)
        if how == "paper":
            officer = db.session.get(User, moderator_id)
            services.cast_ballot(
                officer, target, choice_of(user_id), voter=person, paper_number=numbers[user_id]
            )
        else:
            services.cast_ballot(person, target, choice_of(user_id))
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        services.advance_phase(
            db.session.get(User, moderator_id),
            db.session.get(BudgetRound, round_id),
            Phase.RESULTS,
            reason=REASON,
        )
        db.session.commit()

    outcome = race(app, keys, cast, close, close_after=40)
    print(f"{len(outcome.accepted)} ballots accepted, {len(outcome.refused)} refused")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == len(keys)
    assert outcome.refused, "the move to results landed after every ballot: no race was tested"
    assert all(LATE.match(message) for message in outcome.refused.values())

    db.session.expire_all()
    accepted = outcome.accepted
    paper = sum(1 for how, _ in accepted if how == "paper")
    result = db.session.get(RoundResult, round_id)
    stored = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
    )
    assert (result.ballots, result.paper_ballots, stored) == (len(accepted), paper, len(accepted))
    expected_votes = {p.external_id: 0 for p in projects}
    for _, user_id in accepted:
        for project_id, _points in choice_of(user_id):
            expected_votes[external[project_id]] += 1
    assert {p["id"]: p["votes"] for p in result.projects} == expected_votes

    # online ballots are logged as participation; every one of them before the results
    results_entry = assert_participation_before_close(
        [e for e in log_of("budget_round", slug) if e[2].get("paper") is not True],
        "budget_ballot:cast",
        "budget_round:results",
        len(accepted) - paper,
    )
    assert results_entry["ballots"] == len(accepted)

    # what the public downloads reproduces what was published
    app.test_client_class = RequestClient
    public = app.test_client()
    published = json.loads(public.get(f"/budgets/{slug}/results.json").get_data(as_text=True))
    ballots = json.loads(public.get(f"/budgets/{slug}/ballots.json").get_data(as_text=True))
    assert published["ballots"] == len(ballots) == len(accepted)
    assert sum(1 for b in ballots if b["paper"]) == paper
    instance = Instance(
        {p["id"]: p["cost"] // MINOR_PER_UNIT for p in published["projects"]},
        published["budget"] // MINOR_PER_UNIT,
    )
    profile = Profile.from_votes("approval", [(tuple(b["projects"]), None) for b in ballots])
    assert services.input_digest(instance, profile) == published["input_digest"]
    assert list(compute(instance, profile, published["rule"]).selected) == published["selected"]

    # and nothing can change the ballots once the results are frozen
    late = db.session.get(User, people[-1].id)
    with pytest.raises(Conflict, match="before your ballot arrived"):
        services.cast_ballot(late, db.session.get(BudgetRound, round_id), choice_of(late.id))
    db.session.rollback()
