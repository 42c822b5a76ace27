"""Keeping the index current: SQLAlchemy session events, so no service has to remember.

Every flush notes which registered rows were added, changed or deleted; before the
transaction commits (and before a search reads the index within a transaction) those
rows are turned into documents and written in the same transaction. A decision and its
search document therefore land together or not at all, and a service that forgets
nothing cannot forget the index either. Changes made behind the ORM's back (a bulk
UPDATE, a hand edit in psql) are picked up by `flask civic search reindex`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from civic.accounts.models import utcnow
from civic.search import registry
from civic.search.models import SearchDocument

_PENDING = "search_pending"  # session.info key: {(kind name, id(obj)): obj}
_GONE = "search_gone"  # session.info key: {(kind name, ref)}

# the highlighter marks matches with these two characters (civic.search.highlight), so
# they are taken out of indexed text: only the highlighter's can ever become <mark>
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None) -> str:
    return _UNSAFE.sub(" ", text or "")


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.setdefault(_PENDING, {})
    gone = session.info.setdefault(_GONE, set())
    for obj in list(session.new) + list(session.dirty):
        kind = registry.for_object(obj)
        if kind is not None:
            pending[(kind.name, id(obj))] = obj
    for obj in session.deleted:
        kind = registry.for_object(obj)
        if kind is not None:
            pending.pop((kind.name, id(obj)), None)
            gone.add((kind.name, kind.ref(obj)))


def _before_commit(session: Session) -> None:
    session.flush()
    write_pending(session)


def _after_soft_rollback(session: Session, previous: Any) -> None:
    """A whole transaction undone: nothing of it is left to index. (A savepoint's rollback
    keeps the list: rows it added are no longer persistent and are skipped when written.)"""
    if previous.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_GONE, None)


def write_pending(session: Session) -> None:
    """Write the documents of rows changed since the last call (idempotent, cheap if none)."""
    pending = session.info.pop(_PENDING, {})
    gone = session.info.pop(_GONE, set())
    if not pending and not gone:
        return
    with session.no_autoflush:
        for (name, _), obj in pending.items():
            kind = registry.get(name)
            if kind is not None and inspect(obj).persistent:
                write(session, kind, obj)
    for name, ref in gone:
        session.execute(
            delete(SearchDocument).where(SearchDocument.kind == name, SearchDocument.ref == ref)
        )


def write(session: Session, kind: registry.Kind, obj: Any) -> bool:
    """Insert or replace `obj`'s document, or remove it when the kind declines it."""
    doc = kind.document(obj)
    if doc is None:
        session.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == kind.name, SearchDocument.ref == kind.ref(obj)
            )
        )
        return False
    values = {
        "kind": kind.name,
        "ref": doc.ref,
        "audience": doc.audience,
        "parent_kind": doc.parent[0] if doc.parent else None,
        "parent_ref": doc.parent[1] if doc.parent else None,
        "area_id": doc.area_id,
        "state": doc.state,
        "title": clean(doc.title),
        "body": clean(doc.body),
        "link": {
            "endpoint": doc.link.endpoint,
            "values": doc.link.values,
            "anchor": doc.link.anchor,
            "heading": clean(doc.link.heading),
            "heading_as": doc.link.heading_as,
        },
        "indexed_at": utcnow(),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SearchDocument).values(**values)
    updated = {k: v for k, v in values.items() if k not in ("kind", "ref")}
    session.execute(
        stmt.on_conflict_do_update(index_elements=["kind", "ref"], set_=updated),
        execution_options={"synchronize_session": False},
    )
    return True


def rebuild(session: Session, *, batch: int = 500) -> int:
    """Index every row of every registered kind again; returns the number of documents.

    For an operator after a restore or a hand edit, and for the migration's backfill.
    Documents of rows that no longer exist are removed first.
    """
    session.execute(delete(SearchDocument))
    count = 0
    for kind in registry.kinds():
        offset = 0
        while True:
            rows = session.scalars(
                select(kind.model)
                .order_by(*kind.model.__mapper__.primary_key)
                .offset(offset)
                .limit(batch)
            ).all()
            if not rows:
                break
            with session.no_autoflush:
                for row in rows:
                    count += write(session, kind, row)
            offset += batch
    session.info.pop(_PENDING, None)
    return count


def install() -> None:
    """Listen to every session (called once by the app factory)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
