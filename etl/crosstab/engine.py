"""Run a cross-tabulation: validate, aggregate in DuckDB, protect, add shares and rates.

``run_crosstab(con, spec)`` is the one entry point (the page, ``python -m etl query``
and the benchmark all call it). Rows are never pulled into pandas: DuckDB returns the
aggregated cells only, and everything after that works on the (small) table of cells.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from common.yamlfile import load_yaml
from etl.crosstab import sql as sqlgen
from etl.crosstab.catalogue import (
    NOT_APPLICABLE,
    OBSERVATIONS_TABLE,
    TOTAL,
    UNKNOWN,
    Catalogue,
    list_sources,
    load_catalogue,
    load_codelist,
    table_exists,
)
from etl.crosstab.disclosure import (
    DisclosureReport,
    DisclosureSettings,
    apply_disclosure_control,
    load_disclosure_settings,
)
from etl.crosstab.messages import CrosstabError, Problem, list_choices, message
from etl.crosstab.spec import (
    FILTER_PREFIX,
    QuerySpec,
    check_spec,
    dimension_additive,
    validate_confidential_filters,
    validate_spec,
)
from etl.pair_scope import PairScope, is_partial_cell, load_pair_scopes

SETTINGS_PATH = Path(__file__).resolve().with_name("settings.yaml")
AGE_CODE = re.compile(r"^Y(?:(\d+)T(\d+)|_LT(\d+)|_GE(\d+))$")  # Y15T24, Y_LT18, Y_GE65
SINGLE_YEAR_PERIOD = re.compile(r"^(\d{4})(-Q[1-4]|-\d{2})?$")  # 2024, 2024-Q1, 2024-03 (not 2015-2019)
SPECIAL_CODES = {
    TOTAL: "total",
    NOT_APPLICABLE: "code_not_applicable",
    UNKNOWN: "code_unknown",
    "XXA": "code_stateless",
}


@dataclass(frozen=True)
class EngineSettings:
    max_cells: int = 1_000_000
    population_measure: str = "population"
    population_datasets: tuple[str, ...] = ()
    per: int = 1000
    unit_factors: Mapping[str, float] = field(default_factory=lambda: {"persons": 1.0})


@functools.lru_cache(maxsize=4)
def load_engine_settings(path: Path = SETTINGS_PATH) -> EngineSettings:
    """``settings.yaml`` beside this module, checked."""
    raw = load_yaml(path) or {}
    pc = raw.get("per_capita") or {}
    max_cells, per = raw.get("max_cells"), pc.get("per")
    if not isinstance(max_cells, int) or max_cells < 1 or not isinstance(per, int) or per < 1:
        raise ValueError(f"{path}: max_cells and per_capita.per must be positive integers, got {max_cells!r}, {per!r}")
    factors = {str(k): float(v) for k, v in (pc.get("unit_factors") or {}).items()}
    if not factors or any(v <= 0 for v in factors.values()):
        raise ValueError(f"{path}: per_capita.unit_factors must map units to positive factors, got {factors!r}")
    return EngineSettings(
        max_cells, str(pc.get("measure") or "population"), tuple(pc.get("datasets") or ()), per, factors
    )


@dataclass(frozen=True)
class CrosstabResult:
    """One computed cross-tabulation.

    ``tidy`` has one row per cell: a column per dimension (``_T`` marks a total over it),
    ``value`` (NaN when missing, never 0), ``n`` (observations or records behind it),
    ``flags``, ``shown`` (False for totals computed only as share denominators),
    ``suppression`` ("", "primary", "complement", "secondary"), and ``share`` / ``per_capita``
    when asked.
    """

    spec: QuerySpec
    catalogue: Catalogue
    tidy: pd.DataFrame
    labels: Mapping[str, Mapping[str, tuple[str, str, int]]]
    datasets: tuple[str, ...]
    confidential: bool
    synthetic: bool
    disclosure: DisclosureReport | None = None
    notes: tuple[str, ...] = ()
    population_datasets: tuple[str, ...] = ()
    per: int = 1000
    zero_fill: bool = False
    unit: str = ""
    statuses: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # obs_status code -> names

    def label(self, dim: str, code: str, lang: str) -> str:
        """The name of ``code`` in dimension ``dim`` (``Total`` for ``_T``), in ``lang``."""
        es, en, _ = self.labels.get(dim, {}).get(code, (code, code, 0))
        return es if lang == "es" else en


def run_crosstab(
    con: duckdb.DuckDBPyConnection,
    spec: QuerySpec,
    *,
    max_cells: int | None = None,
    engine_settings: EngineSettings | None = None,
    disclosure_settings: DisclosureSettings | None = None,
) -> CrosstabResult:
    """Validate ``spec``, compute its table on ``con`` and return it; ``CrosstabError`` lists every problem."""
    settings = engine_settings or load_engine_settings()
    protection = disclosure_settings or load_disclosure_settings()
    catalogue = _open_catalogue(con, spec)
    check_spec(spec, catalogue)
    confidential = catalogue.is_confidential(spec.measures) or bool(
        set(catalogue.datasets_for(spec.measures)) & set(protection.confidential_datasets)
    )
    choices = load_filter_choices(con, spec, catalogue)
    check_filters(spec, choices, confidential)
    limit = min(max_cells or settings.max_cells, protection.max_cells if confidential else math.inf)
    tidy = compute_cells(con, spec, catalogue, int(limit))
    notes = list(_notes_for(spec, catalogue, tidy))
    labels = load_labels(con, catalogue, spec, tidy)
    tidy = sort_cells(tidy, spec.dims, labels)
    report = None
    if confidential:
        basis = "value" if catalogue.kind == "observations" else "n"
        protect = compute_complement_mask(con, spec, catalogue, tidy, choices, protection.threshold, settings.max_cells)
        tidy, report = apply_disclosure_control(tidy, spec.dims, protection, basis, protect)
    else:
        tidy = tidy.assign(suppression="")
    if spec.shares != "none":
        tidy = compute_shares(tidy, spec)
    population_datasets: tuple[str, ...] = ()
    if spec.per_capita:
        tidy, population_datasets = compute_per_capita(con, tidy, spec, catalogue, settings)
    used = (
        sorted({d for text in tidy["datasets"].dropna() for d in str(text).split(",") if d})
        if "datasets" in tidy
        else list(catalogue.datasets_for(spec.measures))
    )
    return CrosstabResult(
        spec,
        catalogue,
        tidy.reset_index(drop=True),
        labels,
        tuple(used or catalogue.datasets_for(spec.measures)),
        confidential,
        catalogue.is_synthetic(spec.measures),
        report,
        tuple(notes),
        population_datasets,
        settings.per,
        zero_fill=catalogue.kind == "microdata",
        unit=result_unit(spec, catalogue),
        statuses=load_codelist(con, "obs_statuses") if catalogue.kind == "observations" else {},
    )


def _open_catalogue(con: duckdb.DuckDBPyConnection, spec: QuerySpec) -> Catalogue:
    sources = [s.source_id for s in list_sources(con)]
    if spec.source not in sources:
        raise CrosstabError(
            [Problem("unknown_source", "source", {"value": spec.source, "valid": list_choices(sources)})]
        )
    return load_catalogue(con, spec.source)


def additivity(spec: QuerySpec, catalogue: Catalogue) -> dict[str, bool]:
    """For every shown dimension, whether totals over it are allowed (never for rates or context)."""
    measures_additive = all(catalogue.measures[m].additive for m in spec.measures)
    dims = catalogue.dimensions_for(spec.measures)
    return {d: measures_additive and dimension_additive(dims[d], spec, catalogue) for d in spec.dims}


def displayed_sets(spec: QuerySpec, additive: Mapping[str, bool]) -> list[tuple[str, ...]]:
    """The grouping sets the table shows (``build_grouping_sets`` without share denominators)."""
    shown = QuerySpec(**{**spec.__dict__, "shares": "none"})
    return sqlgen.build_grouping_sets(shown, additive)


def compute_cells(con: duckdb.DuckDBPyConnection, spec: QuerySpec, catalogue: Catalogue, limit: int) -> pd.DataFrame:
    """The aggregated cells of ``spec`` as a frame (see ``CrosstabResult.tidy``), before protection."""
    additive = additivity(spec, catalogue)
    sets = sqlgen.build_grouping_sets(spec, additive)
    build = sqlgen.build_observations_sql if catalogue.kind == "observations" else sqlgen.build_microdata_sql
    statement, params = build(spec, catalogue, sets, limit)
    tidy = con.execute(statement, params).df()
    if len(tidy) > limit:
        raise CrosstabError([Problem("too_many_cells", "rows/cols", {"max": limit})])
    for d in spec.dims:
        tidy[d] = tidy[d].astype(str)
    masks = [sqlgen.grouping_mask(spec.dims, s) for s in displayed_sets(spec, additive)]
    tidy["shown"] = tidy["_grouping"].isin(masks)
    tidy["value"] = tidy["value"].astype(float)
    tidy["flags"] = _cell_flags(
        tidy, spec, catalogue, load_pair_scopes(con) if catalogue.kind == "observations" else {}
    )
    return tidy


def _cell_side(tidy: pd.DataFrame, spec: QuerySpec, dim: str) -> list[str | None]:
    """Per cell, the one territory of ``dim`` it is for, or ``None`` when it sums over several."""
    if dim in spec.dims:
        return [None if v == TOTAL else v for v in tidy[dim]]
    codes = spec.filter_map.get(dim, ())
    return [codes[0] if len(codes) == 1 else None] * len(tidy)


def _cell_flags(
    tidy: pd.DataFrame, spec: QuerySpec, catalogue: Catalogue, scopes: Mapping[str, PairScope] | None = None
) -> list[str]:
    """Per cell: observation statuses other than A, ``p`` for a period only partly covered,
    ``a`` for a non-additive cell that several observations fall into, ``c`` for a total over the
    pairs of a dataset that keeps only pairs touching its scope (UN DESA, UNHCR: Americas and Spain)
    when the cell's territory is outside that scope (Germany's immigrants: American partners only)."""
    if catalogue.kind != "observations":
        return [""] * len(tidy)
    flags = [set(str(f).split(",")) - {"", "None", "nan"} for f in tidy["flags"].fillna("")]
    if scopes:
        refs, partners = _cell_side(tidy, spec, "ref_area"), _cell_side(tidy, spec, "counterpart_area")
        for i, (ref, partner, datasets) in enumerate(zip(refs, partners, tidy["datasets"])):
            if is_partial_cell(ref, partner, datasets, scopes):
                flags[i].add("c")
    if spec.granularity != "period" and "time_period" in spec.dims:
        partial = (tidy["time_period"] != TOTAL) & tidy["partial"].fillna(False).astype(bool)
        for i in np.flatnonzero(partial.to_numpy()):
            flags[i].add("p")
    if not all(catalogue.measures[m].additive for m in spec.measures):
        for i in np.flatnonzero((tidy["n"] > 1).to_numpy()):
            flags[i].add("a")
    return [",".join(sorted(f)) for f in flags]


def _notes_for(spec: QuerySpec, catalogue: Catalogue, tidy: pd.DataFrame) -> list[str]:
    notes = []
    additive = additivity(spec, catalogue)
    if spec.totals != "none" and spec.dims and not all(additive.values()):
        notes.append("note_totals_skipped")
    if catalogue.kind == "microdata":
        notes.append("note_zero_cells")
    if tidy.empty:
        notes.append("note_empty")
    if "flags" in tidy and tidy["flags"].str.contains("c", regex=False).any():
        notes.append("note_pair_scope")
    return notes


def load_filter_choices(con: duckdb.DuckDBPyConnection, spec: QuerySpec, catalogue: Catalogue) -> dict[str, list[str]]:
    """``{dim: codes}``: every code each filtered dimension takes in the data behind the query."""
    return {
        dim: load_dimension_codes(con, catalogue, spec.measures, dim, spec.granularity, spec.area_level)
        for dim, _ in spec.filters
    }


def validate_filter_codes(spec: QuerySpec, choices: Mapping[str, Sequence[str]]) -> list[Problem]:
    """A problem for each filter whose codes the data do not have, naming the valid ones."""
    problems = []
    for dim, codes in spec.filters:
        valid = list(choices.get(dim, ()))
        unknown = [c for c in codes if c not in set(valid)]
        if unknown:
            problems.append(
                Problem(
                    "unknown_code", f"{FILTER_PREFIX}{dim}", {"value": ", ".join(unknown), "valid": list_choices(valid)}
                )
            )
    return problems


def check_filters(spec: QuerySpec, choices: Mapping[str, Sequence[str]], confidential: bool) -> None:
    """Raise ``CrosstabError`` with every filter problem: unknown codes and, on confidential data,
    subsets of a dimension the table does not show (see ``validate_confidential_filters``)."""
    problems = validate_filter_codes(spec, choices)
    if confidential:
        problems += validate_confidential_filters(spec, choices)
    if problems:
        raise CrosstabError(problems)


def narrowing_filters(spec: QuerySpec, choices: Mapping[str, Sequence[str]]) -> list[tuple[str, tuple[str, ...]]]:
    """The filters that leave out at least one code the data have (a filter of every code narrows nothing)."""
    return [(dim, codes) for dim, codes in spec.filters if set(choices.get(dim, ())) - set(codes)]


def compute_complement_mask(
    con: duckdb.DuckDBPyConnection,
    spec: QuerySpec,
    catalogue: Catalogue,
    tidy: pd.DataFrame,
    choices: Mapping[str, Sequence[str]],
    threshold: int,
    limit: int,
) -> np.ndarray:
    """Per cell of ``tidy``: whether a table with fewer of ``spec``'s filters differs from it by a
    small number (1 to ``threshold - 1`` records, or persons for observations).

    For filters F and every non-empty subset R, the complement is the same cell in the
    table filtered by F without R, minus this cell: what anyone could get by subtracting
    two tables. Such a cell is suppressed (reason "complement"); see ``etl.crosstab.disclosure``.
    Record-level data: one DuckDB statement over the records. Observations: the tables
    with fewer filters are computed by the same engine (the total rules depend on the
    filters) and subtracted cell by cell; a table that could not be asked for (it fails
    validation, e.g. a stock without its one period) is skipped.
    """
    narrowing = narrowing_filters(spec, choices)
    if not narrowing or tidy.empty:
        return np.zeros(len(tidy), dtype=bool)
    if catalogue.kind == "microdata":
        small = _small_microdata_complements(con, spec, catalogue, tidy, narrowing, threshold)
    else:
        small = _small_observation_complements(con, spec, catalogue, tidy, narrowing, threshold, limit)
    keys = tidy[list(spec.dims)].itertuples(index=False, name=None) if spec.dims else [()] * len(tidy)
    return np.array([tuple(k) in small for k in keys], dtype=bool)


def _small_microdata_complements(
    con: duckdb.DuckDBPyConnection,
    spec: QuerySpec,
    catalogue: Catalogue,
    tidy: pd.DataFrame,
    narrowing: Sequence[tuple[str, tuple[str, ...]]],
    threshold: int,
) -> set[tuple[str, ...]]:
    """Keys of the cells with a small complement, from one DuckDB scan of the records."""
    present = {d: sorted(set(tidy[d]) - {TOTAL}) for d in spec.dims}
    sets = sqlgen.build_grouping_sets(spec, additivity(spec, catalogue))
    statement = sqlgen.build_microdata_complement_sql(spec, catalogue, sets, narrowing, present, threshold)
    return {tuple(str(v) for v in row[: len(spec.dims)]) for row in con.execute(statement).fetchall()}


def _small_observation_complements(
    con: duckdb.DuckDBPyConnection,
    spec: QuerySpec,
    catalogue: Catalogue,
    tidy: pd.DataFrame,
    narrowing: Sequence[tuple[str, tuple[str, ...]]],
    threshold: int,
    limit: int,
) -> set[tuple[str, ...]]:
    """Keys of the cells with a small complement: each table with fewer filters, minus this one."""
    dims = list(spec.dims)
    here = tidy[[*dims, "value"]] if dims else tidy[["value"]]
    small: set[tuple[str, ...]] = set()
    names = [d for d, _ in narrowing]
    for size in range(1, len(names) + 1):
        for removed in itertools.combinations(names, size):
            wider = QuerySpec(**{**spec.__dict__, "filters": tuple(f for f in spec.filters if f[0] not in removed)})
            if validate_spec(wider, catalogue):
                continue  # nobody can ask for that table
            try:
                cells = compute_cells(con, wider, catalogue, limit)
            except CrosstabError:
                continue  # larger than any table the engine returns
            merged = (
                here.merge(cells[[*dims, "value"]], on=dims, how="left", suffixes=("", "_wider"))
                if dims
                else here.assign(value_wider=cells["value"].iloc[0] if len(cells) else np.nan)
            )
            difference = (merged["value_wider"] - merged["value"]).to_numpy(dtype=float)
            hit = (difference > 0) & (difference < threshold)  # NaN compares False: missing is not small
            rows = merged[dims].itertuples(index=False, name=None) if dims else [()] * len(merged)
            small.update(tuple(k) for k, h in zip(rows, hit) if h)
    return small


def load_dimension_codes(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    measures: Sequence[str],
    dim: str,
    granularity: str,
    area_level: str,
) -> list[str]:
    """The codes dimension ``dim`` takes in the data behind ``measures`` (sorted; ``_T`` left out)."""
    statement, params = sqlgen.build_codes_sql(catalogue, measures, dim, granularity, area_level)
    return [str(r[0]) for r in con.execute(statement, params).fetchall() if r[0] is not None]


def load_code_labels(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, measures: Sequence[str], dim: str, codes: Sequence[str]
) -> dict[str, tuple[str, str, int]]:
    """``{code: (name_es, name_en, order)}`` for ``codes`` of one dimension (codes without a name keep
    the code itself, special codes get their SDMX meaning)."""
    named = {
        c: v
        for c, v in _names_for(con, catalogue, catalogue.dimensions_for(measures)[dim], codes).items()
        if c != TOTAL
    }  # a margin is the sum of the parts shown: always "Total"
    out = {}
    for code in codes:
        es, en, order = named.get(code, (None, None, None))
        if es is None:
            special = SPECIAL_CODES.get(code)
            es, en = (message(special, "es"), message(special, "en")) if special else _compound(code, named)
        out[code] = (es, en, order if order is not None else age_order(code))
    return out


def age_order(code: str) -> int:
    """A sort key that puts SDMX age codes in age order (``Y5T9`` before ``Y10T14``); 0 for other codes."""
    found = AGE_CODE.match(code)
    if not found:
        return 0
    low, high, under, over = found.groups()
    if under:
        return 1 + int(under)
    if over:
        return 1 + int(over) * 1000 + 999
    return 1 + int(low) * 1000 + int(high)


def _compound(code: str, named: Mapping[str, tuple]) -> tuple[str, str]:
    """Names of a compound code ``a+b`` from its parts (the code itself when a part is unknown)."""
    parts = code.split("+")
    if len(parts) > 1 and all(p in named for p in parts):
        return " + ".join(named[p][0] for p in parts), " + ".join(named[p][1] for p in parts)
    return code, code


def compute_shares(tidy: pd.DataFrame, spec: QuerySpec) -> pd.DataFrame:
    """``share``: each cell as a percentage of its row total, column total or the grand total.

    Hidden (NaN, with ``share_hidden`` giving the reason) where the cell or its
    denominator is suppressed, since a share and a published total reveal the cell.
    """
    keep = {"row": spec.rows, "col": spec.cols, "total": ()}[spec.shares]
    denominators = tidy[[*spec.dims, "value", "suppression"]].copy()
    for d in spec.dims:
        if d not in keep:
            denominators = denominators[denominators[d] == TOTAL]
    denominators = denominators.drop(columns=[d for d in spec.dims if d not in keep]).rename(
        columns={"value": "_denominator", "suppression": "_denominator_suppression"}
    )
    merged = (
        tidy.merge(denominators, on=list(keep), how="left")
        if keep
        else tidy.assign(
            _denominator=denominators["_denominator"].iloc[0] if len(denominators) else np.nan,
            _denominator_suppression=denominators["_denominator_suppression"].iloc[0] if len(denominators) else "",
        )
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = merged["value"] / merged["_denominator"].where(merged["_denominator"] != 0) * 100
    hidden = np.where(
        merged["suppression"] != "",
        merged["suppression"],
        np.where(merged["_denominator_suppression"].fillna("") != "", "secondary", ""),
    )
    merged["share"] = share.where(hidden == "")
    merged["share_hidden"] = hidden
    return merged.drop(columns=["_denominator", "_denominator_suppression"])


def compute_per_capita(
    con: duckdb.DuckDBPyConnection, tidy: pd.DataFrame, spec: QuerySpec, catalogue: Catalogue, settings: EngineSettings
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``per_capita``: value per ``settings.per`` inhabitants of the cell's territories in its year.

    A total over territories divides by the sum of the populations of the territories
    that have a value in it (the same other codes); a cell with no single year, or a
    territory without a population figure, gets NaN (never a guess).
    """
    if settings.population_measure not in catalogue.measures:
        raise CrosstabError(
            [Problem("per_capita_no_population", "per_capita", {"measure": settings.population_measure})]
        )
    areas = sorted({a for a in tidy["ref_area"] if a != TOTAL})
    if result_unit(spec, catalogue) not in settings.unit_factors:
        raise CrosstabError(
            [
                Problem(
                    "per_capita_unit",
                    "per_capita",
                    {"unit": result_unit(spec, catalogue), "valid": list_choices(sorted(settings.unit_factors))},
                )
            ]
        )
    population = load_population(con, areas, settings)
    used: set[str] = set()
    fixed_year = sorted({c[:4] for c in spec.filter_map.get("time_period", ())})

    def year_of(row: Mapping) -> str | None:
        if "time_period" in spec.dims:
            found = SINGLE_YEAR_PERIOD.match(row["time_period"])
            return found.group(1) if found else None
        return fixed_year[0] if len(fixed_year) == 1 else None

    others = [d for d in spec.dims if d != "ref_area"]
    parts: dict[tuple[str, ...], list[str]] = {}
    for row in tidy[(tidy["ref_area"] != TOTAL) & tidy["value"].notna()].to_dict("records"):
        parts.setdefault(tuple(row[d] for d in others), []).append(row["ref_area"])
    pops = []
    for row in tidy.to_dict("records"):
        year = year_of(row)
        cell_areas = parts.get(tuple(row[d] for d in others), []) if row["ref_area"] == TOTAL else [row["ref_area"]]
        found = [population.get((a, year)) for a in cell_areas] if year else [None]
        complete = bool(found) and all(f is not None for f in found)
        pops.append(float(sum(f[0] for f in found)) if complete else np.nan)
        used.update(f[1] for f in found if complete)
    out = tidy.assign(population=pops)
    rate = out["value"] * settings.unit_factors[result_unit(spec, catalogue)] / out["population"] * settings.per
    out["per_capita"] = rate.where(out["suppression"] == "")
    return out, tuple(sorted(used))


