"""Searchable things made through the domains' own services, as a site would make them."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import utcnow
from civic.budgets import services as budgets
from civic.budgets.models import BallotKind, Phase
from civic.consultations import services as consultations
from civic.consultations.models import Audience
from civic.discussions import services as discussions
from civic.votes import services as votes
from civic.votes.models import ProposalKind
from tests.budgets.rounds_helpers import resident_of
from tests.factories import AreaFactory, ModeratorFactory
from tests.votes.helpers import complete_case


def ideas_round(moderator, area, *, slug: str, title: str = "Riverside ideas 2027", description=""):
    now = utcnow()
    dates = [now - timedelta(days=1)] + [now + timedelta(days=d) for d in (10, 20, 30, 40)]
    return budgets.create_round(
        moderator,
        area,
        budgets.RoundSettings(
            title=title,
            slug=slug,
            description=description,
            amount=100_000,
            currency="GBP",
            dates=dates,
            ballot_kind=BallotKind.APPROVAL,
            rule="greedy",
        ),
    )


def project(proposer, round_, title: str, description: str = "An idea for the area"):
    assert round_.phase is Phase.IDEAS
    return budgets.propose_project(
        proposer, round_, title=title, description=description, cost_units=100
    )


def draft_proposal(moderator, area, title: str, service: str = "Riverside library"):
    return votes.create_proposal(moderator, area, ProposalKind.OUTSOURCING, title, service)


def published_proposal(moderator, area, title: str, service: str = "Riverside library"):
    proposal = draft_proposal(moderator, area, title, service)
    complete_case(moderator, proposal)
    votes.set_vote_rules(moderator, proposal, quorum_percent=20, majority="simple", hide_tally=True)
    votes.open_consultation(moderator, proposal, 28)
    return proposal


def draft_consultation(moderator, area, title: str, summary: str = ""):
    now = utcnow()
    return consultations.create_consultation(
        moderator,
        area,
        title=title,
        service="Parks",
        summary=summary,
        documents="",
        audience=Audience.SIGNED_IN,
        opens_at=now,
        closes_at=now + timedelta(days=40),
    )


def comment(author, subject_type: str, subject_id: str, body: str):
    return discussions.post_comment(author, subject_type, subject_id, body)


def people():
    area = AreaFactory(slug="riverside", name="Riverside")
    moderator = ModeratorFactory(display_name="Mo Moderator")
    resident = resident_of(area)
    return area, moderator, resident
