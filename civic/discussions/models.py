"""Threads, comments (with replies and edit history) and residents' flags."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User, utcnow
from civic.audit import Subject
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import lazy_gettext as _l


class CommentState(enum.StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"  # hidden automatically after enough flags, until a moderator decides
    HIDDEN = "hidden"  # hidden by a moderator, with a public reason
    REMOVED = "removed"  # its author erased their account and asked for it to go

    @property
    def label(self) -> str:
        """The state as moderators' pages name it, in the reader's language."""
        return str(
            {
                "visible": _l("visible"),
                "pending": _l("pending"),
                "hidden": _l("hidden"),
                "removed": _l("removed"),
            }[self.value]
        )


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(FLAG_LABELS[self])


FLAG_LABELS = {
    FlagReason.SPAM: _l("Spam or advertising"),
    FlagReason.ABUSE: _l("Abusive, threatening or discriminatory"),
    FlagReason.OFF_TOPIC: _l("Off-topic"),
    FlagReason.PERSONAL_DATA: _l("Shares someone's personal data"),
    FlagReason.OTHER: _l("Something else"),
}


class FlagResolution(enum.StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Thread(db.Model):
    """One discussion per subject (a budget round, a proposal, an area ...)."""

    __tablename__ = "discussion_thread"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    comment_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def audit_subject(self) -> Subject:
        return Subject("thread", str(self.id))


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        # the thread page: a thread's top-level comments, newest first, a page at a time.
        # Partial (top-level rows only), so the scan reads one page in order; an index with
        # root_id as a column made PostgreSQL read every top-level comment and sort them
        Index(
            "ix_comment_top_level",
            "thread_id",
            "created_at",
            "id",
            sqlite_where=text("root_id IS NULL"),
            postgresql_where=text("root_id IS NULL"),
        ),
        Index("ix_comment_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_thread.id"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    body_source: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[CommentState] = mapped_column(
        string_enum(CommentState, "comment_state"), nullable=False, default=CommentState.VISIBLE
    )
    hidden_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    flag_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reply_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    parent: Mapped[Comment | None] = relationship(
        remote_side="Comment.id", foreign_keys=[parent_id], lazy="raise"
    )
    thread: Mapped[Thread] = relationship(lazy="select")

    @property
    def audit_subject(self) -> Subject:
        return Subject("comment", str(self.id))

    @property
    def is_visible(self) -> bool:
        return self.state is CommentState.VISIBLE


class CommentRevision(db.Model):
    """An earlier text of an edited comment, kept so edits cannot quietly rewrite history."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), nullable=False, index=True)
    body_source: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Flag(db.Model):
    """A resident's report of a comment; one per person per comment (database-enforced)."""

    __tablename__ = "comment_flag"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    reason: Mapped[FlagReason] = mapped_column(
        string_enum(FlagReason, "flag_reason"), nullable=False
    )
    detail: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # whether this report counts towards hiding the comment automatically: only residents
    # who have shown where they live (in the subject's area, when it has one) count, so
    # throwaway accounts cannot hide a comment; every report still reaches the moderators
    counts: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolution: Mapped[FlagResolution | None] = mapped_column(
        string_enum(FlagResolution, "flag_resolution")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    comment: Mapped[Comment] = relationship()
