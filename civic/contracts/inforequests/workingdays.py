"""Working days and the 20-working-day deadline of an information request. Pure: no Flask,
no database, so the CLI, the services and the tests share it.

The rule, from section 10 of the Freedom of Information Act 2000 as the ICO's guidance
("Time limits for compliance under the Freedom of Information Act (section 10)") explains
it: a public authority must answer "promptly and in any event not later than the twentieth
working day following the date of receipt". The date of receipt is the day the request
arrives, which may itself be a weekend or a holiday; it is day 0 and does not count. Day 1
is the first working day after it, and the answer is due by the end of working day 20.
A working day is any day other than a Saturday, a Sunday, Christmas Day, Good Friday or a
bank holiday.

The bank holidays are data, not code: a table in the shape GOV.UK publishes
(https://www.gov.uk/bank-holidays.json, division "england-and-wales"; see data/README.md
for where it came from). Civic serves a council in England or Wales, so it counts that
division's holidays. (The Act also excludes days that are bank holidays only in Scotland
or Northern Ireland; a council that wants those too can point CIVIC_BANK_HOLIDAYS_FILE at
a table that lists them.) The table covers whole years; counting past its last year is
refused with `BeyondHolidayTable` rather than silently treating the unknown year's bank
holidays as working days, which would put a deadline too early.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

DIVISION = "england-and-wales"
FOI_WORKING_DAYS = 20
DEFAULT_TABLE = Path(__file__).parent / "data" / "bank-holidays-england-and-wales.json"


class HolidayTableError(ValueError):
    """The holiday file cannot be read as GOV.UK's shape."""


class BeyondHolidayTable(ValueError):
    """A count that would need bank holidays the table does not list."""


@dataclass(frozen=True)
class HolidayTable:
    """The bank holidays of whole calendar years, first_year to last_year."""

    holidays: frozenset[date]
    first_year: int
    last_year: int

    @classmethod
    def of(cls, days: Iterable[date]) -> HolidayTable:
        holidays = frozenset(days)
        if not holidays:
            raise HolidayTableError("The bank holiday table lists no holidays.")
        years = [d.year for d in holidays]
        return cls(holidays, min(years), max(years))

    def covers(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday (refused outside the table's years)."""
        if not self.covers(day):
            raise BeyondHolidayTable(
                f"The bank holiday table covers {self.first_year} to {self.last_year}; "
                f"{day.isoformat()} is outside it. Add that year's bank holidays to the table."
            )
        return day.weekday() < 5 and day not in self.holidays


def parse_table(text: str, source: str = "the bank holiday file") -> HolidayTable:
    """Read GOV.UK's JSON (the whole file, or just the england-and-wales division)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HolidayTableError(f"{source} is not JSON: {exc.msg} (line {exc.lineno})") from None
    division = document.get(DIVISION, document) if isinstance(document, dict) else None
    events = division.get("events") if isinstance(division, dict) else None
    if not isinstance(events, list):
        raise HolidayTableError(f'{source} has no "{DIVISION}" division with a list of events.')
    days = []
    for index, event in enumerate(events):
        raw = event.get("date") if isinstance(event, dict) else None
        try:
            days.append(date.fromisoformat(str(raw)))
        except ValueError:
            raise HolidayTableError(
                f"{source}: event {index + 1} has no date in the form YYYY-MM-DD ({raw!r})."
            ) from None
    return HolidayTable.of(days)


@cache
def load_table(path: str | None = None) -> HolidayTable:
    """The table in `path`, or the one shipped with Civic (read once per path)."""
    where = Path(path) if path else DEFAULT_TABLE
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        raise HolidayTableError(
            f"Cannot read the bank holiday file {where}: {exc.strerror}."
        ) from None
    return parse_table(text, str(where))


def add_working_days(start: date, count: int, table: HolidayTable) -> date:
    """The `count`th working day after `start` (`start` itself never counts)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day, counted = start, 0
    while counted < count:
        day += timedelta(days=1)
        if table.is_working_day(day):
            counted += 1
    return day


def foi_due_date(received: date, table: HolidayTable, days: int = FOI_WORKING_DAYS) -> date:
    """The last day to answer a request received on `received` (see the module's rule)."""
    return add_working_days(received, days, table)
