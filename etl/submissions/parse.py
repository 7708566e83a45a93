"""Turn cell text into codes: periods, territories, categories, statuses and counts.

Each parser works on the *distinct* values of a column (a million rows rarely hold more than a
few thousand distinct texts) and returns, per value, either the code or why it failed. The
validator maps the results back onto rows and turns failures into report problems.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

import geodata
from etl.submissions.spec import TOTAL, Category, build_lookup
from geodata import UnknownTerritoryError, normalise

YEAR_RANGE = (1900, 2100)
TOTAL_WORDS = frozenset(normalise(w) for w in ("_T", "total", "todos", "todas", "all", "total general"))


@dataclass(frozen=True)
class Period:
    """A parsed time period, as the store writes it."""

    time_period: str  # 2024, 2024-03, 2024-Q1
    freq: str  # A, M, Q
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Failure:
    """Why a cell value could not be read: a check code and the parameters of its message."""

    code: str
    params: dict


def _month(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(f"{year:04d}-{month:02d}", "M", dt.date(year, month, 1), dt.date(year, month, last))


def _quarter(year: int, q: int) -> Period:
    start = dt.date(year, 3 * q - 2, 1)
    end_month = 3 * q
    return Period(f"{year:04d}-Q{q}", "Q", start, dt.date(year, end_month, calendar.monthrange(year, end_month)[1]))


_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "year_month"),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), "month_year"),
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*[QqTt]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{2})-01(?:[ T]00:00(?::00)?)?$"), "excel_month"),  # Excel turns 2024-03 into a date
]


def parse_period(text: str) -> Period | None:
    """``2024`` / ``2024-03`` (also ``2024/3``, ``03/2024``, an Excel date on day 1) / ``2024-Q1`` (``2024-T1``)."""
    s = text.strip()
    for pattern, form in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        if form == "month_year":
            month, year = int(m.group(1)), int(m.group(2))
        else:
            year = int(m.group(1))
            month = int(m.group(2)) if form in ("year_month", "excel_month", "quarter") else 0
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            return None
        if form == "year":
            return Period(f"{year:04d}", "A", dt.date(year, 1, 1), dt.date(year, 12, 31))
        if form == "quarter":
            return _quarter(year, month)
        return _month(year, month) if 1 <= month <= 12 else None
    return None


def parse_periods(values: pd.Index) -> dict[str, Period | Failure]:
    """Each distinct period text -> ``Period`` or a ``period_invalid`` failure."""
    return {v: parse_period(v) or Failure("period_invalid", {}) for v in values}


def _suggestion_text(suggestions: list[tuple[str, str, str]], lang_pair: bool = True) -> str:
    if not suggestions:
        return "—"
    return ", ".join(
        f"{code} ({es})" if es == en or not lang_pair else f"{code} ({es} / {en})" for code, es, en in suggestions
    )


def parse_territory(text: str, country: str, suggest: bool = True) -> str | Failure:
    """The ``geo_code`` of the submitter's country or one of its admin-1 units, or why not.

    ``suggest=False`` skips the fuzzy search for the nearest valid names (past the cap of unknowns).
    """
    try:
        code = geodata.resolve(text, country=country, suggest=suggest)
    except UnknownTerritoryError as err:
        if err.reason == "other_country":
            owners = sorted({_country_of(c) for c, _, _ in err.suggestions})
            found = ", ".join(f"{geodata.name(o, 'es')} / {geodata.name(o, 'en')} ({o})" for o in owners)
            return Failure("territory_other_country", {"found": found, "expected": _both_names(country)})
        code_ = "territory_ambiguous" if err.reason == "ambiguous" else "territory_unknown"
        return Failure(code_, {"suggestions": _suggestion_text(err.suggestions), "country": country})
    if code != country and _country_of(code) != country:
        return Failure("territory_not_allowed", {"country": country})
    return code


@functools.lru_cache(maxsize=1)
def _gazetteer_maps() -> tuple[dict[str, str], dict[str, str]]:
    """``(level, parent_code)`` by ``geo_code``, built once."""
    gaz = geodata.gazetteer()
    return dict(zip(gaz.geo_code, gaz.level)), dict(zip(gaz.geo_code, gaz.parent_code))


def _country_of(code: str) -> str:
    return _gazetteer_maps()[1].get(code) or code


def _both_names(code: str) -> str:
    es, en = geodata.name(code, "es"), geodata.name(code, "en")
    return f"{es} ({code})" if es == en else f"{es} / {en} ({code})"


FUZZY_CODES = ("territory_unknown", "counterpart_unknown", "category_unknown")


class FuzzyBudget:
    """How many distinct unknown values of one column may still be fuzzy-matched to the nearest valid ones.

    Fuzzy matching costs milliseconds per value: 50,000 distinct unknown nationalities would take
    minutes. Past ``limit`` unknowns, values are still looked up exactly but without suggestions,
    and ``unknown`` keeps counting so the report can say how many there were.
    """

    def __init__(self, limit: int | None):
        self.limit = limit
        self.unknown = 0
        self.matched = 0  # fuzzy searches run

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.unknown > self.limit

    def allow(self) -> bool:
        """Count one more unknown value; whether its nearest valid ones may still be searched."""
        self.unknown += 1
        if self.exhausted:
            return False
        self.matched += 1
        return True


def _with_budget(parse_one, v: str, budget: FuzzyBudget | None):
    """``parse_one(v, suggest)``: exact first; a fuzzy search only for an unknown value within the budget."""
    first = parse_one(v, False)
    if not isinstance(first, Failure) or first.code not in FUZZY_CODES or first.params.get("suggestions") != "—":
        return first
    return parse_one(v, True) if budget.allow() else first


def parse_territories(values: pd.Index, country: str, budget: FuzzyBudget | None = None) -> dict[str, str | Failure]:
    """Each distinct territory text -> code or failure (scoped to ``country``); fuzzy suggestions within ``budget``."""
    if budget is None:
        return {v: parse_territory(v, country) for v in values}
    return {v: _with_budget(lambda t, s: parse_territory(t, country, s), v, budget) for v in values}


def is_country_name_read_as_unit(text: str, code: str, country: str) -> bool:
    """Whether a name like ``Guatemala`` was read as the admin-1 unit that shares the country's name."""
    if code == country:
        return False
    key = normalise(text)
    return key in {normalise(geodata.name(country, "es")), normalise(geodata.name(country, "en"))}


