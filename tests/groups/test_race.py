"""Votes racing the close of a motion on PostgreSQL: every vote answered with success is in
the count the close recorded, every later one gets a 409 and leaves nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civic.accounts.models import GroupMembership, GroupRole, User
from civic.extensions import db
from civic.groups import motions
from civic.groups import rules as group_rules
from civic.groups.models import Motion, MotionState, MotionVote
from tests.factories import GroupFactory
from tests.races import (
    ACCEPTED,
    assert_participation_before_close,
    log_of,
    many_residents,
    race,
    skip_without_postgres,
)

LATE = re.compile(r"^Voting closed at .* before your vote arrived; it was not counted\.$")
REASON = "The council asked for our answer by tonight"


@pytest.mark.commits
def test_votes_racing_the_close_are_counted_or_refused(app):
    skip_without_postgres()
    group = GroupFactory()
    people = many_residents(group.area, 120)
    organiser, members = people[0], people[1:]
    db.session.add_all(
        GroupMembership(
            group_id=group.id,
            user_id=p.id,
            role=GroupRole.ORGANISER if p is organiser else GroupRole.MEMBER,
        )
        for p in people
    )
    db.session.flush()
    db.session.expire(group, ["memberships"])
    group_rules.set_rules(
        organiser,
        group,
        **{
            **group_rules.DEFAULTS,
            "join_policy": "closed",
            "discussion_days": 0,
            "quorum_rule": "none",
            "quorum_value": 0,
        },
    )
    motion = motions.propose(organiser, group, "Race motion", "Resolved.")
    db.session.commit()
    motion_id, organiser_id, slug = motion.id, organiser.id, group.slug

    def vote(user_id: int) -> str:
        motions.cast(
            db.session.get(User, user_id),
            db.session.get(Motion, motion_id),
            "for" if user_id % 3 else "against",
        )
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        motions.close(
            db.session.get(User, organiser_id), db.session.get(Motion, motion_id), reason=REASON
        )
        db.session.commit()

    outcome = race(app, [p.id for p in members], vote, close, close_after=30)
    print(f"{len(outcome.accepted)} votes accepted, {len(outcome.refused)} refused")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == len(members)
    assert outcome.refused, "the close landed after every vote: no race was tested"
    assert all(LATE.match(message) for message in outcome.refused.values())

    db.session.expire_all()
    motion = db.session.get(Motion, motion_id)
    assert motion.state is MotionState.CLOSED
    accepted = outcome.accepted
    assert motion.votes_for == sum(1 for uid in accepted if uid % 3)
    assert motion.votes_against == sum(1 for uid in accepted if not uid % 3)
    assert db.session.scalar(
        select(func.count()).select_from(MotionVote).where(MotionVote.motion_id == motion_id)
    ) == len(accepted)
    entries = sorted(log_of("group_motion", str(motion_id)) + log_of("group", slug))
    close_data = assert_participation_before_close(
        entries, "motion:vote_cast", "motion:close", len(accepted)
    )
    assert close_data["for"] + close_data["against"] == len(accepted)
    assert close_data["early_reason"] == REASON