def result_unit(spec: QuerySpec, catalogue: Catalogue) -> str:
    """The one unit of the numbers behind ``spec`` (validation guarantees there is one)."""
    units = sorted(catalogue.units_for(spec.measures, spec.filter_map.get("dataset")))
    return units[0] if units else ""


def load_population(
    con: duckdb.DuckDBPyConnection, areas: Sequence[str], settings: EngineSettings
) -> dict[tuple[str, str], tuple[float, str]]:
    """``{(ref_area, year): (persons, dataset_id)}`` of annual total population, in persons.

    Per territory and year, the first dataset of ``settings.population_datasets`` that has
    the figure wins, then the others in dataset-id order (deterministic).
    """
    if not areas:
        return {}
    statement = (
        "SELECT ref_area, strftime(time_start, '%Y') AS year, value, unit, dataset_id FROM "
        f"{OBSERVATIONS_TABLE} WHERE measure = $measure AND freq = 'A' AND sex = '_T' AND age = '_T' "
        "AND value IS NOT NULL AND unit IN (SELECT unnest($units::VARCHAR[])) "
        "AND ref_area IN (SELECT unnest($areas::VARCHAR[])) "
        "QUALIFY row_number() OVER (PARTITION BY ref_area, year ORDER BY coalesce(list_position("
        "$prefs::VARCHAR[], dataset_id), 1000), dataset_id, time_period) = 1"
    )
    rows = con.execute(
        statement,
        {
            "prefs": list(settings.population_datasets),
            "measure": settings.population_measure,
            "areas": list(areas),
            "units": sorted(settings.unit_factors),
        },
    ).fetchall()
    return {(a, y): (float(v) * settings.unit_factors[u], d) for a, y, v, u, d in rows}


