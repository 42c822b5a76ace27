"""Simultaneous asks get sequential, distinct references (PostgreSQL, real threads), and
simultaneous answers and refusals of one request: exactly one wins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.contracts.inforequests import services
from civic.contracts.inforequests.models import InfoRequest, RequestStatus
from civic.errors import Conflict
from civic.extensions import db
from tests.conftest import on_postgres
from tests.factories import ContractFactory, ModeratorFactory, UserFactory
from tests.races import all_at_once

QUESTION = "How many streets were swept each week last month?"


def _skip_without_postgres() -> None:
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: simultaneous asks need concurrent connections and the "
            "counter row's lock; set CIVIC_TEST_DATABASE_URL (CI does)"
        )


def _race(app, jobs) -> list[BaseException]:
    return all_at_once(app, len(jobs), lambda n: jobs[n]())


@pytest.mark.commits
def test_forty_simultaneous_asks_get_references_1_to_40(app):
    _skip_without_postgres()
    contract = ContractFactory()
    people = [UserFactory() for _ in range(40)]
    db.session.commit()
    key = f"contract-{contract.id}"

    def asker(user_id: int):
        return lambda: services.ask(db.session.get(User, user_id), key, QUESTION, False)

    assert _race(app, [asker(p.id) for p in people]) == []
    year = services.today().year
    references = sorted(db.session.scalars(select(InfoRequest.reference)))
    assert references == [f"IR-{year}-{n:04d}" for n in range(1, 41)]


@pytest.mark.commits
def test_an_answer_and_a_refusal_at_once_one_wins_and_is_logged_once(app):
    _skip_without_postgres()
    req = services.ask(UserFactory(), f"contract-{ContractFactory().id}", QUESTION, False)
    first, second = ModeratorFactory(), ModeratorFactory()
    db.session.commit()
    req_id, first_id, second_id = req.id, first.id, second.id

    def answer():
        found = db.session.get(InfoRequest, req_id)
        services.answer(db.session.get(User, first_id), found, "About 40 streets a week.")

    def refuse():
        found = db.session.get(InfoRequest, req_id)
        services.refuse(db.session.get(User, second_id), found, "Not held by the council.")

    errors = _race(app, [answer, refuse])
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    db.session.expire_all()
    found = db.session.get(InfoRequest, req_id)
    assert found.status in (RequestStatus.ANSWERED, RequestStatus.REFUSED)
    decisions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.subject_type == "info_request",
            AuditEntry.action.in_(["info_request:answer", "info_request:refuse"]),
        )
    ).all()
    assert len(decisions) == 1
