"""Every change to a contract's KPIs, finance figures and standards reports (permission,
validation, write, audit entry), and the read-side figures the pages, the API, the missed
list and the scorecard share, so they cannot disagree.

Moderators record what providers report; residents read. Periods, due dates and met or
missed come from the pure rules in periods.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from civic import audit
from civic.accounts.models import User
from civic.clock import utcnow
from civic.contracts.models import Contract, ContractState, ContractTerm
from civic.contracts.performance import periods
from civic.contracts.performance.models import (
    REPORT_NAMES,
    REPORTED_STANDARDS,
    ContractFinance,
    Kpi,
    KpiValue,
    ReportStatus,
    StandardsReport,
)
from civic.contracts.performance.periods import Direction, Outcome, Period
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_day, format_number
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_moderator
from civic.votes.models import Standard

MAX_PENCE = 10**15  # £10 trillion: beyond any council's budget, inside a BIGINT
MAX_SCALED = 10**15


def report_days() -> int:
    """Days after a KPI period ends by which its value is due (CIVIC_KPI_REPORT_DAYS)."""
    return int(current_app.config.get("KPI_REPORT_DAYS", 30))


def today() -> date:
    return utcnow().date()


def get_kpi(contract: Contract, kpi_id: int) -> Kpi:
    kpi = db.session.get(Kpi, kpi_id)
    if kpi is None or kpi.contract_id != contract.id:
        raise NotFound(_("This contract has no such performance indicator."))
    return kpi


# a text field's refusal when it is too long, a whole sentence each (%(most)s: the limit)
_TOO_LONG = {
    "name": _l("The name must be %(most)s characters or fewer"),
    "description": _l("The description must be %(most)s characters or fewer"),
    "source": _l("The source must be %(most)s characters or fewer"),
    "evidence": _l("The evidence note must be %(most)s characters or fewer"),
    "document_reference": _l("The document reference must be %(most)s characters or fewer"),
}


def _text(value: str | None, limit: int, field: str, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors[field] = str(_TOO_LONG[field]) % {"most": format_number(limit)}
    return text


def _inserted(row: object) -> bool:
    """Add `row` in a savepoint: False, with nothing written, when its unique key is taken
    (another request or tick got there between our check and our write)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


# --- KPIs -------------------------------------------------------------------------------


def add_kpi(
    actor: User | None,
    contract: Contract,
    *,
    name: str,
    description: str,
    unit: str,
    decimals: int,
    target: str,
    period: Period,
    direction: Direction,
    reporting_from: date | None = None,
) -> Kpi:
    """A new indicator on a contract. The target is typed text, read exactly with the
    indicator's decimal places (a target with more places than that is refused, not
    rounded)."""
    moderator = require_moderator(actor)
    errors: dict[str, str] = {}
    name = _text(name, 200, "name", errors)
    if not name:
        errors["name"] = _("Enter the indicator's name")
    description = _text(description, 2000, "description", errors)
    if unit not in periods.UNITS:
        errors["unit"] = _("Choose the unit the indicator is measured in")
    if not 0 <= decimals <= periods.MAX_DECIMALS:
        errors["decimals"] = _(
            "Decimal places must be between 0 and %(most)s", most=periods.MAX_DECIMALS
        )
        decimals = 0
    scaled = 0
    try:
        scaled = periods.parse_amount(target, decimals)
    except periods.AmountError as error:
        errors["target"] = _("Target: %(problem)s", problem=error)
    else:
        if scaled < 0:
            errors["target"] = _("The target cannot be negative")
        elif scaled > MAX_SCALED:
            errors["target"] = _("The target is too large")
    starts = reporting_from or contract.start_date
    if not contract.start_date <= starts <= contract.last_day:
        errors["reporting_from"] = _(
            "Reporting must start within the contract's dates (%(first)s to %(last)s)",
            first=format_day(contract.start_date),
            last=format_day(contract.last_day),
        )
    if name and db.session.scalar(
        select(Kpi.id).where(Kpi.contract_id == contract.id, Kpi.name == name)
    ):
        errors["name"] = _("This contract already has an indicator called “%(name)s”", name=name)
    if errors:
        raise ValidationFailed(errors)
    kpi = Kpi(
        contract_id=contract.id,
        name=name,
        description=description,
        unit=unit,
        decimals=decimals,
        target=scaled,
        period=period,
        direction=direction,
        reporting_from=starts,
        created_by_id=moderator.id,
    )
    db.session.add(kpi)
    db.session.flush()
    audit.record(
        moderator,
        "kpi:create",
        contract,
        {
            "kpi": kpi.id,
            "name": name,
            "unit": unit,
            "decimals": decimals,
            "target": scaled,
            "period": period.value,
            "direction": direction.value,
            "reporting_from": starts.isoformat(),
        },
    )
    return kpi


