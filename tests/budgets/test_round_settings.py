"""Contradictory ballot settings are refused by the service, next to the field (issue 12:
"a round cannot publish '10 points, at most 50 a project'")."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts.models import utcnow
from civic.budgets import services
from civic.budgets.models import BallotKind, BudgetRound, Phase
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round
from tests.conftest import csrf_token, login
from tests.factories import AreaFactory, ModeratorFactory


def _settings(**changes) -> services.RoundSettings:
    now = utcnow()
    base = services.RoundSettings(
        title="Riverside 2027",
        slug="riverside-2027",
        description="",
        amount=100_000,
        currency="GBP",
        dates=[now + timedelta(days=d) for d in (1, 10, 20, 30, 40)],
        ballot_kind=BallotKind.CUMULATIVE,
        rule="greedy",
        points=10,
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"max_points_per_project": 50}, "max_points_per_project", "cannot be more than the 10"),
        ({"min_projects": 11}, "min_projects", "cannot choose 11 projects with 10 points"),
        (
            {"ballot_kind": BallotKind.K_OF_N, "min_projects": 4, "max_projects": 2},
            "min_projects",
            "(4) cannot be more than the most (2)",
        ),
    ],
)
def test_the_service_refuses_contradictory_ballot_settings(changes, field, words):
    with pytest.raises(ValidationFailed) as failure:
        services.create_round(ModeratorFactory(), AreaFactory(), _settings(**changes))
    assert words in failure.value.errors[field]
    assert db.session.scalar(select(func.count()).select_from(BudgetRound)) == 0


def test_a_per_project_cap_equal_to_the_points_is_fine():
    round_ = services.create_round(
        ModeratorFactory(), AreaFactory(), _settings(max_points_per_project=10)
    )
    assert round_.max_points_per_project == 10


def test_the_form_shows_the_refusal_next_to_the_field_and_keeps_the_input(client):
    area = AreaFactory()
    login(client, ModeratorFactory())
    now = utcnow()
    data = {
        "csrf_token": csrf_token(client, "/budgets/new"),
        "title": "Riverside 2027",
        "slug": "riverside-2027",
        "area": str(area.id),
        "amount": "1000",
        "ballot_kind": "cumulative",
        "rule": "greedy",
        "points": "10",
        "max_points_per_project": "50",
    }
    for n, name in enumerate(
        ("ideas_from", "review_from", "voting_from", "results_from", "delivery_from")
    ):
        day = now + timedelta(days=1 + 10 * n)
        data[name] = [str(day.day), str(day.month), str(day.year)]  # the three date boxes
    response = client.post("/budgets/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert 'href="#max_points_per_project"' in page  # the summary leads to the field
    assert 'id="max_points_per_project-error"' in page
    assert 'value="50"' in page
    assert db.session.scalar(select(func.count()).select_from(BudgetRound)) == 0


def test_voting_cannot_open_with_a_minimum_larger_than_the_ballot():
    round_, moderator, _projects = make_round(phase=Phase.REVIEW, min_projects=5)
    with pytest.raises(Conflict, match="at least 5 projects but only 4 are feasible"):
        services.advance_phase(moderator, round_, Phase.VOTING, reason="Early for the test")
    assert round_.phase is Phase.REVIEW


def test_voting_cannot_open_when_the_cheapest_minimum_is_over_budget():
    # the two cheapest of (400, 300, 300, 500) cost £600, over a £500 budget
    round_, moderator, _projects = make_round(
        phase=Phase.REVIEW, amount_pounds=500, costs=(400, 300, 300, 500), min_projects=2
    )
    with pytest.raises(Conflict, match="2 cheapest projects on the ballot cost £600"):
        services.advance_phase(moderator, round_, Phase.VOTING, reason="Early for the test")
    assert round_.phase is Phase.REVIEW
