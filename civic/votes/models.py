"""Proposals to outsource a service or dispose of an asset, their case, and the public vote."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Area, User, utcnow
from civic.audit import Subject
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from civic.consultations.models import Consultation


class ProposalKind(enum.StrEnum):
    OUTSOURCING = "outsourcing"
    DISPOSAL = "disposal"


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    VOTING = "voting"
    CLOSED = "closed"
    DECIDED = "decided"

    @property
    def label(self) -> str:
        """The stage as pages name it, in the reader's language."""
        return str(STATE_LABELS[self])


STATE_LABELS = {
    ProposalState.DRAFT: _l("Draft"),
    ProposalState.CONSULTATION: _l("Consultation"),
    ProposalState.VOTING: _l("Voting"),
    ProposalState.CLOSED: _l("Closed"),
    ProposalState.DECIDED: _l("Decided"),
}


class OptionKind(enum.StrEnum):
    IN_HOUSE = "in_house"
    COOPERATIVE = "cooperative"
    SOCIAL_ENTERPRISE = "social_enterprise"
    PRIVATE = "private"

    @property
    def label(self) -> str:
        return str(OPTION_LABELS[self])


OPTION_LABELS = {
    OptionKind.IN_HOUSE: _l("In-house (the council)"),
    OptionKind.COOPERATIVE: _l("Co-operative or mutual"),
    OptionKind.SOCIAL_ENTERPRISE: _l("Social enterprise"),
    OptionKind.PRIVATE: _l("Private company"),
}


class Standard(enum.StrEnum):
    FAIR_WAGE = "fair_wage"
    UNION_RECOGNITION = "union_recognition"
    LOCAL_LABOUR = "local_labour"
    GENDER_PAY_AUDIT = "gender_pay_audit"
    TIME_LIMITED = "time_limited"
    BREAK_CLAUSE = "break_clause"
    FREEDOM_OF_INFORMATION = "freedom_of_information"
    OPEN_BOOK = "open_book"
    PUBLISHED_KPIS = "published_kpis"

    @property
    def label(self) -> str:
        return str(STANDARD_LABELS[self])


STANDARD_LABELS = {
    Standard.FAIR_WAGE: _l("Fair wage clause (at least the real Living Wage)"),
    Standard.UNION_RECOGNITION: _l("Trade-union recognition"),
    Standard.LOCAL_LABOUR: _l("Local labour and local supply chains"),
    Standard.GENDER_PAY_AUDIT: _l("Annual gender pay audit"),
    Standard.TIME_LIMITED: _l("Time-limited term, with an end date"),
    Standard.BREAK_CLAUSE: _l("Break clause so residents can recall the contract"),
    Standard.FREEDOM_OF_INFORMATION: _l("Freedom of Information applies to the provider"),
    Standard.OPEN_BOOK: _l("Open-book accounting"),
    Standard.PUBLISHED_KPIS: _l("Published performance indicators (KPIs)"),
}
ANSWERS = {"yes": _l("Yes"), "no": _l("No"), "not_applicable": _l("Not applicable")}


