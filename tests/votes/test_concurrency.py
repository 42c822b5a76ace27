"""One resident, one vote, under real concurrency on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.extensions import db
from civic.votes import services
from civic.votes.models import Proposal, VoteCast
from tests.conftest import on_postgres
from tests.votes.helpers import make_proposal, residents


def _run(app, jobs) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def work(proposal_id: int, user_id: int, choice: str) -> None:
        with app.app_context():
            try:
                proposal = db.session.get(Proposal, proposal_id)
                user = db.session.get(User, user_id)
                barrier.wait(timeout=60)
                services.cast_vote(user, proposal, choice)
                db.session.commit()
            except BaseException as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _skip_without_postgres() -> None:
    if not on_postgres():
        pytest.skip("needs PostgreSQL: set CIVIC_TEST_DATABASE_URL (CI does)")


@pytest.mark.commits
def test_fifty_simultaneous_votes_by_one_resident_count_once(app):
    _skip_without_postgres()
    proposal, _, area = make_proposal(services.ProposalState.VOTING)
    (voter,) = residents(area, 1)
    db.session.commit()
    jobs = [(proposal.id, voter.id, "for" if n % 2 else "against") for n in range(50)]
    assert _run(app, jobs) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1


@pytest.mark.commits
def test_two_hundred_residents_at_once_tally_equals_votes(app):
    _skip_without_postgres()
    proposal, moderator, area = make_proposal(services.ProposalState.VOTING)
    voters = residents(area, 200)
    db.session.commit()
    jobs = [(proposal.id, v.id, "for" if n % 3 else "against") for n, v in enumerate(voters)]
    errors = []
    for start in range(0, 200, 50):  # 4 waves of 50 concurrent voters (the pool holds 70)
        errors += _run(app, jobs[start : start + 50])
    assert errors == []
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    result = services.close_vote(moderator, proposal, reason="Closed early in this test")
    assert (result.votes_for, result.votes_against) == (133, 67)
    assert result.votes_for + result.votes_against == 200
