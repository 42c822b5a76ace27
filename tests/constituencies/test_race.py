"""One person in two classes, casting twice at the same moment, is counted once overall and
once in each class (PostgreSQL, real threads): the cast row is upserted on its unique key
and the class rows are written under the subject's row lock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User, utcnow
from civic.constituencies import services as constituencies
from civic.constituencies.models import CastClass
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import Proposal, ProposalState, VoteCast
from tests.constituencies.helpers import make_constituency, member_of
from tests.races import skip_without_postgres
from tests.votes.helpers import complete_case, make_proposal


def _cast_at_once(app, proposal_id: int, user_id: int, choices: list[str]) -> list[BaseException]:
    barrier = threading.Barrier(len(choices))
    errors: list[BaseException] = []

    def work(choice: str) -> None:
        with app.app_context():
            try:
                proposal = db.session.get(Proposal, proposal_id)
                user = db.session.get(User, user_id)
                barrier.wait(timeout=60)
                votes.cast_vote(user, proposal, choice)
                db.session.commit()
            except BaseException as exc:  # asserted by the caller
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(c,)) for c in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.commits
def test_two_casts_at_once_by_someone_in_two_classes_count_once(app):
    skip_without_postgres()
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    staff, users = make_constituency(area, "Leisure staff"), make_constituency(area, "Users")
    constituencies.set_constituencies(moderator, proposal, [staff, users], editable=True)
    complete_case(moderator, proposal)
    votes.set_vote_rules(moderator, proposal, quorum_percent=0, majority="simple")
    votes.open_consultation(moderator, proposal, 28)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    person = member_of(users, member_of(staff))
    db.session.commit()
    proposal_id, person_id, moderator_id = proposal.id, person.id, moderator.id
    assert _cast_at_once(app, proposal_id, person_id, ["for", "against"] * 5) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1
    assert db.session.scalar(select(func.count()).select_from(CastClass)) == 2
    proposal = db.session.get(Proposal, proposal_id)
    result = votes.close_vote(
        db.session.get(User, moderator_id), proposal, reason="Closed early in this test"
    )
    assert result.votes_for + result.votes_against == 1
    per_class = {r["name"]: r["for"] + r["against"] for r in proposal.class_results}
    assert per_class == {"Leisure staff": 1, "Users": 1}
    db.session.commit()
