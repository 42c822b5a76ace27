"""What every secret ballot in Civic shares: who voted is an HMAC, not a user id, and one
vote per person is kept by the database (INSERT ... ON CONFLICT), never by a Python check."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite

from civic.extensions import db


def voter_key(scope: str, user_id: int) -> str:
    """Stable per person and ballot box, unreadable without the server's key."""
    key = current_app.config.get("AUDIT_PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]
    message = f"civic-ballot:{scope}:{user_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def upsert_returning_id(
    table: Table,
    unique: Sequence[str],
    values: Mapping[str, Any],
    update: Sequence[str],
    where: ColumnElement[bool] | None = None,
) -> int | None:
    """Insert a row or update `update` columns of the existing one, in one statement.

    Concurrent calls for the same key serialise on the unique index, so they leave one row.
    Returns the row's id, or None when `where` (checked against the existing row) refused
    the update.
    """
    dialect = db.session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = builder(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(unique),
        set_={column: stmt.excluded[column] for column in update},
        where=where if where is not None else None,
    ).returning(table.c.id)
    return db.session.execute(stmt).scalar_one_or_none()


def insert_or_nothing(table: Table, unique: Sequence[str], values: Mapping[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, in one statement: the new row's id,
    or None when the unique index already held a row. Concurrent callers leave exactly one
    row, which a check followed by an insert would not (a recall signature, a petition)."""
    dialect = db.session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = builder(table).values(**values).on_conflict_do_nothing(index_elements=list(unique))
    return db.session.execute(stmt.returning(table.c.id)).scalar_one_or_none()