def parse_counterpart(text: str, suggest: bool = True) -> str | Failure:
    """A partner country (ISO3), ``_X`` unknown/other, ``XXA`` stateless or ``_T`` all; or why not."""
    if normalise(text) in TOTAL_WORDS:
        return TOTAL
    try:
        code = geodata.resolve(text, suggest=suggest)
    except UnknownTerritoryError as err:
        return Failure(
            "counterpart_unknown",
            {"suggestions": _suggestion_text([s for s in err.suggestions if not s[0].count("-")] or err.suggestions)},
        )
    level = _gazetteer_maps()[0].get(code)
    if level == "admin1":
        return Failure("counterpart_not_country", {"code": code})
    if code == "_Z":
        return Failure("counterpart_unknown", {"suggestions": "_X"})
    return code


def parse_counterparts(values: pd.Index, budget: FuzzyBudget | None = None) -> dict[str, str | Failure]:
    if budget is None:
        return {v: parse_counterpart(v) for v in values}
    return {v: _with_budget(parse_counterpart, v, budget) for v in values}


def parse_categories(
    values: pd.Index, categories: dict[str, Category], lang: str = "es", budget: FuzzyBudget | None = None
) -> dict[str, str | Failure]:
    """Each distinct text -> category code (code, label or alias, es/en), or ``category_unknown``."""
    lookup = build_lookup(categories)
    valid = ", ".join(f"{c.code} ({c.label.es} / {c.label.en})" for c in categories.values())
    choices = sorted(lookup)
    out: dict[str, str | Failure] = {}
    for v in values:
        code = lookup.get(normalise(v))
        if code is not None:
            out[v] = code
            continue
        near = (
            process.extract(normalise(v), choices, scorer=fuzz.WRatio, limit=6)
            if budget is None or budget.allow()
            else []
        )
        codes = list(dict.fromkeys(lookup[k] for k, _score, _i in near))[:3]
        out[v] = Failure("category_unknown", {"valid": valid, "suggestions": ", ".join(codes) or "—"})
    return out


def parse_statuses(values: pd.Index, statuses: dict[str, Category]) -> dict[str, str | Failure]:
    """Each distinct status text -> code; empty means A (normal)."""
    lookup = build_lookup(statuses)
    valid = ", ".join(f"{c.code} ({c.label.es} / {c.label.en})" for c in statuses.values())
    return {
        v: "A" if not v.strip() else lookup.get(normalise(v)) or Failure("status_unknown", {"valid": valid})
        for v in values
    }


def parse_counts(texts: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(value, empty, not_numeric)`` for a column of count texts (vectorised).

    ``value`` is float (NaN where empty or unreadable). With ``decimal_comma`` (files not
    separated by commas), ``2,5`` is read as 2.5 so that the fractional check names it.
    Thousands separators are not guessed: ``1.234`` is 1.234, which the fractional check reports.
    """
    s = texts.str.strip()
    empty = s.eq("")
    if decimal_comma:
        s = s.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    value = pd.to_numeric(s.where(~empty), errors="coerce").astype("float64")
    value = value.where(~np.isinf(value))
    not_numeric = value.isna() & ~empty
    return value, empty, not_numeric


def find_control_characters(texts: pd.Series) -> pd.Series:
    """The first control or bidi-override character, or undecoded byte (U+F780-U+F7FF), per cell; NaN where none."""
    return texts.str.extract(
        "([\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\uf780-\uf7ff])", expand=False
    )
