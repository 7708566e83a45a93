"""Reference periods: ``time_period`` + ``freq`` -> first and last day, and US fiscal years.

Periods are stored as calendar periods only (``2024``, ``2024-03``, ``2024-Q1``,
``2015-2019``). A US fiscal year (October to September) is derived from monthly rows,
never stored as if it were a calendar year: ``us_fiscal_year(time_start)``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pandas as pd

_PATTERNS = {
    "A": re.compile(r"^(\d{4})$"),
    "M": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    "Q": re.compile(r"^(\d{4})-Q([1-4])$"),
    "P5": re.compile(r"^(\d{4})-(\d{4})$"),
}
MONTH_ABBREVIATIONS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


class PeriodError(ValueError):
    """A ``time_period`` that does not match its ``freq``."""


def compute_period_bounds(time_period: str, freq: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``time_period`` at frequency ``freq`` (``A``, ``M``, ``Q``, ``P5``)."""
    pattern = _PATTERNS.get(freq)
    if pattern is None:
        raise PeriodError(f"unknown freq {freq!r}; valid: {sorted(_PATTERNS)}")
    match = pattern.match(str(time_period))
    if match is None:
        raise PeriodError(f"time_period {time_period!r} does not match freq {freq!r}")
    year = int(match.group(1))
    if freq == "A":
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if freq == "M":
        month = int(match.group(2))
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    if freq == "Q":
        quarter = int(match.group(2))
        last_month = quarter * 3
        return (dt.date(year, last_month - 2, 1),
                dt.date(year, last_month, calendar.monthrange(year, last_month)[1]))
    last_year = int(match.group(2))
    if last_year - year != 4:
        raise PeriodError(f"time_period {time_period!r} is not a five-year period (freq P5)")
    return dt.date(year, 1, 1), dt.date(last_year, 12, 31)


def compute_period_columns(time_period: pd.Series, freq: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``time_start`` and ``time_end`` (datetime64) for aligned period and frequency columns.

    Each distinct (period, freq) pair is computed once, then mapped: fast on a million rows.
    """
    key = freq.astype(str) + "|" + time_period.astype(str)
    bounds = {k: compute_period_bounds(*reversed(k.split("|", 1))) for k in key.unique()}
    start = key.map({k: pd.Timestamp(b[0]) for k, b in bounds.items()}).astype("datetime64[s]")
    end = key.map({k: pd.Timestamp(b[1]) for k, b in bounds.items()}).astype("datetime64[s]")
    return start, end


def us_fiscal_year(date: dt.date) -> int:
    """The US federal fiscal year of ``date``: FY2024 runs from 1 Oct 2023 to 30 Sep 2024."""
    return date.year + (1 if date.month >= 10 else 0)


def calendar_month_of_fiscal(fiscal_year: int, month_abbreviation: str) -> str:
    """``YYYY-MM`` of a month named inside a US fiscal year (``2020, "OCT"`` -> ``2019-10``)."""
    month = MONTH_ABBREVIATIONS.index(month_abbreviation.upper()) + 1
    year = fiscal_year - 1 if month >= 10 else fiscal_year
    return f"{year:04d}-{month:02d}"


# SQL for the same rule, for queries over the store: year(time_start + INTERVAL 3 MONTH).
US_FISCAL_YEAR_SQL = "year(time_start + INTERVAL 3 MONTH)"
