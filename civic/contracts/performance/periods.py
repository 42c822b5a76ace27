"""Reporting periods, due dates, exact amounts and met-or-missed: pure, no Flask, no database.

Periods are calendar-aligned the way UK councils report: months, quarters of the financial
year (April to June is Q1) and financial years (1 April to 31 March). A contract's periods are
the ones that overlap its life. Amounts are exact: a KPI has a number of decimal places and
every target and value is stored as an integer count of the smallest step ("92.5" with one
decimal place is 925), so no float can turn a met target into a missed one.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from civic.i18n import _, current_language, ngettext
from civic.i18n import lazy_gettext as _l


class Period(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    @property
    def label(self) -> str:
        return {"monthly": _("Monthly"), "quarterly": _("Quarterly"), "annual": _("Yearly")}[
            self.value
        ]

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "annual": 12}[self.value]


class Direction(enum.StrEnum):
    HIGHER = "higher"
    LOWER = "lower"

    @property
    def label(self) -> str:
        return _("Higher is better") if self is Direction.HIGHER else _("Lower is better")


class Outcome(enum.StrEnum):
    """What a period's report says, in words the pages show (never colour alone)."""

    MET = "met"
    MISSED = "missed"
    OVERDUE = "overdue"  # not reported, and the report's due date has passed
    AWAITED = "awaited"  # not reported yet, but not due yet either

    @property
    def label(self) -> str:
        return {
            "met": _("Target met"),
            "missed": _("Target missed"),
            "overdue": _("Not reported (overdue)"),
            "awaited": _("Report not yet due"),
        }[self.value]


FINANCIAL_YEAR_START_MONTH = 4  # UK local government: 1 April


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_start(period: Period, day: date) -> date:
    """The first day of the period `day` falls in."""
    if period is Period.MONTHLY:
        return day.replace(day=1)
    # quarters and years both count from April
    offset = (day.month - FINANCIAL_YEAR_START_MONTH) % period.months
    year, month = _add_months(day.year, day.month, -offset)
    return date(year, month, 1)


def is_period_start(period: Period, day: date) -> bool:
    return period_start(period, day) == day


def period_end(period: Period, start: date) -> date:
    """The last day of the period starting on `start`."""
    year, month = _add_months(start.year, start.month, period.months)
    return date(year, month, 1) - timedelta(days=1)


def _year_and_quarter(start: date) -> tuple[int, int]:
    """The financial year (by the calendar year it starts in) and its quarter, 1 to 4."""
    year = start.year if start.month >= FINANCIAL_YEAR_START_MONTH else start.year - 1
    return year, (start.month - FINANCIAL_YEAR_START_MONTH) % 12 // 3 + 1


def _months(day: date, pattern: str) -> str:
    """A month as the reader's language names it ("March 2025", "Mawrth 2025")."""
    return format_date(day, pattern, locale="cy_GB" if current_language() == "cy" else "en_GB")


def period_label(period: Period, start: date) -> str:
    """A period as pages show it: "March 2025", "Q1 2025-26 (April to June 2025)",
    "2025-26"."""
    if period is Period.MONTHLY:
        return _months(start, "MMMM y")
    year, quarter = _year_and_quarter(start)
    years = f"{year}-{(year + 1) % 100:02d}"
    if period is Period.ANNUAL:
        return years
    return _(
        "Q%(quarter)s %(years)s (%(first)s to %(last)s)",
        quarter=quarter,
        years=years,
        first=_months(start, "MMMM"),
        last=_months(period_end(period, start), "MMMM y"),
    )


def period_short_label(period: Period, start: date) -> str:
    """A chart axis label: "Mar 25", "Q1 25-26", "25-26"."""
    if period is Period.MONTHLY:
        return f"{start:%b %y}"
    year, quarter = _year_and_quarter(start)
    years = f"{year % 100:02d}-{(year + 1) % 100:02d}"
    return years if period is Period.ANNUAL else f"Q{quarter} {years}"


def periods_between(period: Period, first: date, last: date) -> Iterator[date]:
    """The start of every period that overlaps the days `first` to `last` inclusive."""
    start = period_start(period, first)
    while start <= last:
        yield start
        start = period_end(period, start) + timedelta(days=1)


def report_due(period: Period, start: date, days_after: int) -> date:
    """The day a period's report is due: `days_after` days after the period ends."""
    return period_end(period, start) + timedelta(days=days_after)


