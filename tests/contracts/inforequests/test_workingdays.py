"""Working days and FOI deadlines against the shipped England and Wales table: dates are
counted by hand from a calendar (weekends and the bank holidays named in each test)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from civic.contracts.inforequests import workingdays
from civic.contracts.inforequests.workingdays import (
    BeyondHolidayTable,
    HolidayTable,
    HolidayTableError,
    add_working_days,
    foi_due_date,
    load_table,
    parse_table,
)


@pytest.fixture(scope="module")
def table() -> HolidayTable:
    return load_table()


def test_the_shipped_table_covers_2018_to_2028_in_govuk_shape(table):
    assert (table.first_year, table.last_year) == (2018, 2028)
    raw = json.loads(workingdays.DEFAULT_TABLE.read_text(encoding="utf-8"))
    events = raw["england-and-wales"]["events"]
    assert raw["england-and-wales"]["division"] == "england-and-wales"
    assert all(set(e) == {"title", "date", "notes", "bunting"} for e in events)
    # the one-off and substitute days are in it
    for one_off in ("2020-05-08", "2022-06-02", "2022-06-03", "2022-09-19", "2023-05-08"):
        assert date.fromisoformat(one_off) in table.holidays
    # 2020's early May holiday moved to VE day: the first Monday was an ordinary day
    assert date(2020, 5, 4) not in table.holidays


def test_no_holiday_in_the_table_falls_on_a_weekend(table):
    assert all(d.weekday() < 5 for d in table.holidays)


def test_a_plain_month_counts_weekdays_only(table):
    # received Monday 2 March 2026: day 1 is Tue 3rd; four weeks of weekdays end Mon 30th
    assert foi_due_date(date(2026, 3, 2), table) == date(2026, 3, 30)


def test_the_day_of_receipt_never_counts(table):
    assert add_working_days(date(2026, 3, 2), 1, table) == date(2026, 3, 3)
    assert add_working_days(date(2026, 3, 2), 0, table) == date(2026, 3, 2)


def test_received_at_a_weekend_counts_from_the_monday(table):
    # Saturday 7 March 2026: day 1 is Monday 9th; Mar 9-13 (5), 16-20 (10), 23-27 (15),
    # Mar 30-Apr 2 (19), then Good Friday 3 April and Easter Monday 6 April: Tue 7 (20)
    assert foi_due_date(date(2026, 3, 7), table) == date(2026, 4, 7)
    assert foi_due_date(date(2026, 3, 8), table) == date(2026, 4, 7)


def test_easter_2026_good_friday_and_easter_monday_are_skipped(table):
    # received Friday 13 March 2026: Mar 16-20 (5), 23-27 (10), Mar 30-Apr 2 (14); 3 April
    # (Good Friday) and 6 April (Easter Monday) are holidays; Apr 7-10 (18), Apr 13-14 (20)
    assert foi_due_date(date(2026, 3, 13), table) == date(2026, 4, 14)
    assert not table.is_working_day(date(2026, 4, 3))
    assert not table.is_working_day(date(2026, 4, 6))


def test_christmas_and_new_year_2026_with_a_substitute_boxing_day(table):
    # Boxing Day 2026 is a Saturday, so Monday 28 December is its substitute.
    # Received Friday 11 December 2026: Dec 14-18 (5), 21-24 (9; 25th is Christmas),
    # 29-31 (12; 28th substitute), Jan 1 holiday, Jan 4-8 (17), Jan 11-13 (20)
    assert date(2026, 12, 28) in table.holidays
    assert foi_due_date(date(2026, 12, 11), table) == date(2027, 1, 13)


def test_christmas_2027_both_substitutes_and_into_2028s_substitute_new_year(table):
    # 25 and 26 December 2027 are a weekend: 27 and 28 are substitutes. 1 January 2028 is
    # a Saturday: Monday 3 January is its substitute.
    # Received Friday 17 December 2027: Dec 20-24 (5), 29-31 (8), Jan 4-7 (12),
    # Jan 10-14 (17), Jan 17-19 (20)
    assert foi_due_date(date(2027, 12, 17), table) == date(2028, 1, 19)
    assert [table.is_working_day(date(2027, 12, d)) for d in (24, 27, 28, 29)] == [
        True,
        False,
        False,
        True,
    ]
    assert not table.is_working_day(date(2028, 1, 3))


def test_the_2022_jubilee_and_state_funeral(table):
    # received Tuesday 24 May 2022: May 25-27 (3), May 30-Jun 1 (6; 2nd and 3rd are the
    # moved spring holiday and the jubilee), Jun 6-10 (11), 13-17 (16), 20-23 (20)
    assert foi_due_date(date(2022, 5, 24), table) == date(2022, 6, 23)
    # received Monday 12 September 2022: Sep 13-16 (4), 20-23 (8; 19th the funeral),
    # 26-30 (13), Oct 3-7 (18), Oct 10-11 (20)
    assert foi_due_date(date(2022, 9, 12), table) == date(2022, 10, 11)


def test_a_leap_day_is_an_ordinary_working_day(table):
    # 2028 is a leap year; 29 February 2028 is a Tuesday
    assert table.is_working_day(date(2028, 2, 29))
    # received Monday 28 February 2028: Feb 29-Mar 3 (4), Mar 6-10 (9), 13-17 (14),
    # 20-24 (19), Mar 27 (20)
    assert foi_due_date(date(2028, 2, 28), table) == date(2028, 3, 27)


def test_counting_past_the_tables_last_year_is_refused(table):
    # received mid-December 2028: the count would run into 2029, which the table lacks
    with pytest.raises(BeyondHolidayTable, match="2018 to 2028"):
        foi_due_date(date(2028, 12, 15), table)
    with pytest.raises(BeyondHolidayTable):
        table.is_working_day(date(2017, 12, 29))


def test_a_table_without_the_division_or_with_a_bad_date_is_refused():
    with pytest.raises(HolidayTableError, match="england-and-wales"):
        parse_table(json.dumps({"scotland": {"events": []}}))
    with pytest.raises(HolidayTableError, match="event 2"):
        parse_table(json.dumps({"events": [{"date": "2030-01-01"}, {"date": "1 January 2030"}]}))
    with pytest.raises(HolidayTableError, match="not JSON"):
        parse_table("{")
    with pytest.raises(HolidayTableError, match="no holidays"):
        parse_table(json.dumps({"events": []}))


def test_another_table_can_be_given_as_a_file(tmp_path):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"england-and-wales": {"events": [{"date": "2031-01-01"}]}}))
    other = load_table(str(path))
    assert (other.first_year, other.last_year) == (2031, 2031)
    # Tuesday 31 December 2030 is outside the table; Wednesday 1 January 2031 a holiday
    assert not other.is_working_day(date(2031, 1, 1))
    assert add_working_days(date(2031, 1, 1), 1, other) == date(2031, 1, 2)
