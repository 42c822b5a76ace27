"""Reading the public log: newest first, filtered, in pages that stay fast at any size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from civic.audit.actions import ACTIONS
from civic.audit.models import AuditEntry
from civic.extensions import db


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    older: int | None  # pass as `before` for the next page, or None at the start of the log
    newer: int | None  # pass as `after` for the previous page, or None at the newest


def entries_page(
    *,
    action: str = "",
    actions: Sequence[str] = (),
    subject_type: str = "",
    subject_id: str = "",
    before: int | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page:
    """The log's entries newest first, filtered, a page at a time (keyset on seq).
    `actions`, when given, keeps only entries with one of those tags."""
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actions:
        stmt = stmt.where(AuditEntry.action.in_(actions))
    if subject_type:
        stmt = stmt.where(AuditEntry.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AuditEntry.subject_id == subject_id)
    rows, older, newer = keyset_page(stmt, AuditEntry.seq, before=before, after=after, size=size)
    return Page(entries=rows, older=older, newer=newer)


def keyset_page(
    stmt: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    before: int | None,
    after: int | None,
    size: int,
) -> tuple[list[Any], int | None, int | None]:
    """One page of `stmt`'s rows, highest `key` first, and the `before` and `after` values
    of the pages either side (None where there is none). Keyset, not OFFSET: page 2,000
    costs what page 1 costs. Shared by the log's pages and the checkpoints' pages."""
    if after is not None:
        rows = list(db.session.scalars(stmt.where(key > after).order_by(key).limit(size + 1)))
        has_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = bool(rows) and _exists(stmt.where(key < getattr(rows[-1], key.key)), key)
    else:
        stmt_page = stmt.where(key < before) if before is not None else stmt
        rows = list(db.session.scalars(stmt_page.order_by(key.desc()).limit(size + 1)))
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = (
            before is not None
            and bool(rows)
            and _exists(stmt.where(key > getattr(rows[0], key.key)), key)
        )
    older = getattr(rows[-1], key.key) if rows and has_older else None
    newer = getattr(rows[0], key.key) if rows and has_newer else None
    return rows, older, newer


def _exists(stmt: Select[Any], key: InstrumentedAttribute[int]) -> bool:
    return db.session.scalar(stmt.with_only_columns(key).limit(1)) is not None


def actions() -> list[str]:
    """The action filter's choices: every registered tag (civic.audit.actions), not a
    `SELECT DISTINCT action` over the whole log, which grows with the log (67 ms at
    200,000 entries); every tag the log holds went through the registry."""
    return sorted(ACTIONS)


def trail(subject_type: str, subject_id: str) -> list[AuditEntry]:
    """Every entry about one subject, oldest first: how a decision came to be."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq)
    )
    return list(db.session.scalars(stmt))
