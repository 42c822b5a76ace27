"""Members' ballots racing the count of a group election, on PostgreSQL with real threads
(DESIGN §4a): every ballot answered with success is in the count and in the log before
the count's entry; every later one is refused with a 409, none lost, none counted twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts.models import GroupMembership, GroupRole, User
from civic.accounts.passwords import hash_password
from civic.clock import utcnow
from civic.extensions import db
from civic.groups import elections
from civic.groups.election_models import ElectionBallot, GroupElection
from tests.factories import PASSWORD, GroupFactory, UserFactory
from tests.races import (
    ACCEPTED,
    assert_participation_before_close,
    log_of,
    race,
    skip_without_postgres,
)


def _committed_election(members: int, closes_in: float) -> tuple[int, int, list[int], list[int]]:
    group = GroupFactory()
    shared = hash_password(PASSWORD)
    people = [UserFactory(password_hash=shared) for _ in range(members + 1)]
    joined = utcnow() - timedelta(days=1)
    for n, person in enumerate(people):
        role = GroupRole.ORGANISER if n == 0 else GroupRole.MEMBER
        db.session.add(
            GroupMembership(group_id=group.id, user_id=person.id, role=role, joined_at=joined)
        )
    db.session.flush()
    db.session.expire(group, ["memberships"])
    election = elections.call_election(
        people[0],
        group,
        seats=1,
        term_months=12,
        opens_at=utcnow() + timedelta(days=1),
        closes_at=utcnow() + timedelta(days=2),
    )
    candidates = [elections.stand(p, election, "Vote for me").id for p in people[1:3]]
    election.voting_opens_at = utcnow() - timedelta(minutes=1)
    election.voting_closes_at = utcnow() + timedelta(seconds=closes_in)
    db.session.commit()
    return election.id, people[0].id, [p.id for p in people[1:]], candidates


@pytest.mark.commits
def test_ballots_racing_the_count_are_all_counted_or_refused(app):
    skip_without_postgres()
    election_id, organiser_id, voter_ids, candidates = _committed_election(60, closes_in=4.0)
    closes = db.session.get(GroupElection, election_id).voting_closes_at

    def cast(user_id: int) -> str:
        choice = candidates[user_id % 2]
        elections.cast(
            db.session.get(User, user_id),
            db.session.get(GroupElection, election_id),
            [str(choice)],
        )
        db.session.commit()
        return ACCEPTED

    def count() -> None:
        time.sleep(max((closes - utcnow()).total_seconds(), 0) + 0.02)
        elections.close(
            db.session.get(User, organiser_id), db.session.get(GroupElection, election_id)
        )
        db.session.commit()

    outcome = race(app, voter_ids, cast, count, close_after=1, spread=8.0)
    print(f"{len(outcome.accepted)} ballots accepted, {len(outcome.refused)} refused")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == 60
    assert outcome.accepted and outcome.refused, "no race was tested"
    assert all("before your ballot arrived" in m for m in outcome.refused.values())
    db.session.expire_all()
    election = db.session.get(GroupElection, election_id)
    stored = db.session.scalar(
        select(func.count())
        .select_from(ElectionBallot)
        .where(ElectionBallot.election_id == election_id)
    )
    assert election.ballots == stored == len(outcome.accepted)
    assert sum(c.votes for c in election.candidates) == len(outcome.accepted)
    casts = log_of("group_election", election_id)
    group_log = log_of("group", election.group.slug)
    data = assert_participation_before_close(
        sorted(casts + group_log),
        "group_election:cast",
        "group_election:close",
        len(outcome.accepted),
    )
    assert data["ballots"] == len(outcome.accepted)


@pytest.mark.commits
def test_one_member_voting_twice_at_once_leaves_one_ballot(app):
    skip_without_postgres()
    from tests.races import all_at_once

    election_id, _, voter_ids, candidates = _committed_election(3, closes_in=120)
    said: list[str] = []

    def work(_: int) -> None:
        try:
            elections.cast(
                db.session.get(User, voter_ids[0]),
                db.session.get(GroupElection, election_id),
                [str(candidates[0])],
            )
        except Exception as refused:  # the Conflict of the second
            db.session.rollback()
            said.append(type(refused).__name__)
        else:
            said.append("cast")

    assert all_at_once(app, 8, work) == []
    assert sorted(said) == ["Conflict"] * 7 + ["cast"]
    db.session.expire_all()
    stored = db.session.scalar(
        select(func.count())
        .select_from(ElectionBallot)
        .where(ElectionBallot.election_id == election_id)
    )
    assert stored == 1
