"""Community budget rounds, their projects, residents' ballots and the frozen results."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Area, Group, User, utcnow
from civic.audit import Subject
from civic.contests.states import ContestState, one_open_per_entry
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import lazy_gettext as _l


class Phase(enum.StrEnum):
    IDEAS = "ideas"
    REVIEW = "review"
    VOTING = "voting"
    RESULTS = "results"
    DELIVERY = "delivery"

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])

    @property
    def title(self) -> str:
        """The phase's one-word name, as the timeline shows it ("Ideas", "Voting")."""
        return str(PHASE_NAMES[self])

    @property
    def next(self) -> Phase | None:
        order = list(Phase)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


PHASE_LABELS = {
    Phase.IDEAS: _l("Ideas: residents propose projects"),
    Phase.REVIEW: _l("Review: moderators check feasibility and cost"),
    Phase.VOTING: _l("Voting"),
    Phase.RESULTS: _l("Results"),
    Phase.DELIVERY: _l("Delivery"),
}
PHASE_NAMES = {
    Phase.IDEAS: _l("Ideas"),
    Phase.REVIEW: _l("Review"),
    Phase.VOTING: _l("Voting"),
    Phase.RESULTS: _l("Results"),
    Phase.DELIVERY: _l("Delivery"),
}


class EarlyMove(NamedTuple):
    """A phase entered by hand before its published date: when, instead of when, and why."""

    began: datetime
    scheduled: datetime
    reason: str


class BallotKind(enum.StrEnum):
    APPROVAL = "approval"  # choose any projects whose total cost fits the budget
    K_OF_N = "k_of_n"  # choose up to k projects
    CUMULATIVE = "cumulative"  # spread a number of points
    RANKED = "ranked"  # rank up to max_length projects

    @property
    def label(self) -> str:
        return str(
            {
                "approval": _l("Choose projects within the budget"),
                "k_of_n": _l("Choose up to a number of projects"),
                "cumulative": _l("Share out points"),
                "ranked": _l("Rank your favourite projects"),
            }[self.value]
        )

    @property
    def vote_type(self) -> str:
        """The Pabulib / rules vote type this ballot produces."""
        return {
            "approval": "approval",
            "k_of_n": "approval",
            "cumulative": "cumulative",
            "ranked": "ordinal",
        }[self.value]


class ProjectStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    FEASIBLE = "feasible"  # on the ballot
    REJECTED = "rejected"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"

    @property
    def label(self) -> str:
        return str(
            {
                "submitted": _l("Submitted"),
                "feasible": _l("Feasible"),
                "rejected": _l("Rejected"),
                "selected": _l("Selected"),
                "not_selected": _l("Not selected"),
            }[self.value]
        )


class DeliveryStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(
            {
                "not_started": _l("Not started"),
                "in_progress": _l("In progress"),
                "delivered": _l("Delivered"),
                "cancelled": _l("Cancelled"),
            }[self.value]
        )


class BudgetRound(db.Model):
    __tablename__ = "budget_round"

    # set by a Pabulib import while it freezes the round (not stored): its ballots as
    # `services.anonymised_ballots` gives them, built from the parsed file
    imported_ballots = None

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # the language moderators wrote it in, and a short plain-language summary shown first
    # (civic.content: other languages' versions live in content_translation)
    language: Mapped[str] = mapped_column(
        String(8), nullable=False, default="en", server_default="en"
    )
    easy_read: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood_group.id"))
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)  # minor units (pence)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="GBP")
    phase: Mapped[Phase] = mapped_column(string_enum(Phase, "budget_phase"), nullable=False)
    ideas_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    review_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    voting_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    results_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    delivery_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ballot_kind: Mapped[BallotKind] = mapped_column(
        string_enum(BallotKind, "ballot_kind"), nullable=False
    )
    rule: Mapped[str] = mapped_column(String(20), nullable=False, default="mes-add1")
    min_projects: Mapped[int | None] = mapped_column(Integer)
    max_projects: Mapped[int | None] = mapped_column(Integer)  # k for k-of-n, length for ranked
    points: Mapped[int | None] = mapped_column(Integer)  # cumulative: points to share out
    max_points_per_project: Mapped[int | None] = mapped_column(Integer)
    threshold: Mapped[int | None] = mapped_column(Integer)  # greedy-threshold: minimum support
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # imported META
    # phases entered by hand before their published date: {phase: {reason, at, scheduled}}
    early_moves: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the round's ballots (all, and the paper ones among them), kept rather than counted on
    # every view of the round page (issue 16): each cast of a new ballot, withdrawal,
    # voiding and import changes them by `UPDATE ... SET n = n + k` in its own transaction
    # (civic.budgets.services.count_ballots)
    ballots_cast: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    paper_ballots_cast: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # how many numbered ballot papers were printed (civic.paper): numbers 1..papers_issued
    papers_issued: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    area: Mapped[Area] = relationship()
    group: Mapped[Group | None] = relationship()
    projects: Mapped[list[Project]] = relationship(
        back_populates="round", order_by="Project.position"
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("budget_round", self.slug)

    def phase_dates(self) -> list[tuple[Phase, datetime]]:
        return [
            (Phase.IDEAS, self.ideas_from),
            (Phase.REVIEW, self.review_from),
            (Phase.VOTING, self.voting_from),
            (Phase.RESULTS, self.results_from),
            (Phase.DELIVERY, self.delivery_from),
        ]

    def moved_early(self) -> dict[Phase, EarlyMove]:
        """The phases entered before their published date, read from `early_moves`, so a
        page can say when a phase really began instead of repeating the schedule."""
        moves = self.early_moves or {}
        return {
            phase: EarlyMove(
                datetime.fromisoformat(moves[phase.value]["at"]),
                datetime.fromisoformat(moves[phase.value]["scheduled"]),
                moves[phase.value]["reason"],
            )
            for phase in Phase
            if phase.value in moves
        }


class Project(db.Model):
    __tablename__ = "budget_project"
    __table_args__ = (UniqueConstraint("round_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # input order for ties
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)  # Pabulib project_id
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cost: Mapped[int] = mapped_column(BigInteger, nullable=False)  # minor units
    proposed_cost: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    category: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ProjectStatus] = mapped_column(
        string_enum(ProjectStatus, "project_status"), nullable=False
    )
    rejection_reason: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    delivery: Mapped[DeliveryStatus] = mapped_column(
        string_enum(DeliveryStatus, "delivery_status"),
        nullable=False,
        default=DeliveryStatus.NOT_STARTED,
    )
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[BudgetRound] = relationship(back_populates="projects")
    proposer: Mapped[User | None] = relationship()
    notes: Mapped[list[ProgressNote]] = relationship(order_by="ProgressNote.created_at")

    @property
    def audit_subject(self) -> Subject:
        return Subject("budget_project", str(self.id))

    @property
    def on_ballot(self) -> bool:
        return self.status in (
            ProjectStatus.FEASIBLE,
            ProjectStatus.SELECTED,
            ProjectStatus.NOT_SELECTED,
        )


class ProgressNote(db.Model):
    __tablename__ = "budget_progress_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_project.id"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User] = relationship()