def kpi_period_starts(kpi: Kpi) -> list[date]:
    """Every period of the indicator's reporting life, ended or not."""
    contract = kpi.contract
    first = max(kpi.reporting_from, contract.start_date)
    return list(periods.periods_between(kpi.period, first, contract.last_day))


def reportable_periods(kpi: Kpi, on: date) -> list[date]:
    """Periods that have ended by `on` and have no value yet: what the form offers."""
    have = {v.period_start for v in kpi.values}
    return [
        start
        for start in kpi_period_starts(kpi)
        if periods.period_end(kpi.period, start) <= on and start not in have
    ]


def record_kpi_value(
    actor: User | None,
    kpi: Kpi,
    *,
    period_start: date | None,
    value: str,
    reported_on: date | None,
    source: str,
) -> KpiValue:
    """The value the provider reported for one period. One value per period: a second is
    refused (the first stays as it was logged)."""
    moderator = require_moderator(actor)
    contract = kpi.contract
    now = today()
    errors: dict[str, str] = {}
    source = _text(source, 500, "source", errors)
    if period_start is None:
        errors["period_start"] = _("Choose the period the value is for")
    elif not periods.is_period_start(kpi.period, period_start):
        errors["period_start"] = _("Choose the period the value is for from the list")
    elif period_start not in kpi_period_starts(kpi):
        errors["period_start"] = _(
            "That period is outside the indicator's reporting dates (%(first)s to %(last)s)",
            first=format_day(kpi.reporting_from),
            last=format_day(contract.last_day),
        )
    scaled = 0
    try:
        scaled = periods.parse_amount(value, kpi.decimals)
    except periods.AmountError as error:
        errors["value"] = _("Value: %(problem)s", problem=error)
    else:
        if scaled < 0:
            errors["value"] = _("The value cannot be negative")
        elif scaled > MAX_SCALED:
            errors["value"] = _("The value is too large")
    if reported_on is None:
        errors["reported_on"] = _("Enter the date the provider reported the value")
    elif reported_on > now:
        errors["reported_on"] = _("The report date cannot be in the future")
    elif "period_start" not in errors and period_start is not None:
        ends = periods.period_end(kpi.period, period_start)
        if reported_on < ends:
            errors["reported_on"] = _(
                "The report date cannot be before the period ended (%(day)s)",
                day=format_day(ends),
            )
    if "period_start" not in errors and any(v.period_start == period_start for v in kpi.values):
        label = periods.period_label(kpi.period, period_start)
        errors["period_start"] = _("A value for %(period)s is already recorded", period=label)
    if errors:
        raise ValidationFailed(errors)
    assert period_start is not None and reported_on is not None
    row = KpiValue(
        kpi_id=kpi.id,
        period_start=period_start,
        value=scaled,
        reported_on=reported_on,
        source=source,
        recorded_by_id=moderator.id,
    )
    if not _inserted(row):
        label = periods.period_label(kpi.period, period_start)
        raise ValidationFailed(
            {"period_start": _("A value for %(period)s is already recorded", period=label)}
        )
    db.session.expire(kpi, ["values"])  # read again, with the new value
    due = periods.report_due(kpi.period, period_start, report_days())
    audit.record(
        moderator,
        "kpi:report",
        contract,
        {
            "kpi": kpi.id,
            "period_start": period_start.isoformat(),
            "value": scaled,
            "decimals": kpi.decimals,
            "reported_on": reported_on.isoformat(),
            "on_time": reported_on <= due,
            "outcome": periods.outcome(scaled, kpi.target, kpi.direction, due, now).value,
        },
    )
    return row


