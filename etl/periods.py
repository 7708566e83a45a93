"""Reference periods: ``time_period`` + ``freq`` -> first and last day, and US fiscal years.

Periods are stored as calendar periods only (``2024``, ``2024-03``, ``2024-Q1``,
``2015-2019``). A US fiscal year (October to September) is derived from monthly rows,
never stored as if it were a calendar year: ``us_fiscal_year(time_start)``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from common.text import Bilingual

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
        return (dt.date(year, last_month - 2, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1]))
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


# --- period labels, order and completeness (the one place for these rules) ------------------------
#
# A *period label* is what a view shows: ``2023`` (calendar year), ``FY2023`` (US fiscal year, Oct–Sep,
# named by the year it ends), ``2023-03`` (month), ``2023-Q1``, ``2015-2019``. Its *status* says whether
# a view may open on it:
#   complete    every month of the period is inside the source's reporting span, and no flag below;
#   partial     the source's reporting span covers only ``months`` of ``months_expected`` (Darién 2025:
#               4 of 12; CBP FY2025: 8 of 12), or the source says the period is partial;
#   mid_year    the figures are at mid-year (UNHCR's 2025 release), not at the end of the period;
#   projection  every value of the period is a projection (SDMX status F).
# A month with no row *inside* the reporting span is a month with nothing to count (Darién April–June
# 2020: no crossings), not a missing month: completeness comes from the span, never from counting rows.

PERIOD_STATUSES = ("complete", "partial", "mid_year", "projection")
FISCAL_PREFIX = "FY"
_YEAR_IN = re.compile(r"(\d{4})")
_STATUS_TEXT = {
    "complete": {"es": "completo", "en": "complete"},
    "partial": {"es": "parcial: {months} de {expected} meses", "en": "partial: {months} of {expected} months"},
    "partial_flag": {"es": "parcial", "en": "partial"},
    "mid_year": {"es": "cifras a mitad de año, no a fin de año", "en": "mid-year figures, not end-of-year"},
    "projection": {"es": "proyección", "en": "projection"},
}


def fiscal_year_label(fiscal_year: int) -> str:
    """``2023`` -> ``"FY2023"``."""
    return f"{FISCAL_PREFIX}{int(fiscal_year)}"


def compute_fiscal_year_labels(time_start: pd.Series) -> pd.Series:
    """``FY2024`` for every date from 1 Oct 2023 to 30 Sep 2024 (vectorised ``us_fiscal_year``)."""
    start = pd.to_datetime(time_start)
    return FISCAL_PREFIX + (start.dt.year + (start.dt.month >= 10).astype(int)).astype(str)


def period_year(label: str) -> int:
    """The first year of a period label: ``"2023"``, ``"FY2023"``, ``"2023-03"`` -> 2023; ``"2015-2019"`` -> 2015."""
    match = _YEAR_IN.search(str(label))
    if match is None:
        raise PeriodError(f"period {label!r} has no year in it; write it like 2023, FY2023, 2023-03 or 2015-2019")
    return int(match.group(1))


def compute_label_bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of any period label, fiscal years included (``FY2023``: 1 Oct 2022 – 30 Sep 2023)."""
    text = str(label)
    if text.startswith(FISCAL_PREFIX):
        year = int(text[len(FISCAL_PREFIX) :])
        return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)
    for freq, pattern in _PATTERNS.items():
        if pattern.match(text):
            return compute_period_bounds(text, freq)
    raise PeriodError(
        f"period {label!r} is not a known label; write it like 2023, FY2023, 2023-03, 2023-Q1 or 2015-2019"
    )


def period_sort_key(label: str) -> tuple:
    """Order periods by their first day, then by length (a month before its year), then by text."""
    try:
        start, end = compute_label_bounds(label)
        return (start.toordinal(), end.toordinal(), str(label))
    except PeriodError:
        return (dt.date(period_year(label), 1, 1).toordinal(), 0, str(label))


