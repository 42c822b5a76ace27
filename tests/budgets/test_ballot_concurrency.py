"""One person, one ballot, enforced by the database under real concurrency (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from civic.budgets import services
from civic.budgets.models import Ballot, BallotEntry
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import on_postgres

SUBMISSIONS = 50


@pytest.mark.commits
def test_fifty_simultaneous_ballots_by_one_person_leave_one(app):
    if not on_postgres():
        pytest.skip("needs PostgreSQL: set CIVIC_TEST_DATABASE_URL (CI does)")
    round_, _, projects = make_round()
    voter = resident_of(round_.area)
    db.session.commit()
    round_id, voter_id = round_.id, voter.id
    choices = [[(projects[n % 4].id, 1)] for n in range(SUBMISSIONS)]
    barrier = threading.Barrier(SUBMISSIONS)
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        with app.app_context():
            try:
                from civic.accounts.models import User
                from civic.budgets.models import BudgetRound

                me = db.session.get(User, voter_id)
                target = db.session.get(BudgetRound, round_id)
                barrier.wait(timeout=60)
                services.cast_ballot(me, target, choices[n])
                db.session.commit()
            except BaseException as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
