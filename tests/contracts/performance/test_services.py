"""Recording KPIs, values, finance and standards reports: permissions, refusals, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.contracts.performance import services
from civic.contracts.performance.models import KpiValue, ReportStatus, StandardsReport
from civic.contracts.performance.periods import Direction, Outcome, Period
from civic.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes.models import Standard
from tests.contracts.performance.helpers import (
    TODAY,
    contract_with_terms,
    meals_kpi,
    report,
    today,  # noqa: F401  (a fixture)
)
from tests.factories import AdminFactory, ContractFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.usefixtures("today")

Q1, Q2, Q3, Q4 = date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1)


def _entries(action: str) -> list[dict]:
    import json

    return [
        json.loads(e.body)
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    ]


def test_residents_cannot_record_anything() -> None:
    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT)
    kpi = meals_kpi(contract)
    for person in (None, UserFactory()):
        with pytest.raises(PermissionDenied):
            meals_kpi(contract, person, name="Another")
        with pytest.raises(PermissionDenied):
            report(kpi, Q1, "96", date(2025, 7, 10), person)
        with pytest.raises(PermissionDenied):
            services.record_finance(
                person,
                contract,
                year=2025,
                cost_to_council=1,
                provider_revenue=None,
                provider_margin=None,
                source="x",
            )
        with pytest.raises(PermissionDenied):
            services.record_standards_report(
                person,
                contract,
                standard=Standard.GENDER_PAY_AUDIT,
                due_on=date(2026, 4, 1),
                status=ReportStatus.MET,
                reported_on=date(2026, 4, 1),
                evidence="x",
            )
    # administrators may, as moderators do
    meals_kpi(contract, AdminFactory(), name="Complaints resolved in 10 days")


def test_a_kpi_is_created_exactly_and_logged() -> None:
    contract = ContractFactory()
    kpi = meals_kpi(contract, target="92.5")
    assert kpi.target == 925 and kpi.decimals == 1
    assert kpi.reporting_from == contract.start_date
    (entry,) = _entries("kpi:create")
    assert entry["data"]["target"] == 925
    assert entry["data"]["direction"] == "higher"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": " "}, "name", "Enter the indicator's name"),
        ({"target": "-5"}, "target", "cannot be negative"),
        ({"target": "92.55"}, "target", "at most 1 decimal place"),
        ({"target": "lots"}, "target", "Enter a number"),
        ({"unit": "furlongs"}, "unit", "Choose the unit"),
        ({"decimals": 7}, "decimals", "between 0 and 3"),
        ({"reporting_from": date(2030, 4, 1)}, "reporting_from", "within the contract's dates"),
        ({"reporting_from": date(2025, 3, 31)}, "reporting_from", "within the contract's dates"),
    ],
)
def test_bad_kpis_are_refused_field_by_field(fields, field, message) -> None:
    contract = ContractFactory()
    with pytest.raises(ValidationFailed) as refused:
        meals_kpi(contract, **fields)
    assert message in refused.value.errors[field]
    assert _entries("kpi:create") == []


def test_a_second_kpi_with_the_same_name_is_refused() -> None:
    contract = ContractFactory()
    meals_kpi(contract)
    with pytest.raises(ValidationFailed) as refused:
        meals_kpi(contract)
    assert "already has an indicator" in refused.value.errors["name"]


def test_values_are_recorded_with_met_missed_and_on_time_in_the_log() -> None:
    kpi = meals_kpi(ContractFactory())
    report(kpi, Q1, "95", date(2025, 7, 30))  # equal to the target, on its due day
    report(kpi, Q2, "94.9", date(2025, 11, 2))  # missed, and late (due 30 October)
    first, second = _entries("kpi:report")
    assert first["data"] | {} == first["data"]
    assert (first["data"]["value"], first["data"]["outcome"], first["data"]["on_time"]) == (
        950,
        "met",
        True,
    )
    assert (second["data"]["value"], second["data"]["outcome"], second["data"]["on_time"]) == (
        949,
        "missed",
        False,
    )


@pytest.mark.parametrize(
    ("start", "value", "on", "field", "message"),
    [
        (Q1, "-1", date(2025, 7, 10), "value", "cannot be negative"),
        (Q1, "95.25", date(2025, 7, 10), "value", "at most 1 decimal place"),
        (Q1, "", date(2025, 7, 10), "value", "Enter a number"),
        (date(2025, 5, 1), "95", date(2025, 7, 10), "period_start", "from the list"),
        (date(2025, 1, 1), "95", date(2025, 7, 10), "period_start", "outside"),
        (date(2030, 4, 1), "95", date(2025, 7, 10), "period_start", "outside"),
        (None, "95", date(2025, 7, 10), "period_start", "Choose the period"),
        (Q1, "95", date(2025, 6, 29), "reported_on", "before the period ended"),
        (Q1, "95", date(2026, 6, 16), "reported_on", "in the future"),
        (Q1, "95", None, "reported_on", "Enter the date"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(start, value, on, field, message) -> None:
    kpi = meals_kpi(ContractFactory())
    with pytest.raises(ValidationFailed) as refused:
        report(kpi, start, value, on)
    assert message in refused.value.errors[field]
    assert db.session.scalars(select(KpiValue)).all() == []
    assert _entries("kpi:report") == []


def test_a_second_value_for_a_period_is_refused_and_the_first_kept() -> None:
    kpi = meals_kpi(ContractFactory())
    report(kpi, Q1, "96", date(2025, 7, 10))
    with pytest.raises(ValidationFailed) as refused:
        report(kpi, Q1, "99", date(2025, 7, 12))
    assert "already recorded" in refused.value.errors["period_start"]
    assert [v.value for v in kpi.values] == [960]


def test_rows_show_met_missed_overdue_and_awaited_in_order() -> None:
    kpi = meals_kpi(ContractFactory(), direction=Direction.LOWER, target="10", decimals=0)
    report(kpi, Q1, "9", date(2025, 7, 5))
    report(kpi, Q2, "11", date(2025, 10, 5))
    # Q3 never reported (due 30 January 2026): overdue; Q4 due 30 April 2026: overdue too
    rows = services.kpi_rows(kpi, TODAY)
    assert [(r.start, r.outcome) for r in rows] == [
        (Q1, Outcome.MET),
        (Q2, Outcome.MISSED),
        (Q3, Outcome.OVERDUE),
        (Q4, Outcome.OVERDUE),
    ]
    # on 30 April 2026 the Q4 report is still in time, the day after it is overdue
    assert services.kpi_rows(kpi, date(2026, 4, 30))[-1].outcome is Outcome.AWAITED
    assert services.kpi_rows(kpi, date(2026, 5, 1))[-1].outcome is Outcome.OVERDUE


def test_the_report_days_setting_moves_the_due_date(app) -> None:
    kpi = meals_kpi(ContractFactory())
    app.config["KPI_REPORT_DAYS"] = 60
    try:
        assert services.kpi_rows(kpi, date(2026, 5, 15))[-1].outcome is Outcome.AWAITED
    finally:
        app.config["KPI_REPORT_DAYS"] = 30
    assert services.kpi_rows(kpi, date(2026, 5, 15))[-1].outcome is Outcome.OVERDUE


def test_a_monthly_kpi_reported_from_a_later_date() -> None:
    kpi = meals_kpi(ContractFactory(), period=Period.MONTHLY, reporting_from=date(2026, 3, 15))
    assert [r.start for r in services.kpi_rows(kpi, TODAY)] == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
    ]
    assert services.reportable_periods(kpi, TODAY) == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
    ]


def test_reported_on_time_needs_every_due_report_by_its_due_date() -> None:
    contract = ContractFactory()
    assert services.reported_on_time(contract, TODAY) is None
    kpi = meals_kpi(contract)
    for start, on in ((Q1, date(2025, 7, 1)), (Q2, date(2025, 10, 30)), (Q3, date(2026, 1, 2))):
        report(kpi, start, "90", on)  # missed targets still count as reported
    assert services.reported_on_time(contract, TODAY) is False  # Q4 missing
    assert services.reported_on_time(contract, date(2026, 4, 30)) is True  # Q4 not due yet
    report(kpi, Q4, "99", date(2026, 5, 3))  # late
    assert services.reported_on_time(contract, TODAY) is False


# --- finance ----------------------------------------------------------------------------


def _finance(contract, **fields):
    values = {
        "year": 2025,
        "cost_to_council": 1_200_000_00,
        "provider_revenue": 1_250_000_00,
        "provider_margin": 87_500_00,
        "source": "Open-book statement 2025-26",
    } | fields
    return services.record_finance(ModeratorFactory(), contract, **values)


def test_finance_is_recorded_in_pence_with_the_margin_share() -> None:
    contract = ContractFactory()
    row = _finance(contract)
    assert services.margin_share(row) == "7.0%"
    (entry,) = _entries("contract_finance:record")
    assert entry["data"]["provider_margin"] == 87_500_00
    # revenue and margin only where provided
    bare = _finance(contract, year=2026, provider_revenue=None, provider_margin=None)
    assert services.margin_share(bare) == ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"cost_to_council": -1}, "cost_to_council", "cannot be negative"),
        ({"cost_to_council": None}, "cost_to_council", "Enter what the council paid"),
        ({"provider_revenue": -1}, "provider_revenue", "cannot be negative"),
        ({"provider_margin": 2_000_000_00}, "provider_margin", "more than the revenue"),
        ({"year": 2024}, "year", "financial year the contract has run in"),
        ({"year": 2027}, "year", "not one still to come"),
        ({"source": " "}, "source", "where the figures come from"),
    ],
)
def test_bad_finance_is_refused(fields, field, message) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _finance(ContractFactory(), **fields)
    assert message in refused.value.errors[field]
    assert _entries("contract_finance:record") == []


def test_a_loss_is_a_negative_margin_and_a_year_is_recorded_once() -> None:
    contract = ContractFactory()
    row = _finance(contract, provider_margin=-25_000_00)
    assert services.margin_share(row) == "-2.0%"
    with pytest.raises(ValidationFailed) as refused:
        _finance(contract)
    assert "2025-26 are already recorded" in refused.value.errors["year"]


# --- standards reports ------------------------------------------------------------------


def _record(contract, standard=Standard.GENDER_PAY_AUDIT, due=date(2026, 4, 1), **fields):
    values = {
        "status": ReportStatus.MET,
        "reported_on": date(2026, 3, 20),
        "evidence": "Gender pay gap report published on the provider's website",
        "document_reference": "GPG-2026",
    } | fields
    return services.record_standards_report(
        ModeratorFactory(), contract, standard=standard, due_on=due, **values
    )


def test_only_standards_the_terms_require_are_reported() -> None:
    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT, Standard.OPEN_BOOK)
    assert services.required_standards(contract) == [Standard.GENDER_PAY_AUDIT]
    with pytest.raises(ValidationFailed) as refused:
        _record(contract, standard=Standard.FAIR_WAGE)
    assert "terms require" in refused.value.errors["report"]
    with pytest.raises(ValidationFailed) as refused:
        _record(contract, due=date(2026, 3, 31))  # not an anniversary
    assert "due date" in refused.value.errors["report"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"status": ReportStatus.OVERDUE}, "status", "met or missed"),
        ({"status": None}, "status", "met or missed"),
        ({"evidence": ""}, "evidence", "Describe the evidence"),
        ({"reported_on": date(2026, 7, 1)}, "reported_on", "in the future"),
        ({"reported_on": date(2025, 1, 1)}, "reported_on", "before the contract started"),
    ],
)
def test_bad_standards_reports_are_refused(fields, field, message) -> None:
    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT)
    with pytest.raises(ValidationFailed) as refused:
        _record(contract, **fields)
    assert message in refused.value.errors[field]
    assert db.session.scalars(select(StandardsReport)).all() == []


def test_tick_marks_each_overdue_report_once() -> None:
    from datetime import UTC, datetime

    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT, Standard.FAIR_WAGE)
    _record(contract, standard=Standard.FAIR_WAGE)
    ContractFactory()  # no terms: owes no reports
    now = datetime(2026, 6, 15, 3, tzinfo=UTC)
    marked = services.mark_overdue_reports(now)
    assert len(marked) == 1 and "gender pay audit due 2026-04-01" in marked[0]
    assert services.mark_overdue_reports(now) == []
    (entry,) = _entries("standards_report:overdue")
    assert entry["data"] == {"standard": "gender_pay_audit", "due_on": "2026-04-01"}
    assert entry["actor"] is None
    # not before the due day has passed
    assert services.mark_overdue_reports(datetime(2027, 4, 1, 3, tzinfo=UTC)) == []


def test_a_late_report_over_an_overdue_one_stays_marked_late() -> None:
    from datetime import UTC, datetime

    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT)
    services.mark_overdue_reports(datetime(2026, 6, 1, tzinfo=UTC))
    (row,) = services.standards_rows(contract, TODAY)[:1]
    assert row.status is ReportStatus.OVERDUE
    _record(contract, status=ReportStatus.MISSED, reported_on=date(2026, 6, 10))
    (row, upcoming) = services.standards_rows(contract, TODAY)
    assert row.status is ReportStatus.MISSED
    assert row.status_text == "Missed (reported late)"
    assert upcoming.status is None and upcoming.due_on == date(2027, 4, 1)
    entry = _entries("standards_report:record")[-1]
    assert entry["data"]["late"] is True and entry["data"]["status"] == "missed"
    # recorded once: a second outcome for the same report is refused
    with pytest.raises(ValidationFailed) as refused:
        _record(contract)
    assert "already recorded as missed" in refused.value.errors["report"]


def test_overdue_shows_before_tick_has_run() -> None:
    contract = contract_with_terms(Standard.UNION_RECOGNITION)
    rows = services.standards_rows(contract, TODAY)
    assert [(r.due_on, r.status) for r in rows] == [
        (date(2026, 4, 1), ReportStatus.OVERDUE),
        (date(2027, 4, 1), None),
    ]
    failures = services.failures(TODAY)
    assert [(f.what, f.outcome) for f in failures] == [
        ("Trade-union recognition", "Overdue (not received)")
    ]


def test_the_missed_list_has_missed_targets_and_overdue_reports_of_public_contracts() -> None:
    from civic.contracts.models import ContractState

    public = ContractFactory(reference="PUB-1")
    kpi = meals_kpi(public)
    report(kpi, Q1, "96", date(2025, 7, 10))
    report(kpi, Q2, "80", date(2025, 10, 10))
    report(kpi, Q3, "97", date(2026, 1, 10))
    draft = ContractFactory(state=ContractState.DRAFT, published_at=None)
    meals_kpi(draft)  # all overdue, but a draft is not public
    found = [(f.contract.reference, f.period, f.outcome) for f in services.failures(TODAY)]
    assert found == [
        ("PUB-1", "Q4 2025-26 (January to March 2026)", "Not reported (overdue)"),
        ("PUB-1", "Q2 2025-26 (July to September 2025)", "Target missed"),
    ]


def test_civic_tick_marks_overdue_reports_and_says_so(app) -> None:
    # real dates: a contract that started two years and a month ago owes two audits
    from datetime import timedelta

    from civic.clock import utcnow

    start = utcnow().date() - timedelta(days=2 * 365 + 31)
    contract = contract_with_terms(
        Standard.GENDER_PAY_AUDIT, start_date=start, end_date=start + timedelta(days=5 * 365)
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["civic", "tick"])
    assert first.exit_code == 0, first.output
    assert first.output.count(f"contract {contract.reference}: gender pay audit due") == 2
    second = runner.invoke(args=["civic", "tick"])
    assert contract.reference not in second.output
    assert len(_entries("standards_report:overdue")) == 2
