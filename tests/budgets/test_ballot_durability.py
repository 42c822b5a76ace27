"""A ballot's transaction commits without waiting for the disk inside the round's row lock,
then waits for the WAL flush before the cast returns (issue 16; DESIGN §4a): the lock is
free during the flush, and nobody is told "done" before their ballot is durable."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from civic.accounts.models import User
from civic.audit.log import _FLUSH_AFTER_COMMIT
from civic.budgets import services
from civic.budgets.models import Ballot, BudgetRound
from civic.errors import Conflict
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import on_postgres

pytestmark = [
    pytest.mark.commits,
    pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL: set CIVIC_TEST_DATABASE_URL"),
]


class _WatchedFlush:
    """Stands in for the connection the audit code flushes after the commit: notes, at the
    moment the flush starts, what another connection sees, then does the real flush."""

    def __init__(self, raw: Any, round_id: int, seen: list[str]) -> None:
        self.raw, self.round_id, self.seen = raw, round_id, seen

    def execute(self, sql: str, *args: Any) -> Any:
        with db.engine.connect() as other:
            table = BudgetRound.__tablename__
            other.execute(  # raises if the cast still held the round's row lock
                text(f"SELECT id FROM {table} WHERE id = :id FOR NO KEY UPDATE NOWAIT"),
                {"id": self.round_id},
            )
            self.seen.append("round lock free")
            ballots = other.execute(
                select(func.count()).select_from(Ballot).where(Ballot.round_id == self.round_id)
            ).scalar()
            self.seen.append(f"{ballots} ballot committed")
            other.rollback()
        self.seen.append(f"flush: {sql}")
        assert self.raw.autocommit  # the statement is its own, synchronously committed
        result = self.raw.execute(sql, *args)
        self.seen.append("flushed")
        return result

    @property
    def autocommit(self) -> bool:
        return self.raw.autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self.raw.autocommit = value


def test_a_cast_releases_the_round_lock_before_waiting_for_its_flush(app):
    round_, _, projects = make_round()
    voter = resident_of(round_.area)
    db.session.commit()
    round_id, voter_id = round_.id, voter.id
    seen: list[str] = []

    def watch(session: Session) -> None:  # runs after the cast, just before COMMIT
        setting = session.execute(text("SHOW synchronous_commit")).scalar()
        seen.append(f"commit with synchronous_commit {setting}")
        raw = session.info.get(_FLUSH_AFTER_COMMIT)
        if raw is not None:
            session.info[_FLUSH_AFTER_COMMIT] = _WatchedFlush(raw, round_id, seen)

    services.cast_ballot(
        db.session.get(User, voter_id), db.session.get(BudgetRound, round_id), [(projects[0].id, 1)]
    )
    event.listen(Session, "before_commit", watch)
    try:
        db.session.commit()
    finally:
        event.remove(Session, "before_commit", watch)
    seen.append("cast answered")
    assert seen == [
        "commit with synchronous_commit off",
        "round lock free",
        "1 ballot committed",
        "flush: SELECT pg_logical_emit_message(true, 'civic_audit', 'flush')",
        "flushed",
        "cast answered",
    ]
    assert _FLUSH_AFTER_COMMIT not in db.session.info
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"  # LOCAL only


def test_a_refused_cast_leaves_nothing_to_flush(app):
    round_, _, projects = make_round()
    voter = resident_of(round_.area)
    db.session.commit()
    round_id = round_.id
    db.session.execute(
        text(f"UPDATE {BudgetRound.__tablename__} SET phase = 'results' WHERE id = :id"),
        {"id": round_id},
    )
    db.session.commit()
    with pytest.raises(Conflict):
        services.cast_ballot(voter, db.session.get(BudgetRound, round_id), [(projects[0].id, 1)])
    db.session.rollback()
    assert _FLUSH_AFTER_COMMIT not in db.session.info
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
