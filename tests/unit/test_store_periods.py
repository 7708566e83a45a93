"""Reference periods: bounds per frequency, US fiscal years derived from calendar months."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.periods import (
    PeriodError,
    calendar_month_of_fiscal,
    compute_period_bounds,
    compute_period_columns,
    us_fiscal_year,
)


@pytest.mark.parametrize(
    "period,freq,start,end",
    [
        ("2024", "A", "2024-01-01", "2024-12-31"),
        ("2024-02", "M", "2024-02-01", "2024-02-29"),  # leap year
        ("2023-02", "M", "2023-02-01", "2023-02-28"),
        ("2024-12", "M", "2024-12-01", "2024-12-31"),
        ("2024-Q1", "Q", "2024-01-01", "2024-03-31"),
        ("2024-Q4", "Q", "2024-10-01", "2024-12-31"),
        ("2015-2019", "P5", "2015-01-01", "2019-12-31"),
    ],
)
def test_period_bounds(period, freq, start, end):
    assert compute_period_bounds(period, freq) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))


@pytest.mark.parametrize(
    "period,freq",
    [
        ("2024-13", "M"),
        ("2024-1", "M"),
        ("24", "A"),
        ("2024", "M"),
        ("2024-Q5", "Q"),
        ("2015-2020", "P5"),
        ("2024", "W"),
        ("FY2024", "A"),
    ],
)
def test_bad_periods_are_refused(period, freq):
    with pytest.raises(PeriodError):
        compute_period_bounds(period, freq)


def test_period_columns_map_every_row():
    start, end = compute_period_columns(pd.Series(["2024-01", "2024", "2024-01"]), pd.Series(["M", "A", "M"]))
    assert [d.date().isoformat() for d in start] == ["2024-01-01", "2024-01-01", "2024-01-01"]
    assert [d.date().isoformat() for d in end] == ["2024-01-31", "2024-12-31", "2024-01-31"]


@pytest.mark.parametrize(
    "date,fiscal_year",
    [
        ("2022-09-30", 2022),
        ("2022-10-01", 2023),
        ("2023-01-15", 2023),
        ("2023-12-31", 2024),
    ],
)
def test_us_fiscal_year_starts_in_october(date, fiscal_year):
    assert us_fiscal_year(dt.date.fromisoformat(date)) == fiscal_year


@pytest.mark.parametrize(
    "fiscal_year,month,calendar",
    [
        (2020, "OCT", "2019-10"),
        (2020, "dec", "2019-12"),
        (2020, "JAN", "2020-01"),
        (2020, "SEP", "2020-09"),
    ],
)
def test_months_of_a_fiscal_year_are_calendar_months(fiscal_year, month, calendar):
    assert calendar_month_of_fiscal(fiscal_year, month) == calendar


def test_unknown_month_name_is_an_error():
    with pytest.raises(ValueError):
        calendar_month_of_fiscal(2020, "SEPT")
