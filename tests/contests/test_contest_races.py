"""Contests racing each other on PostgreSQL with real threads: two moderators deciding one
contest at once decide it once; a resident's contest sent twice at once is one contest."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.budgets import contests as ballot_contests
from civic.budgets.models import Ballot, BallotContest, BudgetRound
from civic.contests import flow
from civic.contests.states import ContestState
from civic.errors import Conflict
from civic.extensions import db
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.factories import ModeratorFactory
from tests.races import all_at_once, skip_without_postgres


def _entered():
    round_, officer, projects = make_round()
    rita = resident_of(round_.area)
    enter_paper(officer, round_, [(projects[0].id, 1)], rita)
    return round_, rita


@pytest.mark.commits
def test_two_moderators_deciding_at_once_decide_once(app):
    skip_without_postgres()
    round_, rita = _entered()
    contest = ballot_contests.contest_paper_ballot(rita, round_, "Not what I chose")
    deciders = [ModeratorFactory().id, ModeratorFactory().id]
    db.session.commit()
    contest_id = contest.id
    outcomes = ("remove", "keep")

    def decide(n: int) -> None:
        row = db.session.get(BallotContest, contest_id)
        flow.resolve(db.session.get(User, deciders[n]), row, outcomes[n], "Checked the form")

    errors = all_at_once(app, 2, decide)
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert "already decided" in errors[0].message
    db.session.expire_all()
    decided = db.session.get(BallotContest, contest_id)
    assert decided.state in (ContestState.REMOVED, ContestState.KEPT)
    bodies = [
        json.loads(raw)
        for raw in db.session.scalars(
            select(AuditEntry.body).where(AuditEntry.action == "budget_ballot:contest_resolve")
        )
    ]
    assert [b["data"]["outcome"] for b in bodies] == [decided.state.value]
    ballots = db.session.scalar(select(func.count()).select_from(Ballot))
    assert ballots == (0 if decided.state is ContestState.REMOVED else 1)


@pytest.mark.commits
def test_a_contest_sent_twice_at_once_is_one_contest(app):
    skip_without_postgres()
    round_, rita = _entered()
    db.session.commit()
    round_id, rita_id = round_.id, rita.id

    def send(_n: int) -> None:
        ballot_contests.contest_paper_ballot(
            db.session.get(User, rita_id), db.session.get(BudgetRound, round_id), "Not mine"
        )

    errors = all_at_once(app, 4, send)
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert len(errors) == 3
    assert db.session.scalar(select(func.count()).select_from(BallotContest)) == 1
