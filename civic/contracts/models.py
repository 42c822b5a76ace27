"""Contracts for public services and assets, and the providers that hold them.

Every contract is on the register, whether a Civic vote approved it or it existed before.
Money is in integer minor units (pence), like the rest of Civic and the audit log.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
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

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

from civic.accounts.models import Area, User
from civic.audit import Subject
from civic.clock import utcnow
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import lazy_gettext as _l
from civic.votes.models import Proposal, Standard


class ProviderType(enum.StrEnum):
    """Who delivers a service: the public-hands types first (the scorecard counts them)."""

    IN_HOUSE = "in_house"
    COUNCIL_COMPANY = "council_company"
    COOPERATIVE = "cooperative"
    SOCIAL_ENTERPRISE = "social_enterprise"
    PRIVATE = "private"

    @property
    def label(self) -> str:
        """As the pages show it, in the reader's language."""
        return str(PROVIDER_TYPE_SHOWN[self])

    @property
    def shown(self) -> LazyString:
        """The label as a lazy string, for form choices made at import."""
        return PROVIDER_TYPE_SHOWN[self]

    @property
    def in_public_hands(self) -> bool:
        return self in (ProviderType.IN_HOUSE, ProviderType.COUNCIL_COMPANY)


PROVIDER_TYPE_LABELS = {
    ProviderType.IN_HOUSE: "In-house (the council)",
    ProviderType.COUNCIL_COMPANY: "Council-owned company",
    ProviderType.COOPERATIVE: "Co-operative or mutual",
    ProviderType.SOCIAL_ENTERPRISE: "Social enterprise",
    ProviderType.PRIVATE: "Private company",
}
"""In English always: stored text (review proposals), the JSON API and data files."""

PROVIDER_TYPE_SHOWN = {
    ProviderType.IN_HOUSE: _l("In-house (the council)"),
    ProviderType.COUNCIL_COMPANY: _l("Council-owned company"),
    ProviderType.COOPERATIVE: _l("Co-operative or mutual"),
    ProviderType.SOCIAL_ENTERPRISE: _l("Social enterprise"),
    ProviderType.PRIVATE: _l("Private company"),
}


class ContractState(enum.StrEnum):
    """A draft is a moderator's work in progress; a published contract is public, and a
    change to it keeps the earlier version visible. Ended or terminated early: the
    contract's life is over (`Contract.ended_on` says when)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    TERMINATED = "terminated"


class Provider(db.Model):
    __tablename__ = "contract_provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    kind: Mapped[ProviderType] = mapped_column(
        string_enum(ProviderType, "provider_type"), nullable=False
    )
    # Companies House or charity number, or the OCDS party identifier ("GB-COH-01234567")
    identifier: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contracts: Mapped[list[Contract]] = relationship(
        back_populates="provider", order_by="Contract.start_date"
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("provider", str(self.id))


class Contract(db.Model):
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("annual_value >= 0 AND total_value >= 0", name="values_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the council's own reference, or the OCDS ocid it was imported from
    reference: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    service: Mapped[str] = mapped_column(String(200), nullable=False)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("contract_provider.id"), nullable=False, index=True
    )
    state: Mapped[ContractState] = mapped_column(
        string_enum(ContractState, "contract_state"), nullable=False, default=ContractState.DRAFT
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="GBP")
    annual_value: Mapped[int] = mapped_column(BigInteger, nullable=False)  # minor units
    total_value: Mapped[int] = mapped_column(BigInteger, nullable=False)  # minor units
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    break_clause: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # the outsourcing proposal whose vote approved it; None for contracts from before Civic
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_on: Mapped[date | None] = mapped_column(Date)  # terminated early (e.g. recall)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    area: Mapped[Area] = relationship()
    provider: Mapped[Provider] = relationship(back_populates="contracts")
    proposal: Mapped[Proposal | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    terms: Mapped[list[ContractTerm]] = relationship(
        order_by="ContractTerm.id", cascade="all, delete-orphan"
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("contract", str(self.id))

    @property
    def is_public(self) -> bool:
        return self.state is not ContractState.DRAFT

    @property
    def last_day(self) -> date:
        """The day the contract ends: its end date, or the day it was terminated."""
        return self.ended_on or self.end_date

    def has_ended(self, today: date) -> bool:
        return self.state is ContractState.TERMINATED or self.last_day < today

    @property
    def answers(self) -> dict[str, str | None]:
        given = {t.standard.value: t.answer for t in self.terms}
        return {s.value: given.get(s.value) for s in Standard}


class ContractTerm(db.Model):
    """One minimum standard as a term of the contract: the same list as a proposal's
    checklist (civic.votes.models.Standard), answered yes, no or not applicable."""

    __tablename__ = "contract_term"
    __table_args__ = (UniqueConstraint("contract_id", "standard"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False)
    standard: Mapped[Standard] = mapped_column(
        string_enum(Standard, "contract_standard"), nullable=False
    )
    answer: Mapped[str] = mapped_column(String(20), nullable=False)  # yes | no | not_applicable
    note: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
