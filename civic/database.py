"""Engine set-up that makes SQLite behave like the production database where it matters."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import Engine, Enum, event, inspect, select

from civic.extensions import db

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wants_write_lock() -> bool:
    """Writers take SQLite's write lock when their transaction starts.

    SQLite serialises writers per database. A deferred transaction that reads the audit
    head and later writes would meet "database is locked" (or fork the log) when another
    writer got there first, so requests that may write, and CLI commands, begin with
    BEGIN IMMEDIATE; read-only requests keep concurrent deferred transactions.
    """
    return not (has_request_context() and request.method in SAFE_METHODS)


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for files, and explicit BEGIN so savepoints and locks work."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)


def lock_row(model: type[T], ident: Any) -> T | None:
    """Re-read one row and hold a lock on it until the transaction ends: the one
    serialisation point of a decision (DESIGN §4a).

    A cast and the close (or the move to results) of the same proposal, round or
    consultation must not interleave: the close has to see every cast it answered with
    success, and a cast has to see the close. Both therefore lock the subject's row *first*
    and check its state again *after* the lock, from the row as it is now
    (`populate_existing` refreshes the object already in the session).

    On PostgreSQL casts and closes alike take FOR NO KEY UPDATE (NO KEY: inserts elsewhere
    that only reference the row by a foreign key are not blocked). Casts could take FOR
    SHARE and run side by side, but PostgreSQL lets a new share lock join the share locks
    already held without queueing behind a waiting exclusive one, so under a steady stream
    of casts the close would wait until the stream stops (tests/votes/test_concurrency.py:
    with FOR SHARE a close fired after 40 of 150 votes waited for all 150, three runs out
    of three; with this lock it counted 42 and refused 108). With one exclusive lock every
    waiter queues in order, the close included. A cast holds it for a few milliseconds.
    SQLite has no row locks; there a writing transaction already holds the database's
    write lock from its BEGIN IMMEDIATE (see `_wants_write_lock`), which serialises the
    same steps.

    Lock order, to stay free of deadlocks: the subject first, the audit log after. Never
    lock a subject in a transaction that has already appended to the log.
    Returns None when the row does not exist (any more).
    """
    (key,) = inspect(model).primary_key
    stmt = select(model).where(key == ident).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    return db.session.scalars(stmt).one_or_none()


def lock_rows(model: type[T], idents: list[Any]) -> list[T]:
    """Lock several rows exclusively, in primary-key order, in one statement (see
    `lock_row`): a job that changes several subjects (`civic tick`) takes all their locks
    before it first appends to the audit log, and two such jobs take them in the same
    order, so neither can deadlock with casts or with each other."""
    if not idents:
        return []
    (key,) = inspect(model).primary_key
    stmt = (
        select(model)
        .where(key.in_(sorted(idents)))
        .order_by(key)
        .execution_options(populate_existing=True)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    return list(db.session.scalars(stmt))


def string_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored as its plain string values: portable and readable in SQL."""
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e])
