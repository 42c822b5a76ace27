"""A member's challenge to a paper vote or ballot entered for them in a group's motion or
election (civic.groups.paper_contests). Its own table rather than `paper_contest`: that
one's subjects are proposals and consultations; the states and the one-open rule are the
ones every contest shares (civic.contests.states)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Group, User, utcnow
from civic.audit import Subject
from civic.contests.states import ContestState, one_open_per_entry
from civic.database import string_enum
from civic.extensions import db


class GroupPaperKind(enum.StrEnum):
    MOTION = "motion"
    ELECTION = "election"  # an election or a recall: one table holds both


class GroupPaperContest(db.Model):
    """One contest of one paper entry. As in `paper_contest`, the member is held by the
    voter key of the ballot box (never an account id), and `cast_id` is the contested row
    while it exists (None once a moderator removed it)."""

    __tablename__ = "group_paper_contest"
    __table_args__ = (
        one_open_per_entry("uq_group_paper_contest_open", "kind", "subject_id", "voter_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood_group.id"), nullable=False, index=True
    )
    kind: Mapped[GroupPaperKind] = mapped_column(
        string_enum(GroupPaperKind, "group_paper_kind"), nullable=False
    )
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
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

    group: Mapped[Group] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    resolver: Mapped[User | None] = relationship(foreign_keys=[resolver_id])

    @property
    def audit_subject(self) -> Subject:
        return Subject("group_paper_contest", str(self.id))
