"""Information requests: a resident's question about a contract, a provider or a decision,
with a public reference and a due date 20 working days after receipt (Our Services Our Say,
principle 3: information rights over providers).

A request is about exactly one subject, held as one of three foreign keys (the database
checks that exactly one is set), so a subject cannot vanish from under its requests.
"Overdue" is not stored as a status: it is a received request whose due date has passed,
computed on every read; `overdue_recorded_at` only says that `civic tick` has logged the
moment it became overdue, so that is logged once.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.audit import Subject
from civic.clock import utcnow
from civic.contracts.models import Contract, Provider
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import _
from civic.votes.models import Proposal

QUESTION_MAX = 5000
ANSWER_MAX = 20000
REASON_MAX = 5000


class RequestStatus(enum.StrEnum):
    """What is stored. A received request past its due date shows as overdue."""

    RECEIVED = "received"
    ANSWERED = "answered"
    REFUSED = "refused"


class ShownStatus(enum.StrEnum):
    """What the pages show and filter by: the stored status, or overdue."""

    RECEIVED = "received"
    OVERDUE = "overdue"
    ANSWERED = "answered"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {
            ShownStatus.RECEIVED: _("Received, awaiting an answer"),
            ShownStatus.OVERDUE: _("Overdue"),
            ShownStatus.ANSWERED: _("Answered"),
            ShownStatus.REFUSED: _("Refused"),
        }[self]


class SubjectKind(enum.StrEnum):
    CONTRACT = "contract"
    PROVIDER = "provider"
    PROPOSAL = "proposal"

    @property
    def label(self) -> str:
        return {"contract": _("Contract"), "provider": _("Provider"), "proposal": _("Decision")}[
            self
        ]


class InfoRequestCounter(db.Model):
    """The last number given to a request in each year: `IR-2026-0042` is the 42nd of
    2026. Taken with one upsert in the asking transaction, so numbers are sequential,
    never shared, and a rolled-back ask gives its number back."""

    __tablename__ = "info_request_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False)


class InfoRequest(db.Model):
    __tablename__ = "info_request"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        CheckConstraint(
            "(CASE WHEN contract_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN provider_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN proposal_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
        CheckConstraint("due_on > received_on", name="due_after_receipt"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("contract_provider.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    # the requester's choice: False keeps their name off every page and out of the log
    publish_name: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[RequestStatus] = mapped_column(
        string_enum(RequestStatus, "info_request_status"),
        nullable=False,
        default=RequestStatus.RECEIVED,
    )
    answer_source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answer_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    refusal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responded_on: Mapped[date | None] = mapped_column(Date)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    overdue_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contract: Mapped[Contract | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])

    @property
    def audit_subject(self) -> Subject:
        return Subject("info_request", str(self.id))

    @property
    def subject_kind(self) -> SubjectKind:
        if self.contract_id is not None:
            return SubjectKind.CONTRACT
        if self.provider_id is not None:
            return SubjectKind.PROVIDER
        return SubjectKind.PROPOSAL

    @property
    def subject_title(self) -> str:
        if self.contract is not None:
            return f"{self.contract.title} ({self.contract.reference})"
        if self.provider is not None:
            return self.provider.name
        return self.proposal.title if self.proposal is not None else ""

    @property
    def requester_shown(self) -> str | None:
        """The name the pages show, or None when the requester chose not to publish it."""
        return self.requester.display_name if self.publish_name else None

    def is_overdue(self, today: date) -> bool:
        return self.status is RequestStatus.RECEIVED and self.due_on < today

    def shown_status(self, today: date) -> ShownStatus:
        if self.is_overdue(today):
            return ShownStatus.OVERDUE
        return ShownStatus(self.status.value)

    @property
    def answered_in_time(self) -> bool:
        return (
            self.status is RequestStatus.ANSWERED
            and self.responded_on is not None
            and self.responded_on <= self.due_on
        )
