"""Many rows into one table at once: PostgreSQL's COPY, or executemany on SQLite.

An import brings tens of thousands of ballots. Even batched, INSERT statements cost the
database a parse and plan per batch and SQLAlchemy a conversion per value; COPY streams
the rows in one command (psycopg 3's `cursor.copy()`), on the session's own connection
and so in its transaction: the import, its audit entry and its results commit or roll
back together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Table

from civic.extensions import db


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (tuples of values in the order of `columns`) into `table`, in the
    session's transaction. Values are Python values as the model holds them (JSON columns
    as dicts or lists)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, rows)
    else:
        statement = table.insert()
        connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])


def _copy(connection: Any, table: Table, columns: Sequence[str], rows: Iterable) -> None:
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    quoted = connection.dialect.identifier_preparer.format_table(table)
    raw = connection.connection.driver_connection  # psycopg 3, inside the open transaction
    with raw.cursor() as cursor, cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(value) if dump else value
                    for value, dump in zip(row, as_json, strict=True)
                ]
            )
