"""A group's published rules, requests to join it, and the motions its members decide.

Membership itself stays in civic.accounts (`GroupMembership`); a group's join policy is a
column of `Group` (`join_policy`) because every group page shows it. The rest of what a
group decides by is here, one row per group, read by `civic.groups.rules`.
"""

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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Group, User, utcnow
from civic.audit import Subject
from civic.database import string_enum
from civic.extensions import db


class QuorumRule(enum.StrEnum):
    NONE = "none"  # any turnout decides
    SHARE = "share"  # a percentage of the members when voting opened must vote
    NUMBER = "number"  # at least this many members must vote


class MajorityRule(enum.StrEnum):
    SIMPLE = "simple"  # more for than against among the votes cast (abstentions aside)
    TWO_THIRDS = "two_thirds"  # at least two thirds of the for-and-against votes
    ALL_MEMBERS = "all_members"  # more than half of all members when voting opened


class Proposers(enum.StrEnum):
    MEMBERS = "members"  # any member proposes
    ORGANISERS = "organisers"  # only organisers (members still vote)


class RequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class MotionState(enum.StrEnum):
    DISCUSSION = "discussion"  # proposed, discussed; voting opens after the rules' days
    VOTING = "voting"
    CLOSED = "closed"  # counted; the outcome and (later) the minutes are recorded


class MotionOutcome(enum.StrEnum):
    PASSED = "passed"
    NO_QUORUM = "no_quorum"  # too few members voted
    REJECTED = "rejected"  # the majority rule was not met
    TIED = "tied"  # as many for as against: not passed


class GroupRules(db.Model):
    """How a group decides motions. One row per group, made with the defaults the first
    time the rules are changed; until then `civic.groups.rules.DEFAULTS` apply."""

    __tablename__ = "group_rules"

    group_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_group.id"), primary_key=True)
    quorum_rule: Mapped[QuorumRule] = mapped_column(
        string_enum(QuorumRule, "quorum_rule"), nullable=False
    )
    # a percentage (1-100) for SHARE, a number of members (1 or more) for NUMBER, 0 for NONE
    quorum_value: Mapped[int] = mapped_column(Integer, nullable=False)
    majority_rule: Mapped[MajorityRule] = mapped_column(
        string_enum(MajorityRule, "majority_rule"), nullable=False
    )
    discussion_days: Mapped[int] = mapped_column(Integer, nullable=False)
    voting_days: Mapped[int] = mapped_column(Integer, nullable=False)
    proposers: Mapped[Proposers] = mapped_column(
        string_enum(Proposers, "motion_proposers"), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class JoinRequest(db.Model):
    """A person asking to join a group whose policy is "by request". The message is for
    the organisers only; the refusal reason is told to the person, never published."""

    __tablename__ = "group_join_request"
    __table_args__ = (
        # one waiting request per person and group; the service decides, this settles races
        Index(
            "uq_group_join_request_pending",
            "group_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood_group.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    state: Mapped[RequestState] = mapped_column(
        string_enum(RequestState, "join_request_state"),
        nullable=False,
        default=RequestState.PENDING,
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Motion(db.Model):
    """A member's motion: discussed, voted on by the members in a secret ballot, counted
    by the rules as they stood when voting opened (copied here then), and minuted."""

    __tablename__ = "group_motion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood_group.id"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    # None once the proposer erased their account (the motion is the group's record)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[MotionState] = mapped_column(
        string_enum(MotionState, "motion_state"), nullable=False, default=MotionState.DISCUSSION
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    voting_planned: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    voting_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voting_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the rules that decide it, copied when voting opens: a later change of rules does
    # not move the goalposts of a vote already running
    quorum_rule: Mapped[QuorumRule | None] = mapped_column(string_enum(QuorumRule, "quorum_rule"))
    quorum_value: Mapped[int | None] = mapped_column(Integer)
    majority_rule: Mapped[MajorityRule | None] = mapped_column(
        string_enum(MajorityRule, "majority_rule")
    )
    electorate: Mapped[int | None] = mapped_column(Integer)  # members when voting opened
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    abstentions: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[MotionOutcome | None] = mapped_column(
        string_enum(MotionOutcome, "motion_outcome")
    )
    explanation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    minutes: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Markdown source
    minutes_html: Mapped[str] = mapped_column(Text, nullable=False, default="")  # sanitised
    minutes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    minutes_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # numbered ballot papers printed for members voting on paper (civic.groups.paper)
    papers_issued: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    group: Mapped[Group] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    @property
    def audit_subject(self) -> Subject:
        """The motion's own subject: its members' secret votes are scoped to it. Every
        decision about it (proposed, opened, closed, minuted) is logged under the group."""
        return Subject("group_motion", str(self.id))

    @property
    def counted(self) -> bool:
        return self.state is MotionState.CLOSED


class MotionElector(db.Model):
    """Who may vote on a motion: the members when voting opened, each by the voter key of
    the motion's ballot box (not by account), so the quorum counts that snapshot and a
    member who joins later does not vote on a motion already running."""

    __tablename__ = "group_motion_elector"
    __table_args__ = (UniqueConstraint("motion_id", "voter_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("group_motion.id"), nullable=False)
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False)


class MotionVote(db.Model):
    """One vote per member per motion: the unique index, not a check, keeps it one. The
    voter key is an HMAC, so the table alone does not say who voted how; the receipt is
    the voter's code, published with the choice after the close."""

    __tablename__ = "group_motion_vote"
    __table_args__ = (
        UniqueConstraint("motion_id", "voter_key"),
        UniqueConstraint("motion_id", "receipt"),
        # a printed paper is entered once (civic.groups.paper): NULL for online votes
        UniqueConstraint("motion_id", "paper_number", name="uq_group_motion_vote_paper_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("group_motion.id"), nullable=False)
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False)
    choice: Mapped[str] = mapped_column(String(10), nullable=False)  # for | against | abstain
    receipt: Mapped[str] = mapped_column(String(19), nullable=False)
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # a paper vote an organiser or moderator entered (civic.groups.paper): its printed
    # number, who entered it and how they identified the member (shown to the member only)
    paper: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    paper_number: Mapped[int | None] = mapped_column(Integer)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paper_check: Mapped[str] = mapped_column(
        String(200), nullable=False, default="", server_default=""
    )

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