def sort_periods(labels) -> list[str]:
    """Distinct period labels in time order (``FY2023`` sorts by its first day, 1 Oct 2022)."""
    return sorted({str(p) for p in labels}, key=period_sort_key)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def compute_expected_months(label: str) -> int:
    """Calendar months in a period label (12 for a year or fiscal year, 1 for a month, 60 for five years)."""
    start, end = compute_label_bounds(label)
    return _month_index(end) - _month_index(start) + 1


def compute_covered_months(label: str, span_first: dt.date, span_last: dt.date) -> int:
    """Months of ``label`` inside a source's monthly reporting span (first and last month it reports).

    Months inside the span without a row are months with nothing to count, so they are covered.
    """
    start, end = compute_label_bounds(label)
    first = max(_month_index(start), _month_index(span_first))
    last = min(_month_index(end), _month_index(span_last))
    return max(0, last - first + 1)


@dataclass(frozen=True)
class PeriodStatus:
    """Whether a view may open on a period, and what to announce when it shows it."""

    period: str
    status: str  # one of PERIOD_STATUSES
    months: int | None = None  # months covered (monthly sources), else None
    months_expected: int | None = None
    note: Bilingual = Bilingual("", "")  # the source's own words about the period, when it has some

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    def text(self, lang: str) -> str:
        """A short bilingual label: ``"parcial: 4 de 12 meses"`` / ``"mid-year figures, not end-of-year"``."""
        if lang not in ("es", "en"):
            raise ValueError(f"lang must be 'es' or 'en', got {lang!r}")
        if self.status == "partial" and self.months is not None and self.months_expected:
            base = _STATUS_TEXT["partial"][lang].format(months=self.months, expected=self.months_expected)
        elif self.status == "partial":
            base = _STATUS_TEXT["partial_flag"][lang]
        else:
            base = _STATUS_TEXT[self.status][lang]
        note = self.note.get(lang)
        return f"{base} ({note})" if note and not self.complete else base

    def as_dict(self) -> dict:
        return {
            "period": self.period,
            "status": self.status,
            "complete": self.complete,
            "months": self.months,
            "months_expected": self.months_expected,
            "text_es": self.text("es"),
            "text_en": self.text("en"),
        }


def build_period_status(
    label: str,
    *,
    spans: list[tuple[dt.date, dt.date]] = (),
    flags: list[str] = (),
    projection: bool = False,
    notes: tuple[str, str] = ("", ""),
) -> PeriodStatus:
    """The status of one period label.

    ``spans``: the monthly reporting span of every monthly source behind the period (the least covered
    one decides); ``flags``: the sources' own period flags (``mid_year``, ``partial``); ``projection``:
    every value of the period is a projection.
    """
    bad = [f for f in flags if f not in ("mid_year", "partial")]
    if bad:
        raise ValueError(f"unknown period flag(s) {bad}; valid: mid_year, partial")
    es, en = notes
    if projection:
        return PeriodStatus(label, "projection", note=Bilingual(es, en))
    months = expected = None
    if spans:
        expected = compute_expected_months(label)
        months = min(compute_covered_months(label, first, last) for first, last in spans)
    if "mid_year" in flags:
        return PeriodStatus(label, "mid_year", months, expected, Bilingual(es, en))
    if "partial" in flags or (months is not None and months < expected):
        return PeriodStatus(label, "partial", months, expected, Bilingual(es, en))
    return PeriodStatus(label, "complete", months, expected)


def choose_default_period(statuses) -> str | None:
    """The period a view opens on: the latest *complete* one (end-of-period, not projected, every month).

    When no period is complete, the latest observed one (partial or mid-year) is taken, then the latest
    projection; ``None`` when there is no period.
    """
    statuses = list(statuses)
    if not statuses:
        return None
    ordered = sorted(statuses, key=lambda s: period_sort_key(s.period))
    for wanted in (("complete",), ("partial", "mid_year"), ("projection",)):
        chosen = [s for s in ordered if s.status in wanted]
        if chosen:
            return chosen[-1].period
    return ordered[-1].period
