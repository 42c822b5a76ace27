"""Building budget rounds for tests: a round in a given phase with feasible projects."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import Eligibility, EligibilityMethod, utcnow
from civic.budgets import services
from civic.budgets.models import BallotKind, Phase
from civic.extensions import db
from civic.paper import services as paper
from tests.factories import AreaFactory, ModeratorFactory, UserFactory

# per ballot kind: (round settings, ballots as (project indexes, points)) for the round
# make_round builds, four different ballots of the kind
KINDS = {
    BallotKind.APPROVAL: ({}, [((0, 1), None), ((1, 2), None), ((3,), None), ((0, 2), None)]),
    BallotKind.K_OF_N: (
        {"max_projects": 2},
        [((0, 1), None), ((1, 3), None), ((3,), None), ((2, 3), None)],
    ),
    BallotKind.CUMULATIVE: (
        {"points": 10, "max_points_per_project": 6},
        [((0, 1), (6, 4)), ((3, 2), (5, 5)), ((3,), (6,)), ((1, 2, 0), (2, 2, 6))],
    ),
    BallotKind.RANKED: (
        {"max_projects": 3},
        [((2, 0, 1), None), ((3, 2), None), ((0,), None), ((1, 3, 2), None)],
    ),
}


def resident_of(area):
    user = UserFactory()
    db.session.add(
        Eligibility(user_id=user.id, area_id=area.id, method=EligibilityMethod.MODERATOR)
    )
    db.session.flush()
    db.session.expire(user, ["eligibilities"])
    return user


def make_round(
    kind: BallotKind = BallotKind.APPROVAL,
    *,
    rule: str = "greedy",
    amount_pounds: int = 1000,
    costs: tuple[int, ...] = (400, 300, 300, 500),
    phase: Phase = Phase.VOTING,
    **settings: object,
):
    moderator = ModeratorFactory()
    area = AreaFactory()
    now = utcnow()
    # dates keep "now" inside the voting phase
    dates = [
        now - timedelta(days=30),
        now - timedelta(days=20),
        now - timedelta(days=1),
        now + timedelta(days=10),
        now + timedelta(days=40),
    ]
    round_ = services.create_round(
        moderator,
        area,
        services.RoundSettings(
            title="Riverside 2027",
            slug=f"round-{area.slug}",
            description="",
            amount=amount_pounds * 100,
            currency="GBP",
            dates=dates,
            ballot_kind=kind,
            rule=rule,
            **settings,
        ),
    )
    projects = []
    proposer = resident_of(area)
    for n, cost in enumerate(costs):
        projects.append(
            services.propose_project(
                proposer,
                round_,
                title=f"Project {n + 1}",
                description="A good idea",
                cost_units=cost,
            )
        )
    for project in projects:
        services.review_project(moderator, project, feasible=True)
    for step in (Phase.REVIEW, Phase.VOTING, Phase.RESULTS, Phase.DELIVERY):
        if list(Phase).index(step) > list(Phase).index(phase):
            break
        # a reason in case the step comes before its date (the dates keep "now" in voting)
        services.advance_phase(moderator, round_, step, reason="Moved early for the test")
    return round_, moderator, projects


def enter_paper(officer, round_, choice, voter):
    """A paper ballot as a desk enters it: a freshly printed paper's number, then the
    ballot typed from it."""
    first, _last = paper.issue_papers(officer, round_, 1)
    return services.cast_ballot(officer, round_, choice, voter=voter, paper_number=first)