@dataclass(frozen=True)
class PeriodRow:
    """One period of one indicator as every page and the API show it."""

    kpi: Kpi
    start: date
    end: date
    due: date
    label: str
    short_label: str
    value: KpiValue | None
    outcome: Outcome

    @property
    def value_text(self) -> str:
        if self.value is None:
            return ""
        return periods.with_unit(self.value.value, self.kpi.decimals, self.kpi.unit)

    @property
    def on_time(self) -> bool | None:
        """Whether the value arrived by its due date; None while nothing has arrived."""
        return None if self.value is None else self.value.reported_on <= self.due


def target_text(kpi: Kpi) -> str:
    return periods.with_unit(kpi.target, kpi.decimals, kpi.unit)


def kpi_rows(kpi: Kpi, on: date, *, labelled: bool = True) -> list[PeriodRow]:
    """Every period that has ended by `on` (or has a value), oldest first. Unlabelled
    (`label` and `short_label` empty) for a caller that names only a few of them: the
    missed list, which would otherwise spend most of its time naming met periods."""
    values = {v.period_start: v for v in kpi.values}
    days_after = report_days()
    rows = []
    for start in kpi_period_starts(kpi):
        end = periods.period_end(kpi.period, start)
        value = values.get(start)
        if end >= on and value is None:
            continue  # still running: nothing is owed yet
        due = periods.report_due(kpi.period, start, days_after)
        rows.append(
            PeriodRow(
                kpi=kpi,
                start=start,
                end=end,
                due=due,
                label=periods.period_label(kpi.period, start) if labelled else "",
                short_label=periods.period_short_label(kpi.period, start) if labelled else "",
                value=value,
                outcome=periods.outcome(
                    value.value if value else None, kpi.target, kpi.direction, due, on
                ),
            )
        )
    return rows


def contract_kpis(contract: Contract) -> list[Kpi]:
    return list(
        db.session.scalars(select(Kpi).where(Kpi.contract_id == contract.id).order_by(Kpi.id))
    )


def reported_on_time(contract: Contract, on: date, kpis: list[Kpi] | None = None) -> bool | None:
    """True when the contract has KPIs and every report due by `on` arrived by its due
    date; False when one was late or is missing; None when it has no KPIs. `kpis`: the
    contract's, when the caller has read them already (`kpis_of_public_contracts`)."""
    if kpis is None:
        kpis = contract_kpis(contract)
    if not kpis:
        return None
    for kpi in kpis:
        for row in kpi_rows(kpi, on):
            if row.due < on and not row.on_time:
                return False
    return True


def kpis_of_public_contracts() -> list[tuple[Contract, list[Kpi]]]:
    """Every public contract that has a KPI, with its KPIs and their values, in three
    queries however many there are (the scorecard counts them all on each view)."""
    by_contract: dict[int, list[Kpi]] = {}
    for kpi in db.session.scalars(
        select(Kpi)
        .join(Contract, Contract.id == Kpi.contract_id)
        .where(Contract.state != ContractState.DRAFT)
        .options(selectinload(Kpi.contract), selectinload(Kpi.values))
        .order_by(Kpi.contract_id, Kpi.id)
    ):
        by_contract.setdefault(kpi.contract_id, []).append(kpi)
    return [(kpis[0].contract, kpis) for kpis in by_contract.values()]


# --- open book --------------------------------------------------------------------------


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def financial_years(contract: Contract, on: date) -> list[int]:
    """The financial years (by their starting calendar year) the contract ran in, up to
    the one `on` falls in."""
    first = periods.period_start(Period.ANNUAL, contract.start_date).year
    last_day = min(contract.last_day, on)
    last = periods.period_start(Period.ANNUAL, last_day).year
    return list(range(first, last + 1))


