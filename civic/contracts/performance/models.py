"""KPIs, reported values, open-book finance and standards reports for a contract.

Targets and values are integers scaled by the KPI's decimal places (see periods.py), money
is in pence: nothing here is a float, so met or missed never drifts and the audit log's
canonical JSON takes every figure as it is.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

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

from civic.accounts.models import User
from civic.audit import Subject
from civic.clock import utcnow
from civic.contracts.models import Contract
from civic.contracts.performance.periods import Direction, Period
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.votes.models import Standard

# the standards whose terms call for a report every year (when the term's answer is "yes")
REPORTED_STANDARDS: tuple[Standard, ...] = (
    Standard.GENDER_PAY_AUDIT,
    Standard.FAIR_WAGE,
    Standard.UNION_RECOGNITION,
)
REPORT_NAMES = {
    Standard.GENDER_PAY_AUDIT: _l("Gender pay audit"),
    Standard.FAIR_WAGE: _l("Pay at the fair wage (at least the real Living Wage)"),
    Standard.UNION_RECOGNITION: _l("Trade-union recognition"),
}


class Kpi(db.Model):
    """A key performance indicator: what is measured, the target and which way is better."""

    __tablename__ = "contract_kpi"
    __table_args__ = (
        UniqueConstraint("contract_id", "name"),
        CheckConstraint("decimals >= 0 AND decimals <= 3", name="decimals_in_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    unit: Mapped[str] = mapped_column(String(20), nullable=False)  # a key of periods.UNITS
    decimals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    target: Mapped[int] = mapped_column(BigInteger, nullable=False)  # scaled by decimals
    period: Mapped[Period] = mapped_column(string_enum(Period, "kpi_period"), nullable=False)
    direction: Mapped[Direction] = mapped_column(
        string_enum(Direction, "kpi_direction"), nullable=False
    )
    # the first day reporting is owed from (the contract's start unless agreed later)
    reporting_from: Mapped[date] = mapped_column(Date, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contract: Mapped[Contract] = relationship()
    created_by: Mapped[User | None] = relationship()
    values: Mapped[list[KpiValue]] = relationship(
        back_populates="kpi", order_by="KpiValue.period_start", cascade="all, delete-orphan"
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("contract", str(self.contract_id))


class KpiValue(db.Model):
    """The value reported for one KPI for one period: one per period, enforced here."""

    __tablename__ = "contract_kpi_value"
    __table_args__ = (UniqueConstraint("kpi_id", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("contract_kpi.id"), nullable=False, index=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False)  # scaled by the KPI's decimals
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    source: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    kpi: Mapped[Kpi] = relationship(back_populates="values")


class ContractFinance(db.Model):
    """Open-book figures for one financial year (`year` 2024 is 2024-25): what the council
    paid, and the provider's reported revenue and margin where it provided them."""

    __tablename__ = "contract_finance"
    __table_args__ = (
        UniqueConstraint("contract_id", "year"),
        CheckConstraint("cost_to_council >= 0", name="cost_not_negative"),
        CheckConstraint("provider_revenue IS NULL OR provider_revenue >= 0", name="revenue_ok"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_to_council: Mapped[int] = mapped_column(BigInteger, nullable=False)  # pence
    provider_revenue: Mapped[int | None] = mapped_column(BigInteger)  # pence, where provided
    provider_margin: Mapped[int | None] = mapped_column(BigInteger)  # pence; a loss is negative
    source: Mapped[str] = mapped_column(String(500), nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportStatus(enum.StrEnum):
    MET = "met"
    MISSED = "missed"
    OVERDUE = "overdue"  # set by `civic tick` once the due date passed with nothing recorded

    @property
    def label(self) -> str:
        return {"met": _("Met"), "missed": _("Missed"), "overdue": _("Overdue (not received)")}[
            self.value
        ]


class StandardsReport(db.Model):
    """One year's report on a standard the contract's terms require, due on the
    anniversary of the contract's start. A row exists once a moderator records the outcome,
    or once `civic tick` finds it overdue (then `overdue_since` stays, even after a late
    report is recorded, so lateness stays visible)."""

    __tablename__ = "contract_standards_report"
    __table_args__ = (UniqueConstraint("contract_id", "standard", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, index=True)
    standard: Mapped[Standard] = mapped_column(
        string_enum(Standard, "contract_standard"), nullable=False
    )
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(
        string_enum(ReportStatus, "standards_report_status"), nullable=False
    )
    overdue_since: Mapped[date | None] = mapped_column(Date)
    reported_on: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    document_reference: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
