"""The mail outbox: one row per message, written in the transaction that causes it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civic.audit.log import Subject
from civic.clock import utcnow
from civic.database import string_enum
from civic.extensions import db


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