def record_finance(
    actor: User | None,
    contract: Contract,
    *,
    year: int | None,
    cost_to_council: int | None,
    provider_revenue: int | None,
    provider_margin: int | None,
    source: str,
) -> ContractFinance:
    """One financial year's open-book figures, in pence. Revenue and margin only where the
    provider gave them; a margin may be negative (a loss) but not more than the revenue."""
    moderator = require_moderator(actor)
    errors: dict[str, str] = {}
    source = _text(source, 500, "source", errors)
    if not source:
        errors["source"] = _("Say where the figures come from (the report or accounts)")
    if year is None:
        errors["year"] = _("Choose the financial year")
    elif year not in financial_years(contract, today()):
        errors["year"] = _(
            "Choose a financial year the contract has run in (%(first)s to %(last)s), not one "
            "still to come",
            first=format_day(contract.start_date),
            last=format_day(contract.last_day),
        )
    if cost_to_council is None:
        errors["cost_to_council"] = _("Enter what the council paid in the year")
    elif cost_to_council < 0:
        errors["cost_to_council"] = _("The cost to the council cannot be negative")
    elif cost_to_council > MAX_PENCE:
        errors["cost_to_council"] = _("The cost to the council is too large")
    if provider_revenue is not None:
        if provider_revenue < 0:
            errors["provider_revenue"] = _("The provider's revenue cannot be negative")
        elif provider_revenue > MAX_PENCE:
            errors["provider_revenue"] = _("The provider's revenue is too large")
    if provider_margin is not None:
        if abs(provider_margin) > MAX_PENCE:
            errors["provider_margin"] = _("The margin is too large")
        elif provider_revenue is not None and provider_margin > provider_revenue:
            errors["provider_margin"] = _("The margin cannot be more than the revenue")
    if year is not None and "year" not in errors:
        taken = db.session.scalar(
            select(ContractFinance.id).where(
                ContractFinance.contract_id == contract.id, ContractFinance.year == year
            )
        )
        if taken:
            errors["year"] = _(
                "Figures for %(year)s are already recorded", year=financial_year_label(year)
            )
    if errors:
        raise ValidationFailed(errors)
    assert year is not None and cost_to_council is not None
    row = ContractFinance(
        contract_id=contract.id,
        year=year,
        cost_to_council=cost_to_council,
        provider_revenue=provider_revenue,
        provider_margin=provider_margin,
        source=source,
        recorded_by_id=moderator.id,
    )
    if not _inserted(row):
        raise ValidationFailed(
            {
                "year": _(
                    "Figures for %(year)s are already recorded", year=financial_year_label(year)
                )
            }
        )
    audit.record(
        moderator,
        "contract_finance:record",
        contract,
        {
            "year": year,
            "cost_to_council": cost_to_council,
            "provider_revenue": provider_revenue,
            "provider_margin": provider_margin,
            "source": source,
        },
    )
    return row


def contract_finance(contract: Contract) -> list[ContractFinance]:
    return list(
        db.session.scalars(
            select(ContractFinance)
            .where(ContractFinance.contract_id == contract.id)
            .order_by(ContractFinance.year)
        )
    )


def margin_share(row: ContractFinance) -> str:
    """The margin as a share of the provider's revenue, or "" where either is missing."""
    if row.provider_margin is None or not row.provider_revenue:
        return ""
    return periods.share_text(row.provider_margin, row.provider_revenue)


# --- standards reports ------------------------------------------------------------------


def required_standards(contract: Contract) -> list[Standard]:
    """The reported standards the contract's terms answer "yes" to, in the page's order."""
    yes = {t.standard for t in contract.terms if t.answer == "yes"}
    return [s for s in REPORTED_STANDARDS if s in yes]


def report_due_dates(contract: Contract) -> list[date]:
    """A report a year: due on each anniversary of the start within the contract's life."""
    return periods.anniversaries(contract.start_date, contract.last_day)


