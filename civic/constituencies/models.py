"""Which constituencies a subject is open to, and which classes each cast counted in.

Both tables name their subject generically (`subject_type` is the subject's table name:
proposal, consultation, budget_round), so the one eligibility rule serves three domains.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.constituencies import Constituency
from civic.extensions import db


class SubjectConstituency(db.Model):
    """A vote, consultation or round is open to this constituency (set while in draft)."""

    __tablename__ = "subject_constituency"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "constituency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("constituency.id"), nullable=False, index=True
    )

    constituency: Mapped[Constituency] = relationship()


class CastClass(db.Model):
    """One class a cast counted in: the vote, response or ballot row `cast_id` of
    `subject_type`, written at cast time under the subject's row lock. A person in two
    classes has one cast row (one person one vote, as before) and two of these, so the
    total counts them once and each class once.

    No account is named: the row points at the cast, and a vote or ballot row holds only
    the HMAC voter key. Per-class figures are published only when every class reached the
    privacy minimum (`civic.constituencies.services.class_figures`)."""

    __tablename__ = "cast_class"
    __table_args__ = (
        UniqueConstraint("subject_type", "cast_id", "constituency_id"),
        Index("ix_cast_class_subject_constituency", "subject_type", "constituency_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    cast_id: Mapped[int] = mapped_column(Integer, nullable=False)
    constituency_id: Mapped[int] = mapped_column(ForeignKey("constituency.id"), nullable=False)