class Ballot(db.Model):
    """One per voter per round (database-enforced). `voter_key` is an HMAC of the voter's
    account, so the table alone does not say who voted what; paper ballots are marked.
    `receipt` is the code its voter was given (civic.receipts), published with the ballot
    once the results are frozen; a changed ballot gets a new one."""

    __tablename__ = "budget_ballot"
    __table_args__ = (
        UniqueConstraint("round_id", "voter_key"),
        UniqueConstraint("round_id", "receipt"),
        # one printed paper is entered once: the database decides, even for two desks at once
        UniqueConstraint("round_id", "paper_number", name="uq_budget_ballot_paper_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), nullable=False)
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False)
    paper: Mapped[bool] = mapped_column(nullable=False, default=False)
    # the officer who entered a paper ballot, shown to the resident it was entered for
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # the number printed on the paper (civic.paper.paper_label shows it as "B3-0042");
    # None for an online ballot
    paper_number: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # imported columns
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    receipt: Mapped[str] = mapped_column(String(19), nullable=False)

    # set by `services.cast_ballot` (not stored): the code this cast replaced, if any, so
    # the confirmation can say "your earlier receipt ... is now marked replaced"
    replaced_receipt = None

    entries: Mapped[list[BallotEntry]] = relationship(
        order_by="BallotEntry.rank", cascade="all, delete-orphan"
    )
    entered_by: Mapped[User | None] = relationship()


class BallotEntry(db.Model):
    __tablename__ = "budget_ballot_entry"
    __table_args__ = (UniqueConstraint("ballot_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("budget_ballot.id", ondelete="CASCADE"), nullable=False, index=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_project.id"), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)  # order on the ballot
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class RoundResult(db.Model):
    """Results, frozen when computed: the rule, a digest of its exact input, the winners and
    the explanation shown on the results page."""

    __tablename__ = "budget_result"

    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(20), nullable=False)
    input_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    selected: Mapped[list] = mapped_column(JSON, nullable=False)  # project ids, selection order
    projects: Mapped[list] = mapped_column(JSON, nullable=False)  # per project: figures, words
    ballots: Mapped[int] = mapped_column(Integer, nullable=False)
    paper_ballots: Mapped[int] = mapped_column(Integer, nullable=False)
    cost: Mapped[int] = mapped_column(BigInteger, nullable=False)
    tie_breaking: Mapped[str] = mapped_column(String(200), nullable=False)
    notes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # the rule's own figures: MES {"share": "n/d" per voter, "increment": Add1 units or None}
    detail: Mapped[dict] = mapped_column(
        JSON, nullable=False, default=dict, server_default=text("'{}'")
    )
    audit_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class BallotContest(db.Model):
    """A resident's challenge to a paper ballot an officer entered for them.

    It holds the same `voter_key` as the ballot (an HMAC, not the account), so the resident
    finds their contest again even after the ballot is removed, and the table alone does not
    say who contested. A removed ballot's row is deleted; `ballot_id` is then NULL.
    """

    __tablename__ = "budget_ballot_contest"
    __table_args__ = (one_open_per_entry("uq_budget_ballot_contest_open", "round_id", "voter_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), nullable=False, index=True)
    ballot_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_ballot.id", ondelete="SET NULL")
    )
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)
    state: Mapped[ContestState] = mapped_column(
        string_enum(ContestState, "ballot_contest_state"),
        nullable=False,
        default=ContestState.OPEN,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    response: Mapped[str] = mapped_column(String(1000), nullable=False, default="")

    round: Mapped[BudgetRound] = relationship()
    ballot: Mapped[Ballot | None] = relationship()
    resolver: Mapped[User | None] = relationship()

    @property
    def audit_subject(self) -> Subject:
        # its own subject, so the contest's scoped pseudonym is unlike any other of the
        # resident's (their comments, their ballots in other rounds)
        return Subject("budget_ballot_contest", str(self.id))
