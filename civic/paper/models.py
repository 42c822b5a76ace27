"""A resident's challenge to a paper vote or response an officer entered for them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User, utcnow
from civic.audit import Subject
from civic.contests.states import ContestState, one_open_per_entry
from civic.database import string_enum
from civic.extensions import db


class PaperKind(enum.StrEnum):
    VOTE = "proposal"  # a paper vote on a proposal (civic.votes)
    RESPONSE = "consultation"  # a paper consultation response (civic.consultations)
    BALLOT = "budget"  # a budget round's ballot paper (entered and contested in civic.budgets)


class PaperContest(db.Model):
    """One contest of one paper entry. `voter_key` is the resident's key for the subject
    (as on the vote), never their account id, so this table does not join a person to a
    choice; `cast_id` is the contested row while it exists (None once removed)."""

    __tablename__ = "paper_contest"
    __table_args__ = (
        one_open_per_entry("uq_paper_contest_open", "kind", "subject_id", "voter_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[PaperKind] = mapped_column(string_enum(PaperKind, "paper_kind"), nullable=False)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    cast_id: Mapped[int | None] = mapped_column(Integer)
    paper_number: Mapped[int] = mapped_column(Integer, nullable=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[ContestState] = mapped_column(
        string_enum(ContestState, "paper_contest_state"), nullable=False
    )
    response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    resolver: Mapped[User | None] = relationship(foreign_keys=[resolver_id])

    @property
    def audit_subject(self) -> Subject:
        return Subject("paper_contest", str(self.id))
