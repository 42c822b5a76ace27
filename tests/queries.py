"""Counting the SQL statements a request sends, for the tests that pages do not send more
statements as the data grows (issue 16): one listener, shared by every such test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

# transaction bookkeeping the test fixtures add around each request, not the page's work
_BOOKKEEPING = ("SAVEPOINT", "RELEASE", "ROLLBACK")


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement sent on any engine while the block runs (savepoints left out)."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(_BOOKKEEPING):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def count_queries(client: FlaskClient, url: str, status: int = 200) -> int:
    """How many statements one GET of `url` sends; it must answer `status`."""
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return len(seen)