@dataclass(frozen=True)
class ReportRow:
    standard: Standard
    due_on: date
    report: StandardsReport | None
    status: ReportStatus | None  # None: not due yet and nothing recorded

    @property
    def name(self) -> str:
        return str(REPORT_NAMES[self.standard])

    @property
    def status_text(self) -> str:
        if self.status is None:
            return _("Due %(day)s", day=format_day(self.due_on))
        text = self.status.label
        if (
            self.report is not None
            and self.report.overdue_since
            and self.status is not (ReportStatus.OVERDUE)
        ):
            text = _("%(status)s (reported late)", status=text)
        return text


def standards_rows(
    contract: Contract, on: date, reports: Iterable[StandardsReport] | None = None
) -> list[ReportRow]:
    """Each required standard's reports that are due by `on`, and the next one due.
    Overdue here is computed from the date, so the page is right even before `civic
    tick` has stored it. `reports`: the contract's stored reports when the caller has
    already read them (the missed list reads a page of contracts' reports at once)."""
    if reports is None:
        reports = db.session.scalars(
            select(StandardsReport).where(StandardsReport.contract_id == contract.id)
        )
    stored = {(r.standard, r.due_on): r for r in reports}
    rows = []
    for standard in required_standards(contract):
        upcoming_shown = False
        for due in report_due_dates(contract):
            report = stored.get((standard, due))
            if report is not None and report.status is not ReportStatus.OVERDUE:
                status: ReportStatus | None = report.status
            elif due < on:
                status = ReportStatus.OVERDUE
            else:
                if upcoming_shown:
                    continue
                upcoming_shown = True
                status = None
            rows.append(ReportRow(standard, due, report, status))
    return rows


def recordable_reports(contract: Contract) -> list[tuple[Standard, date]]:
    """(standard, due date) pairs with no outcome recorded yet: what the form offers."""
    done = {
        (r.standard, r.due_on)
        for r in db.session.scalars(
            select(StandardsReport).where(
                StandardsReport.contract_id == contract.id,
                StandardsReport.status != ReportStatus.OVERDUE,
            )
        )
    }
    return [
        (standard, due)
        for standard in required_standards(contract)
        for due in report_due_dates(contract)
        if (standard, due) not in done
    ]


def record_standards_report(
    actor: User | None,
    contract: Contract,
    *,
    standard: Standard | None,
    due_on: date | None,
    status: ReportStatus | None,
    reported_on: date | None,
    evidence: str,
    document_reference: str = "",
) -> StandardsReport:
    """A year's report on a required standard, met or missed, with its evidence. A report
    already marked overdue may still be recorded (it stays marked as late); one already
    met or missed is refused."""
    moderator = require_moderator(actor)
    errors: dict[str, str] = {}
    evidence = _text(evidence, 4000, "evidence", errors)
    if not evidence:
        errors["evidence"] = _("Describe the evidence: what was reported and where")
    document_reference = _text(document_reference, 300, "document_reference", errors)
    if status not in (ReportStatus.MET, ReportStatus.MISSED):
        errors["status"] = _("Say whether the standard was met or missed")
    if reported_on is None:
        errors["reported_on"] = _("Enter the date the report was received")
    elif reported_on > today():
        errors["reported_on"] = _("The date received cannot be in the future")
    elif reported_on < contract.start_date:
        errors["reported_on"] = _("The date received cannot be before the contract started")
    if standard is None or standard not in required_standards(contract):
        errors["report"] = _("Choose a report this contract's terms require")
    elif due_on not in report_due_dates(contract):
        errors["report"] = _("Choose a report's due date from the list")
    existing = None
    if "report" not in errors:
        existing = db.session.scalar(
            select(StandardsReport).where(
                StandardsReport.contract_id == contract.id,
                StandardsReport.standard == standard,
                StandardsReport.due_on == due_on,
            )
        )
        if existing is not None and existing.status is not ReportStatus.OVERDUE:
            errors["report"] = (
                _(
                    "The report “%(report)s” due %(day)s is already recorded as met",
                    report=REPORT_NAMES[standard],
                    day=format_day(due_on),
                )
                if existing.status is ReportStatus.MET
                else _(
                    "The report “%(report)s” due %(day)s is already recorded as missed",
                    report=REPORT_NAMES[standard],
                    day=format_day(due_on),
                )
            )
    if errors:
        raise ValidationFailed(errors)
    assert standard is not None and due_on is not None and status is not None
    late = existing is not None or (reported_on is not None and reported_on > due_on)
    if existing is None:
        existing = StandardsReport(contract_id=contract.id, standard=standard, due_on=due_on)
        _fill(existing, status, reported_on, evidence, document_reference, moderator)
        if not _inserted(existing):  # `civic tick` marked it overdue meanwhile
            raise Conflict(_("This report was just marked overdue: send the form again."))
    else:
        _fill(existing, status, reported_on, evidence, document_reference, moderator)
        db.session.flush()
    audit.record(
        moderator,
        "standards_report:record",
        contract,
        {
            "standard": standard.value,
            "due_on": due_on.isoformat(),
            "status": status.value,
            "reported_on": reported_on.isoformat() if reported_on else None,
            "late": late,
            "document_reference": document_reference,
        },
    )
    return existing


