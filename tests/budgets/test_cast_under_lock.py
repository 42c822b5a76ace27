"""What a cast does while it holds the round's row lock (DESIGN §4a, issue 16).

Every ballot of a round queues on that lock, so a cast's time under it caps how many
ballots a round takes per second. The ballot's check (the projects), its receipt code,
the voter key, the classes the voter counts in and the asynchronous-commit setting are
worked out before the lock; under it only the phase check and the writes run. These tests
read the statements a cast sends after the lock and fail if work moves back under it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from civic.budgets import services
from civic.budgets.models import Ballot, BallotEntry
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round, resident_of

_LOCK = re.compile(r"FROM budget_round\s+WHERE budget_round\.id = ", re.IGNORECASE)


def _statements_of(action) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def _after_the_lock(statements: list[str]) -> list[str]:
    """The statements from the round's lock (the populate_existing re-read) on."""
    locks = [k for k, s in enumerate(statements) if _LOCK.search(s)]
    assert locks, statements
    return statements[locks[-1] :]


@pytest.fixture
def voting():
    round_, _, projects = make_round()
    voter = resident_of(round_.area)
    db.session.flush()
    return round_, voter, projects


def test_a_first_cast_only_writes_under_the_lock(voting):
    round_, voter, projects = voting
    choice = [(projects[0].id, 1), (projects[1].id, 1)]
    under = _after_the_lock(_statements_of(lambda: services.cast_ballot(voter, round_, choice)))
    text = "\n".join(under)
    # the projects, the classes and the asynchronous commit were seen to before the lock
    assert not re.search(r"FROM budget_project\b", text), text
    assert "constituenc" not in text.lower(), text
    assert "synchronous_commit" not in text, text
    # a new ballot has no entries or classes to delete
    assert "DELETE" not in text, text
    # the lock, the earlier ballot, the upsert, the entries, the kept count, the queued
    # private act, the follow, the ballot as stored: nothing else
    assert len(under) <= 8, "\n".join(under)
    ballot = db.session.scalar(select(Ballot).where(Ballot.round_id == round_.id))
    assert sorted(e.project_id for e in ballot.entries) == sorted(p for p, _ in choice)


def test_a_changed_ballot_replaces_its_entries(voting):
    round_, voter, projects = voting
    first = services.cast_ballot(voter, round_, [(projects[0].id, 1), (projects[1].id, 1)])
    first_id, first_receipt = first.id, first.receipt
    db.session.flush()
    under = _after_the_lock(
        _statements_of(lambda: services.cast_ballot(voter, round_, [(projects[3].id, 1)]))
    )
    assert any(s.startswith("DELETE FROM budget_ballot_entry") for s in under), under
    again = db.session.scalar(select(Ballot).where(Ballot.round_id == round_.id))
    assert again.id == first_id and again.replaced_receipt == first_receipt
    entries = db.session.scalars(
        select(BallotEntry.project_id).where(BallotEntry.ballot_id == again.id)
    )
    assert list(entries) == [projects[3].id]
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