def load_labels(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, spec: QuerySpec, tidy: pd.DataFrame
) -> dict[str, dict[str, tuple[str, str, int]]]:
    """``{dim: {code: (name_es, name_en, order)}}`` for every code in the table, from the codelists."""
    return {
        d: load_code_labels(con, catalogue, spec.measures, d, sorted(pd.unique(tidy[d])) if d in tidy else [])
        for d in spec.dims
    }


def _names_for(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, dim, codes: Sequence[str]
) -> dict[str, tuple[str, str, int | None]]:
    if dim.role == "measure":
        return {c: (m.name.es, m.name.en, None) for c, m in catalogue.measures.items()}
    if dim.role == "dataset":
        return {c: (d.title.es, d.title.en, None) for c, d in catalogue.datasets.items()}
    if dim.role == "period":
        return {}
    if dim.codelist == "territories":
        return _territory_names(con, codes)
    if catalogue.kind == "microdata":
        rows = (
            con.execute(
                "SELECT code, name_es, name_en, sort FROM microdata_codes WHERE codelist = $c", {"c": dim.codelist}
            ).fetchall()
            if table_exists(con, "microdata_codes")
            else []
        )
        return {c: (es, en, s) for c, es, en, s in rows}
    if dim.codelist == "dimension_codes":
        if not table_exists(con, "dimension_codes"):
            return {}
        rows = con.execute(
            "SELECT code, name_es, name_en FROM dimension_codes WHERE dimension_id = $d", {"d": dim.dim_id}
        ).fetchall()
        return {c: (es, en, None) for c, es, en in rows}
    return {c: (es, en, None) for c, (es, en) in load_codelist(con, dim.codelist).items()}