def outcome(
    value: int | None, target: int, direction: Direction, due: date, today: date
) -> Outcome:
    """Met or missed from the (scaled) value, target and direction; equal to the target is
    met either way. With no value: overdue once the due date has passed (the due day itself
    is still in time), awaited before."""
    if value is None:
        return Outcome.OVERDUE if today > due else Outcome.AWAITED
    met = value >= target if direction is Direction.HIGHER else value <= target
    return Outcome.MET if met else Outcome.MISSED


def anniversaries(start: date, last: date) -> list[date]:
    """Each anniversary of `start` up to and including `last` (29 February falls on the
    28th in other years): the due dates of a contract's annual standards reports."""
    due = []
    years = 1
    while True:
        try:
            day = start.replace(year=start.year + years)
        except ValueError:
            day = date(start.year + years, 2, 28)
        if day > last:
            return due
        due.append(day)
        years += 1


# --- exact amounts ----------------------------------------------------------------------

MAX_DECIMALS = 3
_AMOUNT = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?")


class AmountError(ValueError):
    """Text that is not an amount with the KPI's decimal places; the message says why."""


def parse_amount(text: str, decimals: int) -> int:
    """ "92.5" with 1 decimal place -> 925; "92" -> 920; "92.55" is refused, not rounded.

    Thousands separators, spaces and a leading £ or trailing % are allowed, as people type
    them.
    """
    cleaned = re.sub(r"[\s,£%]", "", text or "")
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        example = "92" if decimals == 0 else "92." + "5" * decimals
        raise AmountError(_("Enter a number, like %(example)s", example=example))
    sign, whole, fraction = match.groups()
    fraction = (fraction or "").rstrip("0")
    if len(fraction) > decimals:
        if decimals == 0:
            raise AmountError(_("Enter a whole number (this indicator has no decimal places)"))
        raise AmountError(
            ngettext(
                "Give at most %(num)s decimal place",
                "Give at most %(num)s decimal places",
                decimals,
            )
        )
    scaled = int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or 0)
    return -scaled if sign == "-" else scaled


def format_amount(scaled: int, decimals: int) -> str:
    """925 with 1 decimal place -> "92.5"; thousands separated: 12345 with 0 -> "12,345"."""
    sign = "-" if scaled < 0 else ""
    whole, fraction = divmod(abs(scaled), 10**decimals)
    text = f"{whole:,}"
    if decimals:
        text += "." + str(fraction).rjust(decimals, "0")
    return sign + text


@dataclass(frozen=True)
class Unit:
    key: str
    label: str  # the form's choice
    decimals: int  # suggested decimal places
    prefix: str = ""
    suffix: str = ""


UNITS: dict[str, Unit] = {
    u.key: u
    for u in (
        Unit("percent", _l("Percentage (%)"), 1, suffix="%"),
        Unit("days", _l("Days"), 1, suffix=" days"),  # with_unit words these in the language
        Unit("hours", _l("Hours"), 1, suffix=" hours"),
        Unit("count", _l("A count"), 0),
        Unit("pounds", _l("Pounds (£)"), 2, prefix="£"),
        Unit("kg", _l("Kilograms (kg)"), 2, suffix=" kg"),
    )
}


def with_unit(scaled: int, decimals: int, unit: str) -> str:
    """An amount with its unit as pages show it: "92.5%", "£1,200.00", "3.5 days"."""
    known = UNITS.get(unit)
    text = format_amount(scaled, decimals)
    if known is None:
        return f"{text} {unit}".strip()
    if unit == "days":
        return _("%(amount)s days", amount=text)
    if unit == "hours":
        return _("%(amount)s hours", amount=text)
    if text.startswith("-") and known.prefix:
        return f"-{known.prefix}{text[1:]}{known.suffix}"
    return f"{known.prefix}{text}{known.suffix}"


def share_text(part: int, whole: int) -> str:
    """`part` as a percentage of `whole` to one decimal place, rounded half away from zero
    in integers (no float): 1234 of 10000 -> "12.3%"."""
    if whole == 0:
        return ""
    tenths, remainder = divmod(abs(part) * 1000, abs(whole))
    if remainder * 2 >= abs(whole):
        tenths += 1
    sign = "-" if (part < 0) != (whole < 0) and tenths else ""
    return f"{sign}{tenths // 10}.{tenths % 10}%"
