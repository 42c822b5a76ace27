"""The search index: one row per searchable thing, whatever its domain.

One table rather than a generated column on each domain's table, because:
- a new kind (contracts, petitions) joins by registering, with no migration of its own
  and no edit to the search query;
- visibility, area and state are stored the same way for every kind, so the filters and
  the permission check are one WHERE clause that pages and counts correctly;
- the text that is searched (a proposal's case, a consultation's summary) can be drawn
  from several columns and related rows, which a generated column could not do.

PostgreSQL keeps a weighted `tsvector` (title A, body B, English configuration) as a
stored generated column with a GIN index. SQLite keeps an FTS5 table (`search_fts`,
external content, porter stemmer) in step through triggers; it is created by the
migration and left out of autogenerate's comparison (migrations/env.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Computed, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, deferred, mapped_column

from civic.accounts.models import utcnow
from civic.extensions import db

# title weighs more than body: a title match outranks a match in the text alone
TSVECTOR_SQL = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B')"
)


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_search_document_kind_ref"),
        Index("ix_search_document_parent", "parent_kind", "parent_ref"),
        Index("ix_search_document_tsv", "tsv", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    ref: Mapped[str] = mapped_column(String(80), nullable=False)  # the thing's id in its domain
    # who may find it: "public", or "moderators" (drafts, hidden comments)
    audience: Mapped[str] = mapped_column(String(20), nullable=False)
    # a comment follows its subject: found only by those who may find the subject too
    parent_kind: Mapped[str | None] = mapped_column(String(40))
    parent_ref: Mapped[str | None] = mapped_column(String(80))
    area_id: Mapped[int | None] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    title: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    link: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # registry.Link
    indexed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # PostgreSQL only (SQLite searches search_fts); deferred so SQLite never selects it
    tsv: Mapped[str | None] = deferred(
        mapped_column(TSVECTOR, Computed(TSVECTOR_SQL, persisted=True))
    )
