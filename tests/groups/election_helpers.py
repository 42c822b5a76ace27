"""A group with members who joined a day ago, and shortcuts through an election's dates."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import Group, GroupRole, User
from civic.clock import utcnow
from civic.extensions import db
from civic.groups import elections
from civic.groups.election_models import GroupElection
from tests.factories import GroupFactory, MembershipFactory, UserFactory


def make_group(members: int = 4) -> tuple[Group, User, list[User]]:
    """A group with one organiser and `members` members, all joined a day ago."""
    group = GroupFactory()
    joined = utcnow() - timedelta(days=1)
    organiser = UserFactory()
    MembershipFactory(group=group, user=organiser, role=GroupRole.ORGANISER, joined_at=joined)
    people = [UserFactory() for _ in range(members)]
    for person in people:
        MembershipFactory(group=group, user=person, role=GroupRole.MEMBER, joined_at=joined)
    db.session.flush()
    db.session.expire(group, ["memberships"])
    return group, organiser, people


def call(organiser: User, group: Group, seats: int = 1, months: int = 12) -> GroupElection:
    now = utcnow()
    return elections.call_election(
        organiser,
        group,
        seats=seats,
        term_months=months,
        opens_at=now + timedelta(days=7),
        closes_at=now + timedelta(days=14),
    )


def open_voting(election: GroupElection) -> None:
    """As if the nominations had closed a minute ago."""
    election.voting_opens_at = utcnow() - timedelta(minutes=1)
    db.session.flush()


def end_voting(election: GroupElection) -> None:
    """As if voting had closed a second ago."""
    election.voting_closes_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
