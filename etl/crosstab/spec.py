"""The query: which measures, which dimensions in rows and columns, filters and options.

A ``QuerySpec`` is plain data. It travels as a query string (the page's URL, the
``--url`` of ``python -m etl query``, the header of every download), so
``parse_query`` and ``dump_query`` are exact inverses. ``validate_spec`` checks it
against a source's catalogue and returns *every* problem at once, each naming the
valid choices; nothing reaches SQL before it passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from etl.crosstab.catalogue import OBSERVATIONS, TOTAL, Catalogue, Dimension
from etl.crosstab.messages import CrosstabError, Problem, list_choices

GRANULARITIES = ("period", "year", "quarter", "month")
# the engine and `etl query` also accept a US fiscal year (Oct-Sep, FY2023) for observations; the explorer page offers
# it once atlas/strings has explorer.opt_fiscal_year (then it can use OBSERVATION_GRANULARITIES)
OBSERVATION_GRANULARITIES = ("period", "year", "fiscal_year", "quarter", "month")
MICRODATA_GRANULARITIES = ("year", "quarter", "month")
AREA_LEVELS = ("country", "admin1")
TOTALS = ("none", "totals", "subtotals")
SHARES = ("none", "row", "col", "total")
MAX_DIMENSIONS = 5
FILTER_PREFIX = "f_"
OPTION_KEYS = ("source", "measure", "rows", "cols", "granularity", "area_level", "totals", "shares", "per_capita")
PERIOD_CODE = {
    "year": re.compile(r"^\d{4}$"),
    "fiscal_year": re.compile(r"^FY\d{4}$"),
    "quarter": re.compile(r"^\d{4}-Q[1-4]$"),
    "month": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
}


@dataclass(frozen=True)
class QuerySpec:
    """One cross-tabulation. Build it with ``build_spec`` so that lists are tuples and filters sorted."""

    measures: tuple[str, ...]
    rows: tuple[str, ...] = ()
    cols: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    source: str = OBSERVATIONS
    granularity: str = "year"
    area_level: str = "country"
    totals: str = "totals"
    shares: str = "none"
    per_capita: bool = False

    @property
    def dims(self) -> tuple[str, ...]:
        """Rows then columns: every dimension the table shows."""
        return self.rows + self.cols

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)


def build_spec(
    measures: Iterable[str],
    rows: Iterable[str] = (),
    cols: Iterable[str] = (),
    filters: Mapping[str, Iterable[str]] | None = None,
    **options: object,
) -> QuerySpec:
    """A normalised spec: tuples everywhere, filters sorted by dimension with sorted unique codes."""
    cleaned = tuple(
        sorted((dim, tuple(sorted({str(c) for c in codes}))) for dim, codes in (filters or {}).items() if codes)
    )
    return QuerySpec(tuple(measures), tuple(rows), tuple(cols), cleaned, **options)


EMPTY_LIST = "-"  # an explicitly empty list in a link (``rows=-``), as the page writes it


def _split(text: str | None) -> tuple[str, ...]:
    if (text or "").strip() == EMPTY_LIST:
        return ()
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _join(values: tuple[str, ...]) -> str:
    return ",".join(values) if values else EMPTY_LIST


def parse_query(query: Mapping[str, object] | str) -> QuerySpec:
    """A spec from a query string or mapping (``measure=a,b&rows=sex&f_age=Y0T14``).

    Keys the explorer does not use (``lang``, …) are ignored; a malformed value raises
    ``CrosstabError``. Whether names exist is ``validate_spec``'s job.
    """
    if isinstance(query, str):
        query = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    flat = {k: (v[-1] if isinstance(v, list | tuple) else v) for k, v in query.items()}
    flat = {k: "" if v is None else str(v) for k, v in flat.items()}
    problems = []
    per_capita_text = flat.get("per_capita", "0").strip().lower()
    if per_capita_text not in {"", "0", "1", "true", "false"}:
        problems.append(Problem("bad_flag", "per_capita", {"value": per_capita_text}))
    filters = {k[len(FILTER_PREFIX) :]: _split(v) for k, v in flat.items() if k.startswith(FILTER_PREFIX)}
    if problems:
        raise CrosstabError(problems)
    options = {k: flat[k].strip() for k in ("granularity", "area_level", "totals", "shares") if flat.get(k)}
    return build_spec(
        _split(flat.get("measure")),
        _split(flat.get("rows")),
        _split(flat.get("cols")),
        filters,
        source=flat.get("source", "").strip() or OBSERVATIONS,
        per_capita=per_capita_text in {"1", "true"},
        **options,
    )


def dump_query(spec: QuerySpec) -> dict[str, str]:
    """The spec as query parameters, every option explicit (so a link is unambiguous)."""
    out = {
        "source": spec.source,
        "measure": _join(spec.measures),
        "rows": _join(spec.rows),
        "cols": _join(spec.cols),
        "granularity": spec.granularity,
        "area_level": spec.area_level,
        "totals": spec.totals,
        "shares": spec.shares,
        "per_capita": "1" if spec.per_capita else "0",
    }
    out.update({f"{FILTER_PREFIX}{dim}": ",".join(codes) for dim, codes in spec.filters})
    return out


def query_string(spec: QuerySpec) -> str:
    """``dump_query`` as a URL query string (commas kept readable)."""
    return urlencode(dump_query(spec), safe=",")


def dimension_additive(dim: Dimension, spec: QuerySpec, catalogue: Catalogue) -> bool:
    """Whether a total over ``dim`` means something.

    Never across datasets (two sources may count the same people); over time only for
    flows (or record counts) in calendar periods, never for stocks (a stock is at a date).
    """
    if dim.role == "dataset":
        return False
    if dim.role == "period":
        if catalogue.kind == "microdata":
            return True
        kinds = {catalogue.measures[m].kind for m in spec.measures if m in catalogue.measures}
        return kinds == {"flow"} and spec.granularity != "period"
    return True


def validate_spec(spec: QuerySpec, catalogue: Catalogue) -> list[Problem]:
    """Every problem with ``spec`` against ``catalogue``; an empty list means it can run."""
    problems = [*_check_options(spec, catalogue), *_check_measures(spec, catalogue)]
    known = [m for m in spec.measures if m in catalogue.measures]
    dims = catalogue.dimensions_for(known)
    problems += _check_dimensions(spec, dims)
    problems += _check_filters(spec, dims)
    if not problems:
        problems += _check_one_period(spec, catalogue)
        problems += _check_shares(spec, catalogue, dims)
        problems += _check_per_capita(spec, catalogue)
    return problems


def check_spec(spec: QuerySpec, catalogue: Catalogue) -> None:
    """Raise ``CrosstabError`` with every problem of ``spec`` (nothing when it is valid)."""
    problems = validate_spec(spec, catalogue)
    if problems:
        raise CrosstabError(problems)


def validate_confidential_filters(spec: QuerySpec, choices: Mapping[str, Iterable[str]]) -> list[Problem]:
    """On confidential data, a filter on a dimension the table does not show keeps one code or all of them.

    A subset ("every port but one") would let anyone subtract two tables: the table
    without the filter minus the table with it is the one left out, a group that no
    threshold ever saw. One code (a slice) or every code (no filter) leaves differences
    that the complement rule checks (``etl.crosstab.disclosure``). A subset of a dimension that
    the table shows is fine: its cells are shown with their own protection. ``choices``
    gives every code each filtered dimension takes in the data behind the measures (not
    only under the other filters: the six ports of one country are a subset of all ports).
    """
    out = []
    for dim, codes in spec.filters:
        valid = set(choices.get(dim, ()))
        if dim in spec.dims or len(codes) <= 1 or (valid and valid <= set(codes)):
            continue
        out.append(
            Problem(
                "confidential_partial_filter",
                f"{FILTER_PREFIX}{dim}",
                {"dim": dim, "count": len(codes), "total": len(valid)},
            )
        )
    return out


def _check_options(spec: QuerySpec, catalogue: Catalogue) -> list[Problem]:
    granularities = MICRODATA_GRANULARITIES if catalogue.kind == "microdata" else OBSERVATION_GRANULARITIES
    out = []
    for key, value, valid in (
        ("granularity", spec.granularity, granularities),
        ("area_level", spec.area_level, AREA_LEVELS),
        ("totals", spec.totals, TOTALS),
        ("shares", spec.shares, SHARES),
    ):
        if value not in valid:
            out.append(Problem("unknown_option", key, {"value": value, "valid": list_choices(valid)}))
    return out


def _check_measures(spec: QuerySpec, catalogue: Catalogue) -> list[Problem]:
    if not spec.measures:
        return [Problem("no_measure", "measure", {"valid": list_choices(sorted(catalogue.measures))})]
    out = []
    for m in spec.measures:
        if m not in catalogue.measures:
            out.append(
                Problem("unknown_measure", "measure", {"value": m, "valid": list_choices(sorted(catalogue.measures))})
            )
    if len(set(spec.measures)) != len(spec.measures):
        out.append(Problem("duplicate_measure", "measure", {"value": ",".join(spec.measures)}))
    known = [catalogue.measures[m] for m in dict.fromkeys(spec.measures) if m in catalogue.measures]
    only = spec.filter_map.get("dataset")
    units = catalogue.units_for([m.measure for m in known], only)
    if len(units) > 1:
        shown = "; ".join(f"{unit}: {', '.join(pairs)}" for unit, pairs in sorted(units.items()))
        out.append(Problem("mixed_units", "measure", {"value": shown}))
    if "dataset" not in spec.dims:
        for m in known:
            several = catalogue.datasets_for([m.measure], only)
            if len(several) > 1:
                out.append(
                    Problem("several_datasets", "measure", {"value": m.measure, "datasets": list_choices(several)})
                )
    kinds = {m.kind for m in known}
    if len(kinds) > 1:
        out.append(Problem("mixed_kinds", "measure", {"value": ", ".join(f"{m.measure} ({m.kind})" for m in known)}))
    if len(known) > 1 and any(not m.additive for m in known):
        out.append(Problem("several_non_additive", "measure", {"value": ", ".join(m.measure for m in known)}))
    return out


def _check_dimensions(spec: QuerySpec, dims: Mapping[str, Dimension]) -> list[Problem]:
    out = []
    for where, names in (("rows", spec.rows), ("cols", spec.cols)):
        for name in names:
            if name not in dims:
                out.append(Problem("unknown_dimension", where, {"value": name, "valid": list_choices(sorted(dims))}))
    every = spec.rows + spec.cols
    dupes = sorted({d for d in every if every.count(d) > 1})
    if dupes:
        out.append(Problem("duplicate_dimension", "rows/cols", {"value": ", ".join(dupes)}))
    if len(every) > MAX_DIMENSIONS:
        out.append(Problem("too_many_dimensions", "rows/cols", {"count": len(every), "max": MAX_DIMENSIONS}))
    return out


def _check_filters(spec: QuerySpec, dims: Mapping[str, Dimension]) -> list[Problem]:
    out = []
    for dim, codes in spec.filters:
        where = f"{FILTER_PREFIX}{dim}"
        if dim not in dims:
            out.append(Problem("unknown_filter_dimension", where, {"value": dim, "valid": list_choices(sorted(dims))}))
            continue
        if TOTAL in codes:
            out.append(Problem("total_in_filter", where, {"total": TOTAL}))
        if dims[dim].role == "period" and spec.granularity in PERIOD_CODE:
            bad = [c for c in codes if not PERIOD_CODE[spec.granularity].match(c)]
            if bad:
                out.append(
                    Problem("bad_period_code", where, {"value": ", ".join(bad), "granularity": spec.granularity})
                )
    return out


def _check_one_period(spec: QuerySpec, catalogue: Catalogue) -> list[Problem]:
    """Stocks, rates and context figures are never added over time, and periods "as published"
    may overlap (a year and its months): without the period in the table, such a query must
    filter exactly one period."""
    if "time_period" in spec.dims or len(spec.filter_map.get("time_period", ())) == 1:
        return []
    if {catalogue.measures[m].kind for m in spec.measures} != {"flow"}:
        return [Problem("one_period_needed", "f_time_period", {})]
    if spec.granularity == "period" and catalogue.kind == "observations":
        return [Problem("published_periods_overlap", "f_time_period", {})]
    return []


def _check_shares(spec: QuerySpec, catalogue: Catalogue, dims: Mapping[str, Dimension]) -> list[Problem]:
    if spec.shares == "none":
        return []
    measures = [catalogue.measures[m] for m in spec.measures]
    if not all(m.additive for m in measures):
        return [Problem("shares_not_additive", "shares", {"value": ", ".join(m.measure for m in measures)})]
    summed = {"row": spec.cols, "col": spec.rows, "total": spec.dims}[spec.shares]
    blocked = [d for d in summed if not dimension_additive(dims[d], spec, catalogue)]
    if blocked:
        return [Problem("shares_over_non_additive", "shares", {"value": ", ".join(blocked)})]
    return []


def _check_per_capita(spec: QuerySpec, catalogue: Catalogue) -> list[Problem]:
    if not spec.per_capita:
        return []
    if catalogue.kind != "observations":
        return [Problem("per_capita_microdata", "per_capita", {})]
    out = []
    if not all(catalogue.measures[m].additive for m in spec.measures):
        out.append(Problem("per_capita_not_additive", "per_capita", {}))
    if "ref_area" not in spec.dims:
        out.append(Problem("per_capita_needs_area", "per_capita", {}))
    years = {c[:4] for c in spec.filter_map.get("time_period", ())}
    if "time_period" not in spec.dims and len(years) != 1:
        out.append(Problem("per_capita_needs_year", "per_capita", {}))
    return out
