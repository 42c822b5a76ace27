"""Paper votes on a group motion racing online votes and the close, on PostgreSQL with
real threads (DESIGN §4a): every vote answered with success is in the count, every later one
is refused with a 409, and nobody is counted both on paper and online. A moderator removing
a contested paper while the motion closes takes the same lock: removed before the count, or
refused and counted; a member's contest sent twice at once is one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import GroupMembership, GroupRole, User
from civic.contests import flow
from civic.contests.states import ContestState
from civic.errors import Conflict
from civic.extensions import db
from civic.groups import motions
from civic.groups import paper as group_paper
from civic.groups import paper_contests as group_contests
from civic.groups import rules as group_rules
from civic.groups.models import Motion, MotionState, MotionVote
from civic.groups.paper_models import GroupPaperContest
from tests.factories import GroupFactory, ModeratorFactory
from tests.races import (
    ACCEPTED,
    all_at_once,
    assert_participation_before_close,
    log_of,
    many_residents,
    race,
    skip_without_postgres,
)

REASON = "The council asked for our answer by tonight"


def _group_with_motion(members: int):
    group = GroupFactory()
    people = many_residents(group.area, members + 1)
    organiser, rest = people[0], people[1:]
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
    group_paper.issue(organiser, motion, members)
    return group, organiser, rest, motion


@pytest.mark.commits
def test_paper_and_online_votes_racing_the_close(app):
    skip_without_postgres()
    group, organiser, members, motion = _group_with_motion(100)
    db.session.commit()
    motion_id, organiser_id, slug = motion.id, organiser.id, group.slug
    numbers = {m.id: n for n, m in enumerate(members, start=1)}
    on_paper = {m.id for m in members[::2]}  # every other member hands in a paper

    def cast(user_id: int) -> str:
        user = db.session.get(User, user_id)
        subject = db.session.get(Motion, motion_id)
        if user_id in on_paper:
            group_paper.enter(
                db.session.get(User, organiser_id),
                subject,
                choices=["against"],
                paper_number=str(numbers[user_id]),
                email=user.email,
                check="known at the meeting",
            )
        else:
            motions.cast(user, subject, "for")
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        motions.close(
            db.session.get(User, organiser_id), db.session.get(Motion, motion_id), reason=REASON
        )
        db.session.commit()

    outcome = race(app, [m.id for m in members], cast, close, close_after=10, spread=4.0)
    print(f"{len(outcome.accepted)} accepted, {len(outcome.refused)} refused (paper + online)")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == 100
    assert outcome.refused, "the close landed after every cast: no race was tested"
    db.session.expire_all()
    closed = db.session.get(Motion, motion_id)
    assert closed.state is MotionState.CLOSED
    paper_accepted = [uid for uid in outcome.accepted if uid in on_paper]
    assert closed.votes_against == len(paper_accepted)
    assert closed.votes_for == len(outcome.accepted) - len(paper_accepted)
    stored = db.session.scalar(
        select(func.count()).select_from(MotionVote).where(MotionVote.motion_id == motion_id)
    )
    assert stored == len(outcome.accepted)
    entries = sorted(log_of("group_motion", str(motion_id)) + log_of("group", slug))
    assert_participation_before_close(
        entries, "motion:vote_cast", "motion:close", len(outcome.accepted)
    )


@pytest.mark.commits
def test_the_same_member_on_paper_and_online_at_once_counts_once(app):
    skip_without_postgres()
    _group, organiser, (member,), motion = _group_with_motion(1)
    group_paper.issue(organiser, motion, 20)
    db.session.commit()
    motion_id, organiser_id, member_id = motion.id, organiser.id, member.id

    def work(n: int) -> None:
        subject = db.session.get(Motion, motion_id)
        user = db.session.get(User, member_id)
        if n % 2:
            group_paper.enter(
                db.session.get(User, organiser_id),
                subject,
                choices=["against"],
                paper_number=str(n),
                email=user.email,
                check="known at the meeting",
            )
        else:
            motions.cast(user, subject, "for")

    errors = all_at_once(app, 20, work)
    db.session.expire_all()
    rows = db.session.scalars(select(MotionVote).where(MotionVote.motion_id == motion_id)).all()
    assert len(rows) == 1
    assert len(errors) == 19 and all(getattr(e, "status", None) == 409 for e in errors), errors


@pytest.mark.commits
def test_one_paper_number_entered_twice_at_once_is_written_once(app):
    skip_without_postgres()
    _group, organiser, members, motion = _group_with_motion(10)
    db.session.commit()
    motion_id, organiser_id = motion.id, organiser.id
    ids = [m.id for m in members]

    def work(n: int) -> None:
        group_paper.enter(
            db.session.get(User, organiser_id),
            db.session.get(Motion, motion_id),
            choices=["for"],
            paper_number="3",
            email=db.session.get(User, ids[n]).email,
            check="known at the meeting",
        )

    errors = all_at_once(app, 10, work)
    assert len(errors) == 9 and all(isinstance(e, group_paper.DuplicatePaper) for e in errors)
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(MotionVote).where(MotionVote.motion_id == motion_id)
        )
        == 1
    )


def _contested(members: int):
    """A motion with one paper vote (against) its member contests, the others online (for)."""
    _group, organiser, people, motion = _group_with_motion(members)
    group_paper.enter(
        organiser, motion, choices=["against"], paper_number="1", email=people[0].email, check="x"
    )
    for member in people[1:]:
        motions.cast(member, motion, "for")
    contest = group_contests.contest(people[0], motion, "I was not at the meeting")
    return organiser, people, motion, contest


@pytest.mark.commits
def test_removing_a_paper_while_the_motion_closes_counts_it_one_way(app):
    skip_without_postgres()
    organiser, _people, motion, contest = _contested(3)
    moderator = ModeratorFactory()
    db.session.commit()
    ids = {"organiser": organiser.id, "moderator": moderator.id}
    motion_id, contest_id = motion.id, contest.id

    def work(n: int) -> None:
        if n == 0:
            row = db.session.get(GroupPaperContest, contest_id)
            flow.resolve(db.session.get(User, ids["moderator"]), row, "remove", "Not yours")
        else:
            subject = db.session.get(Motion, motion_id)
            motions.close(db.session.get(User, ids["organiser"]), subject, reason=REASON)

    errors = all_at_once(app, 2, work)
    db.session.expire_all()
    closed = db.session.get(Motion, motion_id)
    decided = db.session.get(GroupPaperContest, contest_id)
    assert closed.state is MotionState.CLOSED and closed.votes_for == 2
    if errors:  # the close came first: the paper stays counted, the contest stays open
        assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
        assert "stays counted" in errors[0].message
        assert decided.state is ContestState.OPEN and closed.votes_against == 1
    else:  # the removal came first: the count never saw the paper
        assert decided.state is ContestState.REMOVED and closed.votes_against == 0
    stored = db.session.scalar(
        select(func.count()).select_from(MotionVote).where(MotionVote.motion_id == motion_id)
    )
    assert stored == closed.votes_for + closed.votes_against


@pytest.mark.commits
def test_a_members_contest_sent_twice_at_once_is_one(app):
    skip_without_postgres()
    _group, organiser, (member,), motion = _group_with_motion(1)
    group_paper.enter(
        organiser, motion, choices=["for"], paper_number="1", email=member.email, check="x"
    )
    db.session.commit()
    motion_id, member_id = motion.id, member.id

    def send(_n: int) -> None:
        group_contests.contest(
            db.session.get(User, member_id), db.session.get(Motion, motion_id), "Not mine"
        )

    errors = all_at_once(app, 4, send)
    assert len(errors) == 3 and all(isinstance(e, Conflict) for e in errors), errors
    assert db.session.scalar(select(func.count()).select_from(GroupPaperContest)) == 1
