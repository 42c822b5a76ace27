"""Reading the public log: newest first, filtered, in pages that stay fast at any size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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
    subject_type: str = "",
    subject_id: str = "",
    before: int | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page:
    """Keyset pagination on seq: no OFFSET, so page 2,000 costs what page 1 costs."""
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if subject_type:
        stmt = stmt.where(AuditEntry.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AuditEntry.subject_id == subject_id)
    if after is not None:
        rows = list(
            db.session.scalars(
                stmt.where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(size + 1)
            )
        )
        has_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = bool(rows) and _exists(stmt.where(AuditEntry.seq < rows[-1].seq))
    else:
        stmt_page = stmt.where(AuditEntry.seq < before) if before is not None else stmt
        rows = list(db.session.scalars(stmt_page.order_by(AuditEntry.seq.desc()).limit(size + 1)))
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = (
            before is not None and bool(rows) and _exists(stmt.where(AuditEntry.seq > rows[0].seq))
        )
    return Page(
        entries=rows,
        older=rows[-1].seq if rows and has_older else None,
        newer=rows[0].seq if rows and has_newer else None,
    )


def _exists(stmt) -> bool:
    return db.session.scalar(stmt.with_only_columns(AuditEntry.seq).limit(1)) is not None


def actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def trail(subject_type: str, subject_id: str) -> list[AuditEntry]:
    """Every entry about one subject, oldest first: how a decision came to be."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq)
    )
    return list(db.session.scalars(stmt))