class Proposal(db.Model):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ProposalKind] = mapped_column(
        string_enum(ProposalKind, "proposal_kind"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    service: Mapped[str] = mapped_column(String(200), nullable=False)  # service or asset
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    state: Mapped[ProposalState] = mapped_column(
        string_enum(ProposalState, "proposal_state"), nullable=False, default=ProposalState.DRAFT
    )
    current_provision: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # the language moderators wrote it in, and a short plain-language summary shown first
    # (civic.content: other languages' versions live in content_translation)
    language: Mapped[str] = mapped_column(
        String(8), nullable=False, default="en", server_default="en"
    )
    easy_read: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    current_cost: Mapped[int | None] = mapped_column(BigInteger)  # a year, minor units
    current_performance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    public_interest_case: Mapped[str] = mapped_column(Text, nullable=False, default="")
    inhouse_bid: Mapped[bool | None] = mapped_column(Boolean)  # None: not yet said
    inhouse_bid_summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    no_bid_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    asset_value: Mapped[int | None] = mapped_column(BigInteger)
    asset_new_owner: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    weight_cost: Mapped[int] = mapped_column(Integer, nullable=False, default=40)
    weight_quality: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    weight_social: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    # the duty to decarbonise: the fourth published weight (0 for proposals from before it)
    weight_carbon: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # the Civic consultation residents answered about this proposal (civic.votes.consulting)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"), index=True)
    consultation_days: Mapped[int] = mapped_column(Integer, nullable=False, default=28)
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    majority: Mapped[str | None] = mapped_column(String(20))
    # a multi-stakeholder rule: the majority must also be reached within every constituency
    # the vote is open to (civic.constituencies), not only overall
    majority_each_class: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # frozen at the close: each class's eligible, for, against and whether its majority
    # was reached (None for a vote open to residents only)
    class_results: Mapped[list | None] = mapped_column(JSON)
    hide_tally: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    consultation_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voting_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voting_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # why a moderator closed the vote before its published closing time (public)
    close_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    eligible_count: Mapped[int | None] = mapped_column(Integer)
    # how many numbered ballot papers were printed (civic.paper): numbers 1..papers_issued
    papers_issued: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # of the frozen count, the votes entered from paper (None before the close)
    paper_votes: Mapped[int | None] = mapped_column(Integer)
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reasons: Mapped[str] = mapped_column(Text, nullable=False, default="")
    override_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None: created by the system (a recall review, civic.contracts.recall.services)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    area: Mapped[Area] = relationship()
    created_by: Mapped[User | None] = relationship()
    options: Mapped[list[ProposalOption]] = relationship(order_by="ProposalOption.id")
    standards: Mapped[list[StandardAnswer]] = relationship(order_by="StandardAnswer.id")
    documents: Mapped[list[ProposalDocument]] = relationship(order_by="ProposalDocument.id")
    consultation: Mapped[Consultation | None] = relationship("Consultation")

    @property
    def audit_subject(self) -> Subject:
        return Subject("proposal", str(self.id))

    @property
    def answers(self) -> dict[str, str | None]:
        given = {a.standard.value: a.answer for a in self.standards}
        return {s.value: given.get(s.value) for s in Standard}


class ProposalOption(db.Model):
    """One row of the options appraisal; scores are 0-100, weights are on the proposal."""

    __tablename__ = "proposal_option"
    __table_args__ = (UniqueConstraint("proposal_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False)
    kind: Mapped[OptionKind] = mapped_column(string_enum(OptionKind, "option_kind"), nullable=False)
    provider: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    annual_cost: Mapped[int] = mapped_column(BigInteger, nullable=False)  # minor units
    cost_score: Mapped[int] = mapped_column(Integer, nullable=False)
    quality_score: Mapped[int] = mapped_column(Integer, nullable=False)
    social_value_score: Mapped[int] = mapped_column(Integer, nullable=False)
    # carbon / decarbonisation, 0-100 like the others; 0 for appraisals made before it
    carbon_score: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")


class StandardAnswer(db.Model):
    __tablename__ = "proposal_standard"
    __table_args__ = (UniqueConstraint("proposal_id", "standard"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False)
    standard: Mapped[Standard] = mapped_column(
        string_enum(Standard, "contract_standard"), nullable=False
    )
    answer: Mapped[str] = mapped_column(String(20), nullable=False)  # yes | no | not_applicable
    note: Mapped[str] = mapped_column(String(1000), nullable=False, default="")


class ProposalDocument(db.Model):
    __tablename__ = "proposal_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")


class VoteCast(db.Model):
    """One vote per resident per proposal (database-enforced), changeable until close.
    `voter_key` is an HMAC of the account, so the table alone does not say who voted how.
    `receipt` is the code the voter was given (civic.receipts), published with the choice
    after the close; a changed vote gets a new one."""

    __tablename__ = "vote_cast"
    __table_args__ = (
        UniqueConstraint("proposal_id", "voter_key"),
        UniqueConstraint("proposal_id", "receipt"),
        # a printed paper is entered once (civic.paper): NULL for online votes
        UniqueConstraint("proposal_id", "paper_number", name="uq_vote_cast_paper_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False)
    voter_key: Mapped[str] = mapped_column(String(64), nullable=False)
    choice: Mapped[str] = mapped_column(String(10), nullable=False)  # for | against
    receipt: Mapped[str] = mapped_column(String(19), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # a paper vote an officer entered (civic.paper): its printed number, who entered it and
    # how they identified the resident (private: shown to moderators and the resident only)
    paper: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    paper_number: Mapped[int | None] = mapped_column(Integer)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paper_check: Mapped[str] = mapped_column(
        String(200), nullable=False, default="", server_default=""
    )

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