def _territory_names(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> dict[str, tuple[str, str, None]]:
    names = {c: (es, en, None) for c, (es, en) in load_codelist(con, "territories").items()}
    missing = [c for c in codes if c not in names and c not in SPECIAL_CODES]
    if missing:
        gazetteer = _gazetteer_names()
        names.update({c: (*gazetteer[c], None) for c in missing if c in gazetteer})
    return names


@functools.lru_cache(maxsize=1)
def _gazetteer_names() -> dict[str, tuple[str, str]]:
    """Names of every territory from the gazetteer (for stores without a territories table)."""
    import geodata

    gaz = geodata.gazetteer()
    return {c: (es, en) for c, es, en in zip(gaz.geo_code, gaz.name_es, gaz.name_en)}


def sort_cells(tidy: pd.DataFrame, dims: Sequence[str], labels: Mapping[str, Mapping[str, tuple]]) -> pd.DataFrame:
    """Cells in a fixed order: by each dimension's codelist order, then code; totals last."""
    if not dims or tidy.empty:
        return tidy.reset_index(drop=True)
    ranks = []
    for d in dims:
        codes = pd.unique(tidy[d])
        ordered = sorted(codes, key=lambda c, d=d: (c == TOTAL, labels[d].get(c, ("", "", 0))[2], c))
        ranks.append(pd.Categorical(tidy[d], categories=ordered).codes)
    order = np.lexsort(ranks[::-1])
    return tidy.iloc[order].reset_index(drop=True)
