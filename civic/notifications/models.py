"""The mail outbox (one row per message, written in the transaction that causes it), and
what people follow, how they want to hear, and what they were told."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from civic.audit.log import Subject
from civic.clock import utcnow
from civic.database import string_enum
from civic.extensions import db
from civic.notifications.kinds import Delivery, Kind


class MailState(enum.StrEnum):
    """queued: waiting for its next attempt; sending: claimed by one sender (a lease that
    runs out at `next_attempt_at`, so a sender that died mid-way does not strand it);
    sent; failed: given up after CIVIC_MAIL_MAX_ATTEMPTS, kept for an administrator."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the same logical message (e.g. "password-reset:<token id>") is queued at most once
    message_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    to_address: Mapped[str] = mapped_column(String(320), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    text_body: Mapped[str] = mapped_column(Text, nullable=False)
    html_body: Mapped[str] = mapped_column(Text, nullable=False)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[MailState] = mapped_column(
        string_enum(MailState, "mail_state"), nullable=False, default=MailState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def audit_subject(self) -> Subject:
        # an id only: addresses and bodies are personal and never reach the audit log
        return Subject("mail", str(self.id))


# --- notifications: what people follow, how they want to hear, what they were told ---------


class Follow(db.Model):
    """A person follows a place or a thing (an area, a proposal, a round, a consultation).

    `target` is "<audit subject type>:<id>" (see feed.target_of), so anything with an
    audit subject can be followed without a column per kind of thing. `auto` marks follows
    made because the person took part, which they can drop like any other.
    """

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("user_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    target: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    auto: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class NotificationPreference(db.Model):
    """A person's choice for one kind; no row means the kind's default (kinds.KINDS)."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind, "notification_kind"), nullable=False)
    delivery: Mapped[Delivery] = mapped_column(
        string_enum(Delivery, "notification_delivery"), nullable=False
    )


class Notification(db.Model):
    """One thing one person was told, shown in their in-app list and mailed as they chose.

    `event` names what happened ("proposal-voting:12"); (user, event) is unique, so a job
    that runs again, or two that run at once, tell nobody twice. `delivery` is the choice
    in force when it was made (immediate or digest); `mailed_at` is set when its email, or
    the digest that carried it, was queued in the outbox.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_unmailed", "delivery", "mailed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind, "notification_kind"), nullable=False)
    event: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    delivery: Mapped[Delivery] = mapped_column(
        string_enum(Delivery, "notification_delivery"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DigestSent(db.Model):
    """One row per person and day a digest went out: the unique pair is what makes "no
    more than one digest a day" hold when two digest runs overlap."""

    __tablename__ = "notification_digest"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    items: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
