"""Organiser elections and recall votes in a member-run group (issue 15).

One table holds both kinds of member vote about who organises: an *election* (members
choose up to `seats` candidates who stood themselves) and a *recall* (members answer yes
or no to removing one organiser, once enough members supported calling it). Ballots are
secret as in every Civic vote: the ballot row holds an HMAC of the voter scoped to the
election (civic.ballot_box.voter_key), never an account, and the database keeps one ballot
per member per election (unique constraint, INSERT ... ON CONFLICT DO NOTHING).

Who may vote is not copied into a table: it is "a member now who joined before voting
opened", checked under the election's row lock at every cast, so a member who leaves
cannot vote and a newcomer cannot join to swing a vote already running.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Group, User
from civic.audit import Subject
from civic.clock import utcnow
from civic.database import string_enum
from civic.extensions import db


class ElectionKind(enum.StrEnum):
    ELECTION = "election"
    RECALL = "recall"


class ElectionState(enum.StrEnum):
    """Nominations (or, for a recall, gathering support) until voting opens; voting until
    the close; closed once counted. A recall without enough support when voting was due
    to open lapses."""

    NOMINATIONS = "nominations"
    VOTING = "voting"
    CLOSED = "closed"
    LAPSED = "lapsed"


class GroupElection(db.Model):
    __tablename__ = "group_election"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="at_least_one_seat"),
        CheckConstraint("term_months >= 1", name="term_at_least_a_month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood_group.id"), nullable=False, index=True
    )
    kind: Mapped[ElectionKind] = mapped_column(
        string_enum(ElectionKind, "group_election_kind"), nullable=False
    )
    state: Mapped[ElectionState] = mapped_column(
        string_enum(ElectionState, "group_election_state"),
        nullable=False,
        default=ElectionState.NOMINATIONS,
    )
    seats: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False, default=12)
    voting_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    voting_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # a recall: the organiser it is about, the published reason, and the support it needs
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    support_needed: Mapped[int | None] = mapped_column(Integer)
    # fixed when voting opens, and at the count
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    electorate: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ballots: Mapped[int | None] = mapped_column(Integer)
    # the audit log's root (hex) when the count began: the seed of the lots that break ties
    tie_seed: Mapped[str | None] = mapped_column(String(64))
    # elected | no_one_elected | passed | failed | lapsed
    outcome: Mapped[str | None] = mapped_column(String(20))
    counts_published: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    yes_votes: Mapped[int | None] = mapped_column(Integer)
    no_votes: Mapped[int | None] = mapped_column(Integer)
    # numbered ballot papers printed for members voting on paper (civic.groups.paper)
    papers_issued: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    group: Mapped[Group] = relationship()
    called_by: Mapped[User | None] = relationship(foreign_keys=[called_by_id])
    target: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    candidates: Mapped[list[ElectionCandidate]] = relationship(
        back_populates="election", order_by="ElectionCandidate.id"
    )
    supporters: Mapped[list[RecallSupporter]] = relationship(
        back_populates="election", order_by="RecallSupporter.id"
    )

    @property
    def audit_subject(self) -> Subject:
        """Casts are logged under the election itself (their pseudonym is scoped to it);
        everything named is logged under the group (see civic.groups.elections)."""
        return Subject("group_election", str(self.id))

    @property
    def is_recall(self) -> bool:
        return self.kind is ElectionKind.RECALL


class ElectionCandidate(db.Model):
    """A member who stood: a public act, so the row names them. `votes` and `elected` are
    filled in by the count; `lot` is the tie-break draw (civic.groups.election_count)."""

    __tablename__ = "group_election_candidate"
    __table_args__ = (UniqueConstraint("election_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("group_election.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    statement: Mapped[str] = mapped_column(Text, nullable=False, default="")
    stood_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    votes: Mapped[int | None] = mapped_column(Integer)
    elected: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    term_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lot: Mapped[str | None] = mapped_column(String(64))

    election: Mapped[GroupElection] = relationship(back_populates="candidates")
    user: Mapped[User] = relationship()


class RecallSupporter(db.Model):
    """A member who supports holding a recall vote (its proposer first): public, like a
    seconder of a motion; one row per member, kept by the database."""

    __tablename__ = "group_recall_supporter"
    __table_args__ = (UniqueConstraint("election_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("group_election.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    supported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    election: Mapped[GroupElection] = relationship(back_populates="supporters")
    user: Mapped[User] = relationship()


class ElectionBallot(db.Model):
    """One secret ballot: the voter as an HMAC scoped to the election, the receipt code
    the voter was given, and the choices (a JSON list of candidate ids, or ["yes"] /
    ["no"] in a recall). No time is kept: a cast time set beside a named act would tell."""

    __tablename__ = "group_election_ballot"
    __table_args__ = (
        UniqueConstraint("election_id", "voter_key"),
        UniqueConstraint("election_id", "receipt"),
        # a printed paper is entered once (civic.groups.paper): NULL for online ballots
        UniqueConstraint(
            "election_id", "paper_number", name="uq_group_election_ballot_paper_number"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("group_election.id"), nullable=False)
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False)
    receipt: Mapped[str] = mapped_column(String(19), nullable=False)
    choices: Mapped[str] = mapped_column(String(2000), nullable=False)
    # a paper ballot an organiser or moderator entered (civic.groups.paper); as online, no
    # time is kept on the row
    paper: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    paper_number: Mapped[int | None] = mapped_column(Integer)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paper_check: Mapped[str] = mapped_column(
        String(200), nullable=False, default="", server_default=""
    )

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
