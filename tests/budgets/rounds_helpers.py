"""Building budget rounds for tests: a round in a given phase with feasible projects."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import Eligibility, EligibilityMethod, utcnow
from civic.budgets import services
from civic.budgets.models import BallotKind, Phase
from civic.extensions import db
from tests.factories import AreaFactory, ModeratorFactory, UserFactory


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
