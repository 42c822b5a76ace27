"""Appends on PostgreSQL commit without waiting for the WAL flush inside the append lock,
then wait for it after the commit: what must hold for that to be safe."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from civic import audit
from civic.audit.log import _FLUSH_AFTER_COMMIT, commit_synchronously
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.conftest import on_postgres

pytestmark = [
    pytest.mark.commits,
    pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL: set CIVIC_TEST_DATABASE_URL"),
]


def _record(n: int) -> None:
    # appended now rather than at commit, so the test can look at the transaction after it
    audit.record(None, "area:create", audit.Subject("area", f"a{n}"), {"n": n}, at_once=True)


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_an_append_commits_asynchronously_then_waits_for_the_flush(app):
    with app.app_context():
        _record(0)
        setting = db.session.execute(text("SHOW synchronous_commit")).scalar()
        assert setting == "off"  # for this transaction only
        assert db.session.info[_FLUSH_AFTER_COMMIT] is not None
        db.session.commit()
        assert _FLUSH_AFTER_COMMIT not in db.session.info  # the flush was waited for
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert _entries() == 1
        db.session.remove()


def test_a_released_savepoint_does_not_commit_the_transaction_early(app):
    with app.app_context():
        _record(0)
        with db.session.begin_nested():
            _record(1)
        assert db.session.info.get(_FLUSH_AFTER_COMMIT) is not None  # still to come
        db.session.rollback()
        assert _FLUSH_AFTER_COMMIT not in db.session.info
        assert _entries() == 0  # the savepoint's release committed nothing
        db.session.remove()


def test_a_rolled_back_savepoint_keeps_the_outer_appends_flush(app):
    with app.app_context():
        _record(0)
        with pytest.raises(RuntimeError), db.session.begin_nested():
            _record(1)
            raise RuntimeError("the inner step failed")
        db.session.commit()
        assert _FLUSH_AFTER_COMMIT not in db.session.info
        assert _entries() == 1
        assert audit.verify().ok
        db.session.remove()


def test_a_transaction_can_ask_for_a_synchronous_commit_after_appending(app):
    with app.app_context():
        _record(0)
        commit_synchronously()  # e.g. one that stores a signed checkpoint
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        _record(1)  # a later append in the same transaction keeps it synchronous
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        db.session.commit()
        assert _FLUSH_AFTER_COMMIT not in db.session.info
        assert _entries() == 2
        db.session.remove()


def test_a_closed_session_forgets_the_connection_it_would_have_flushed(app):
    with app.app_context():
        _record(0)
        db.session.close()  # neither commit nor rollback: the connection returns to the pool
        assert _FLUSH_AFTER_COMMIT not in db.session.info
        assert _entries() == 0
        db.session.remove()


def test_an_append_made_at_commit_commits_asynchronously_too(app):
    with app.app_context():
        audit.record(None, "area:create", audit.Subject("area", "late"))
        assert _FLUSH_AFTER_COMMIT not in db.session.info  # nothing appended yet
        flushed = []
        listener = _remember_the_flush_connection(flushed)
        db.session.commit()
        event.remove(Session, "before_commit", listener)
        assert flushed == [True]  # the append at commit set up the wait for the flush
        assert _FLUSH_AFTER_COMMIT not in db.session.info  # and it was waited for
        assert _entries() == 1
        db.session.remove()


def _remember_the_flush_connection(flushed: list[bool]):
    def listener(session: Session) -> None:  # runs after the audit's own before_commit
        flushed.append(session.info.get(_FLUSH_AFTER_COMMIT) is not None)

    event.listen(Session, "before_commit", listener)
    return listener