def _fill(
    report: StandardsReport,
    status: ReportStatus,
    reported_on: date | None,
    evidence: str,
    document_reference: str,
    moderator: User,
) -> None:
    report.status = status
    report.reported_on = reported_on
    report.evidence = evidence
    report.document_reference = document_reference
    report.recorded_by_id = moderator.id


def _contracts_requiring_reports() -> Iterable[Contract]:
    ids = db.session.scalars(
        select(ContractTerm.contract_id)
        .join(Contract, Contract.id == ContractTerm.contract_id)
        .where(
            Contract.state != ContractState.DRAFT,
            ContractTerm.standard.in_(REPORTED_STANDARDS),
            ContractTerm.answer == "yes",
        )
        .distinct()
    )
    return [db.session.get(Contract, i) for i in sorted(ids)]


def mark_overdue_reports(now: datetime | None = None) -> list[str]:
    """Store "overdue" on every required standards report whose due date has passed with
    nothing recorded, each once, with its audit entry (run by `civic tick`). The unique
    key on (contract, standard, due date) means a second run, or a second tick at the same
    moment, marks nothing twice."""
    on = (now or utcnow()).date()
    marked = []
    for contract in _contracts_requiring_reports():
        stored = {
            (r.standard, r.due_on)
            for r in db.session.scalars(
                select(StandardsReport).where(StandardsReport.contract_id == contract.id)
            )
        }
        for standard in required_standards(contract):
            for due in report_due_dates(contract):
                if due >= on or (standard, due) in stored:
                    continue
                row = StandardsReport(
                    contract_id=contract.id,
                    standard=standard,
                    due_on=due,
                    status=ReportStatus.OVERDUE,
                    overdue_since=on,
                )
                if not _inserted(row):
                    continue  # another tick, or a moderator's record, got there first
                audit.record(
                    None,
                    "standards_report:overdue",
                    contract,
                    {"standard": standard.value, "due_on": due.isoformat()},
                )
                marked.append(
                    f"contract {contract.reference}: {REPORT_NAMES[standard].lower()} due "
                    f"{due.isoformat()} is overdue"
                )
    return marked


# --- the public list of failures ---------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One missed target, overdue KPI report, or missed or overdue standards report."""

    contract: Contract
    what: str  # the indicator's or report's name
    period: str  # the period or the due date, in words
    outcome: str  # in words
    detail: str  # value against target, or the evidence
    when: date  # the period's start or the report's due date, to sort by


# public contracts a page of the missed list covers: the work per request is bounded by
# them (their KPIs' periods and their reports), however long the register grows
MISSED_PER_PAGE = 20


@dataclass(frozen=True)
class FailuresPage:
    """The failures of one window of the register's contracts (by reference), and the
    reference to start the next window after (None on the last)."""

    failures: list[Failure]
    first: str | None  # the window's first and last references (None: nothing to cover)
    last: str | None
    next_after: str | None


