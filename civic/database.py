"""Engine set-up that makes SQLite behave like the production database where it matters."""

from __future__ import annotations

import enum
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Engine, Enum, event

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


def string_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored as its plain string values: portable and readable in SQL."""
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e])
