"""The pure rules: periods and due dates, met or missed, exact amounts."""

from __future__ import annotations

from datetime import date

import pytest

from civic.contracts.performance import periods
from civic.contracts.performance.periods import Direction, Outcome, Period

DUE = date(2025, 7, 30)
LATER = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (951, 950, Direction.HIGHER, Outcome.MET),
        (950, 950, Direction.HIGHER, Outcome.MET),  # equal to the target is met
        (949, 950, Direction.HIGHER, Outcome.MISSED),
        (149, 150, Direction.LOWER, Outcome.MET),
        (150, 150, Direction.LOWER, Outcome.MET),  # equal to the target is met
        (151, 150, Direction.LOWER, Outcome.MISSED),
        (0, 0, Direction.LOWER, Outcome.MET),
    ],
)
def test_met_or_missed_by_direction(value, target, direction, expected) -> None:
    assert periods.outcome(value, target, direction, DUE, LATER) is expected


def test_no_value_is_overdue_only_after_the_due_day() -> None:
    assert periods.outcome(None, 1, Direction.HIGHER, DUE, date(2025, 7, 29)) is Outcome.AWAITED
    assert periods.outcome(None, 1, Direction.HIGHER, DUE, DUE) is Outcome.AWAITED
    assert periods.outcome(None, 1, Direction.HIGHER, DUE, date(2025, 7, 31)) is Outcome.OVERDUE


def test_quarters_and_years_follow_the_financial_year() -> None:
    assert periods.period_start(Period.QUARTERLY, date(2025, 5, 17)) == date(2025, 4, 1)
    assert periods.period_start(Period.QUARTERLY, date(2026, 3, 31)) == date(2026, 1, 1)
    assert periods.period_start(Period.QUARTERLY, date(2025, 12, 1)) == date(2025, 10, 1)
    assert periods.period_start(Period.ANNUAL, date(2026, 2, 1)) == date(2025, 4, 1)
    assert periods.period_start(Period.ANNUAL, date(2026, 4, 1)) == date(2026, 4, 1)
    assert periods.period_start(Period.MONTHLY, date(2024, 2, 29)) == date(2024, 2, 1)
    assert periods.period_end(Period.QUARTERLY, date(2026, 1, 1)) == date(2026, 3, 31)
    assert periods.period_end(Period.MONTHLY, date(2024, 2, 1)) == date(2024, 2, 29)
    assert periods.period_end(Period.ANNUAL, date(2025, 4, 1)) == date(2026, 3, 31)
    assert periods.is_period_start(Period.QUARTERLY, date(2025, 7, 1))
    assert not periods.is_period_start(Period.QUARTERLY, date(2025, 8, 1))


def test_due_dates_cross_the_year_end() -> None:
    # Q3 2025-26 (October to December) ends on 31 December; 30 days later is 30 January
    assert periods.report_due(Period.QUARTERLY, date(2025, 10, 1), 30) == date(2026, 1, 30)
    assert periods.report_due(Period.MONTHLY, date(2025, 12, 1), 0) == date(2025, 12, 31)
    assert periods.report_due(Period.ANNUAL, date(2025, 4, 1), 30) == date(2026, 4, 30)


def test_a_contract_starting_mid_quarter_owes_that_quarter() -> None:
    starts = list(periods.periods_between(Period.QUARTERLY, date(2022, 9, 1), date(2023, 3, 31)))
    assert starts == [date(2022, 7, 1), date(2022, 10, 1), date(2023, 1, 1)]


def test_labels() -> None:
    assert periods.period_label(Period.QUARTERLY, date(2026, 1, 1)) == (
        "Q4 2025-26 (January to March 2026)"
    )
    assert periods.period_label(Period.ANNUAL, date(2025, 4, 1)) == "2025-26"
    assert periods.period_label(Period.MONTHLY, date(2025, 3, 1)) == "March 2025"
    assert periods.period_short_label(Period.QUARTERLY, date(2025, 4, 1)) == "Q1 25-26"
    assert periods.period_short_label(Period.ANNUAL, date(1999, 4, 1)) == "99-00"


@pytest.mark.parametrize(
    ("text", "decimals", "scaled"),
    [
        ("92.5", 1, 925),
        ("92", 1, 920),
        ("92.50", 1, 925),  # trailing zeros are not extra precision
        ("0.1", 3, 100),
        ("£1,234.56", 2, 123456),
        ("95%", 0, 95),
        ("-350", 2, -35000),
        (" 7 ", 0, 7),
    ],
)
def test_amounts_are_read_exactly(text, decimals, scaled) -> None:
    assert periods.parse_amount(text, decimals) == scaled


@pytest.mark.parametrize(
    ("text", "decimals", "message"),
    [
        ("92.55", 1, "at most 1 decimal place"),
        ("92.5", 0, "whole number"),
        ("ninety", 1, "Enter a number"),
        ("", 1, "Enter a number"),
        ("1e3", 0, "Enter a number"),
        ("nan", 2, "Enter a number"),
    ],
)
def test_amounts_with_more_places_or_not_numbers_are_refused(text, decimals, message) -> None:
    with pytest.raises(periods.AmountError, match=message):
        periods.parse_amount(text, decimals)


def test_no_float_drift_at_the_edge() -> None:
    # 0.1 + 0.2 != 0.3 in floats; as scaled integers the edge stays met
    target = periods.parse_amount("0.3", 1)
    value = periods.parse_amount("0.1", 1) + periods.parse_amount("0.2", 1)
    assert periods.outcome(value, target, Direction.HIGHER, DUE, LATER) is Outcome.MET


def test_amounts_are_written_back_with_their_unit() -> None:
    assert periods.format_amount(925, 1) == "92.5"
    assert periods.format_amount(5, 2) == "0.05"
    assert periods.format_amount(-123456, 2) == "-1,234.56"
    assert periods.with_unit(925, 1, "percent") == "92.5%"
    assert periods.with_unit(123456, 2, "pounds") == "£1,234.56"
    assert periods.with_unit(-500, 2, "pounds") == "-£5.00"
    assert periods.with_unit(35, 1, "days") == "3.5 days"


def test_shares_round_in_integers() -> None:
    assert periods.share_text(1234, 10000) == "12.3%"
    assert periods.share_text(1235, 10000) == "12.4%"  # half rounds away from zero
    assert periods.share_text(-500, 10000) == "-5.0%"
    assert periods.share_text(1, 3) == "33.3%"
    assert periods.share_text(5, 0) == ""


def test_anniversaries_within_the_contract() -> None:
    assert periods.anniversaries(date(2022, 9, 1), date(2025, 9, 1)) == [
        date(2023, 9, 1),
        date(2024, 9, 1),
        date(2025, 9, 1),
    ]
    assert periods.anniversaries(date(2024, 2, 29), date(2026, 3, 1)) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
    ]
    assert periods.anniversaries(date(2025, 1, 1), date(2025, 12, 31)) == []
