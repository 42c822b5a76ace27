"""Concurrent appends: the append lock must give every entry its own sequence number."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from civic import audit, create_app
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.conftest import on_postgres
from tests.races import all_at_once

WRITERS = 20


def _append_concurrently(app: Flask) -> list[BaseException]:
    return all_at_once(
        app,
        WRITERS,
        lambda n: audit.record(None, "area:create", audit.Subject("writer", str(n)), {"n": n}),
    )


def _assert_gap_free(app: Flask) -> None:
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert [e.seq for e in entries] == list(range(WRITERS))
        assert sorted(e.subject_id for e in entries) == sorted(str(n) for n in range(WRITERS))
        result = audit.verify()
        assert result.ok, result
        assert result.size == WRITERS


@pytest.mark.commits
def test_twenty_threads_appending_at_once_on_postgresql(app):
    if not on_postgres():
        pytest.skip("needs PostgreSQL: set CIVIC_TEST_DATABASE_URL (CI does)")
    errors = _append_concurrently(app)
    assert errors == []
    _assert_gap_free(app)


def test_twenty_threads_appending_at_once_on_a_sqlite_file(tmp_path):
    """SQLite has no row locks: BEGIN IMMEDIATE must serialise the writers instead."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'log.db'}"})
    with app.app_context():
        upgrade()
    errors = _append_concurrently(app)
    assert errors == []
    _assert_gap_free(app)


@pytest.mark.commits
def test_concurrent_releases_and_appends_never_log_a_private_act_twice(app):
    """Ticks on two servers, a close and named acts at once: each queued act once, no gaps."""
    if not on_postgres():
        pytest.skip("needs PostgreSQL: set CIVIC_TEST_DATABASE_URL (CI does)")
    queued = 60
    with app.app_context():
        for n in range(queued):
            audit.record(None, "proposal:vote_cast", audit.Subject("proposal", str(n % 3)))
        db.session.commit()

    def worker(n: int) -> None:
        if n % 4 == 0:
            audit.release_pending()
        elif n % 4 == 1:
            audit.release_pending(audit.Subject("proposal", str(n % 3)))
        else:
            audit.record(None, "area:create", audit.Subject("writer", str(n)))

    errors = all_at_once(app, WRITERS, worker)
    assert errors == []
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        assert actions.count("proposal:vote_cast") == queued
        assert actions.count("area:create") == WRITERS // 2
        assert audit.pending_count() == 0
        assert audit.verify().ok
