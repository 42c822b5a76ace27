"""A resident petition, its signatures, and the threshold settings per area and kind.

Signatures are secret like votes: the table keeps an HMAC of the signer per petition
(civic.ballot_box.voter_key), never a user id, and the database keeps one signature per
person per petition (unique constraint). `signature_count` is kept under the petition's
row lock by every signature and withdrawal, so the thresholds trigger exactly once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Area, User
from civic.audit import Subject
from civic.clock import utcnow
from civic.consultations.models import Consultation
from civic.database import string_enum
from civic.extensions import db
from civic.votes.models import Proposal


class PetitionState(enum.StrEnum):
    """Pending: waiting for a moderator. Refused: published with the reason. Open:
    collecting signatures. Closed: its open period ended (expired)."""

    PENDING = "pending"
    REFUSED = "refused"
    OPEN = "open"
    CLOSED = "closed"


class PetitionKind(enum.StrEnum):
    GENERAL = "general"
    RECALL = "recall"


class FollowUp(enum.StrEnum):
    """What reaching the higher threshold opens."""

    CONSULTATION = "consultation"
    VOTE = "vote"


class Petition(db.Model):
    __tablename__ = "petition"
    __table_args__ = (
        CheckConstraint("signature_count >= 0", name="signatures_not_negative"),
        CheckConstraint("first_threshold IS NULL OR first_threshold >= 1", name="first_positive"),
        CheckConstraint(
            "second_threshold IS NULL OR second_threshold >= 1", name="second_positive"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[PetitionKind] = mapped_column(
        string_enum(PetitionKind, "petition_kind"), nullable=False, default=PetitionKind.GENERAL
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    asks: Mapped[str] = mapped_column(Text, nullable=False)
    why: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[PetitionState] = mapped_column(
        string_enum(PetitionState, "petition_state"),
        nullable=False,
        default=PetitionState.PENDING,
        index=True,
    )
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    moderation_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refusal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # fixed when the petition opens, so the target does not move as residents join
    eligible_count: Mapped[int | None] = mapped_column(Integer)
    first_level: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    first_threshold: Mapped[int | None] = mapped_column(Integer)
    second_level: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    second_threshold: Mapped[int | None] = mapped_column(Integer)
    follow_up: Mapped[FollowUp] = mapped_column(
        string_enum(FollowUp, "petition_follow_up"),
        nullable=False,
        default=FollowUp.CONSULTATION,
    )
    signature_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # the first threshold: the council's response duty
    first_reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # the higher threshold: a consultation or a public vote, in draft for moderators
    second_reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"), unique=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)

    area: Mapped[Area] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    consultation: Mapped[Consultation | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()

    @property
    def audit_subject(self) -> Subject:
        return Subject("petition", str(self.id))

    @property
    def withdrawable(self) -> bool:
        """Signatures can be taken back until the first threshold is reached."""
        return self.state is PetitionState.OPEN and self.first_reached_at is None


class PetitionSignature(db.Model):
    __tablename__ = "petition_signature"
    __table_args__ = (UniqueConstraint("petition_id", "signer_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), nullable=False, index=True)
    signer_key: Mapped[str] = mapped_column(String(64), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PetitionThreshold(db.Model):
    """An administrator's thresholds for one area and kind of petition; without a row the
    defaults from the settings apply. Levels are text: "250" or "2.5%"."""

    __tablename__ = "petition_threshold"
    __table_args__ = (UniqueConstraint("area_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False)
    kind: Mapped[PetitionKind] = mapped_column(
        string_enum(PetitionKind, "petition_kind"), nullable=False
    )
    first_level: Mapped[str] = mapped_column(String(20), nullable=False)
    second_level: Mapped[str] = mapped_column(String(20), nullable=False)
    follow_up: Mapped[FollowUp] = mapped_column(
        string_enum(FollowUp, "petition_follow_up"), nullable=False
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    area: Mapped[Area] = relationship()