def _monitored(after: str) -> Select[tuple[Contract]]:
    """Public contracts after the reference `after` that could have a failure: those with
    a KPI or a term requiring a reported standard. The others never appear on the list,
    so pages are not spent on them."""
    has_kpi = select(Kpi.id).where(Kpi.contract_id == Contract.id).exists()
    reports_required = (
        select(ContractTerm.id)
        .where(
            ContractTerm.contract_id == Contract.id,
            ContractTerm.standard.in_(REPORTED_STANDARDS),
            ContractTerm.answer == "yes",
        )
        .exists()
    )
    query = select(Contract).where(
        Contract.state != ContractState.DRAFT, or_(has_kpi, reports_required)
    )
    if after:
        query = query.where(Contract.reference > after)
    return query.order_by(Contract.reference)


def failures_page(on: date, after: str = "", per_page: int | None = None) -> FailuresPage:
    """The failures of the next `per_page` monitored contracts after `after`, newest
    first, in a fixed number of queries: the contracts (with terms and provider), their
    KPIs with values, and their standards reports, each read once for the whole window."""
    size = per_page or MISSED_PER_PAGE
    contracts = db.session.scalars(
        _monitored(after)
        .options(selectinload(Contract.terms), selectinload(Contract.provider))
        .limit(size + 1)
    ).all()
    window = contracts[:size]
    ids = [c.id for c in window]
    kpis: dict[int, list[Kpi]] = {i: [] for i in ids}
    reports: dict[int, list[StandardsReport]] = {i: [] for i in ids}
    if ids:
        for kpi in db.session.scalars(
            select(Kpi)
            .where(Kpi.contract_id.in_(ids))
            .options(selectinload(Kpi.values))
            .order_by(Kpi.id)
        ):
            kpis[kpi.contract_id].append(kpi)
        for report in db.session.scalars(
            select(StandardsReport).where(StandardsReport.contract_id.in_(ids))
        ):
            reports[report.contract_id].append(report)
    found = [
        failure
        for contract in window
        for failure in _failures_of(contract, on, kpis[contract.id], reports[contract.id])
    ]
    found.sort(key=lambda f: (f.when, f.contract.reference), reverse=True)
    return FailuresPage(
        found,
        window[0].reference if window else None,
        window[-1].reference if window else None,
        window[-1].reference if len(contracts) > size else None,
    )


def failures(on: date) -> list[Failure]:
    """Every missed KPI target, overdue KPI report and missed or overdue standards report
    on public contracts, newest first: the whole register, window by window (for the
    scorecard's and the tests' totals; the public list is served a page at a time)."""
    found: list[Failure] = []
    after: str | None = ""
    while after is not None:
        page = failures_page(on, after)
        found.extend(page.failures)
        after = page.next_after
    found.sort(key=lambda f: (f.when, f.contract.reference), reverse=True)
    return found


def _failures_of(
    contract: Contract, on: date, kpis: list[Kpi], reports: list[StandardsReport]
) -> list[Failure]:
    found: list[Failure] = []
    for kpi in kpis:
        for row in kpi_rows(kpi, on, labelled=False):
            if row.outcome is Outcome.MISSED:
                detail = _(
                    "%(value)s against a target of %(target)s",
                    value=row.value_text,
                    target=target_text(kpi),
                )
            elif row.outcome is Outcome.OVERDUE:
                detail = _("Due %(day)s; nothing received", day=format_day(row.due))
            else:
                continue
            label = periods.period_label(kpi.period, row.start)  # named only when listed
            found.append(Failure(contract, kpi.name, label, row.outcome.label, detail, row.start))
    for report in standards_rows(contract, on, reports):
        if report.status in (ReportStatus.MISSED, ReportStatus.OVERDUE):
            detail = (
                report.report.evidence
                if report.status is ReportStatus.MISSED and report.report
                else _("Nothing received")
            )
            found.append(
                Failure(
                    contract,
                    report.name,
                    _("Year to %(day)s", day=format_day(report.due_on)),
                    report.status_text,
                    detail,
                    report.due_on,
                )
            )
    return found
