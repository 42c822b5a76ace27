"""A recall petition per contract and its signatures.

Every live published contract can be petitioned against; the petition's row is created by
its first signature (no one opens it by hand, so recalling a provider does not wait for
the council's permission). Signatures are secret like votes: the table keeps an HMAC of
the signer per petition (civic.ballot_box.voter_key), never a user id, and the database
keeps one signature per person per petition (unique constraint).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.audit import Subject
from civic.clock import utcnow
from civic.contracts.models import Contract
from civic.database import string_enum
from civic.extensions import db
from civic.votes.models import Proposal


class PetitionState(enum.StrEnum):
    """Open: signatures can be added and withdrawn. Reached: the threshold was met, the
    recall review was created in the same transaction, and the signatures are final."""

    OPEN = "open"
    REACHED = "reached"


class RecallPetition(db.Model):
    __tablename__ = "recall_petition"
    __table_args__ = (
        CheckConstraint("threshold >= 1", name="threshold_at_least_one"),
        CheckConstraint("signature_count >= 0", name="signatures_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, unique=True)
    state: Mapped[PetitionState] = mapped_column(
        string_enum(PetitionState, "recall_petition_state"),
        nullable=False,
        default=PetitionState.OPEN,
    )
    # fixed at the first signature, so the target does not move as residents join the area
    eligible_count: Mapped[int] = mapped_column(Integer, nullable=False)
    threshold_percent: Mapped[str] = mapped_column(String(20), nullable=False)
    threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    # kept under the petition's row lock by every signature and withdrawal
    signature_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the recall review: an outsourcing proposal whose default outcome is in-house provision
    review_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)

    contract: Mapped[Contract] = relationship()
    review_proposal: Mapped[Proposal | None] = relationship()

    @property
    def audit_subject(self) -> Subject:
        return Subject("recall_petition", str(self.id))


class RecallSignature(db.Model):
    __tablename__ = "recall_signature"
    __table_args__ = (UniqueConstraint("petition_id", "signer_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("recall_petition.id"), nullable=False, index=True
    )
    signer_key: Mapped[str] = mapped_column(String(64), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
