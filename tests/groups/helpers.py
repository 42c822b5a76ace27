"""A group with an organiser and members, and motions ready to vote on."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import Eligibility, EligibilityMethod, GroupRole, User, utcnow
from civic.extensions import db
from civic.groups import motions
from civic.groups import rules as group_rules
from civic.groups.models import Motion
from tests.factories import GroupFactory, MembershipFactory, UserFactory


def resident(area) -> User:
    user = UserFactory()
    db.session.add(
        Eligibility(user_id=user.id, area_id=area.id, method=EligibilityMethod.MODERATOR)
    )
    db.session.flush()
    return user


def make_group(members: int = 4, **rules):
    """A group with one organiser and `members` ordinary members, all residents of its
    area, and the rules given (the rest default; voting opens at once)."""
    group = GroupFactory()
    organiser = resident(group.area)
    MembershipFactory(group=group, user=organiser, role=GroupRole.ORGANISER)
    people = [resident(group.area) for _ in range(members)]
    for person in people:
        MembershipFactory(group=group, user=person, role=GroupRole.MEMBER)
    db.session.expire(group, ["memberships"])
    values = {
        "join_policy": "closed",
        **group_rules.DEFAULTS,
        "discussion_days": 0,
        **rules,
    }
    group_rules.set_rules(organiser, group, **values)
    return group, organiser, people


def voting_motion(group, proposer, title: str = "Plant trees on the green") -> Motion:
    motion = motions.propose(proposer, group, title, "This group asks the council to plant.")
    assert motion.state.value == "voting"
    return motion


def finish(motion: Motion) -> None:
    """Move the motion's closing time into the past, so a close needs no reason."""
    motion.voting_until = utcnow() - timedelta(seconds=1)
    db.session.flush()
