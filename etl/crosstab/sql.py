"""SQL for DuckDB: one statement per cross-tabulation, values bound, identifiers whitelisted.

Every value a user chose (measure codes, dataset ids, filter codes, periods) is a bound
parameter (``$p0``, ``$p1`` …), except in the disclosure complement statement, which
inlines codes already checked against the data, quoted (see
``build_microdata_complement_sql``); every identifier comes from the catalogue and passes
``catalogue.quote``. Totals and subtotals are ``GROUPING SETS``; a cell that is a total
over a dimension carries the SDMX code ``_T`` in that dimension.

Observations need care that record-level data do not:

* a source may publish a total (``_T``) beside its parts (``F``, ``M``). For a dimension
  the table neither shows nor filters, the published total is kept where it exists and
  the parts are summed only where it does not, so nothing is counted twice;
* periods: an observation counts towards a year, quarter or month only when it lies
  inside it; where a series publishes both the period itself and finer periods, the
  period itself wins; stocks, rates and context figures are never summed over time. A
  cell is flagged ``partial`` when a dataset behind it does not cover its whole period
  (the first months of a year still in progress), judged from the dataset's first and
  last period, not from empty months (a month without incidents is not missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from etl.crosstab.catalogue import (
    NOT_APPLICABLE,
    OBS_DIM_COLUMNS,
    OBS_KEY_COLUMNS,
    TOTAL,
    Catalogue,
    Dimension,
    quote,
)
from etl.crosstab.spec import QuerySpec
from etl.periods import FISCAL_PREFIX, US_FISCAL_YEAR_SQL
from etl.sqltools import MONTH_KEY

# Per granularity: (period code, first day, last day, "lies inside one period") over observations.
_OBS_PERIOD = {
    "period": ("time_period", "time_start", "time_end", "TRUE"),
    "year": (
        "strftime(time_start, '%Y')",
        "make_date(year(time_start), 1, 1)",
        "make_date(year(time_start), 12, 31)",
        "year(time_start) = year(time_end)",
    ),
    # US fiscal year (October-September, named by the year it ends: FY2023 = Oct 2022-Sep 2023), from months
    "fiscal_year": (
        f"'{FISCAL_PREFIX}' || CAST({US_FISCAL_YEAR_SQL} AS VARCHAR)",
        f"make_date(CAST({US_FISCAL_YEAR_SQL} AS INTEGER) - 1, 10, 1)",
        f"make_date(CAST({US_FISCAL_YEAR_SQL} AS INTEGER), 9, 30)",
        f"{US_FISCAL_YEAR_SQL} = {US_FISCAL_YEAR_SQL.replace('time_start', 'time_end')}",
    ),
    "quarter": (
        "strftime(time_start, '%Y') || '-Q' || quarter(time_start)",
        "make_date(year(time_start), 3 * quarter(time_start) - 2, 1)",
        "last_day(make_date(year(time_start), 3 * quarter(time_start), 1))",
        "year(time_start) = year(time_end) AND quarter(time_start) = quarter(time_end)",
    ),
    "month": (
        "strftime(time_start, '%Y-%m')",
        "make_date(year(time_start), month(time_start), 1)",
        "last_day(time_start)",
        "year(time_start) = year(time_end) AND month(time_start) = month(time_end)",
    ),
}
# Per granularity for record-level data: an integer key per record, computed from the table's
# ``_period_month`` column (yyyymm, derived from the date at load), and its code per result row.
_MICRO_PERIOD = {
    "year": ("{c} // 100", "CAST({k} AS VARCHAR)"),
    "quarter": ("({c} // 100) * 10 + ({c} % 100 + 2) // 3", "printf('%04d-Q%d', {k} // 10, {k} % 10)"),
    "month": ("{c}", "printf('%04d-%02d', {k} // 100, {k} % 100)"),
}


class Params:
    """Bound parameters of one statement: ``add(value)`` returns its placeholder."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def add_list(self, values: Sequence[object], sql_type: str = "VARCHAR") -> str:
        return f"(SELECT unnest({self.add(list(values))}::{sql_type}[]))"


def build_grouping_sets(spec: QuerySpec, additive: Mapping[str, bool]) -> list[tuple[str, ...]]:
    """The grouping sets for the table, the margins it shows and the denominators of its shares.

    ``totals="totals"`` adds the grand margins of rows and columns; ``"subtotals"`` rolls
    each of them up level by level (``ROLLUP``), crossed. A set that would sum over a
    dimension that is not additive (see ``spec.dimension_additive``) is left out.
    """

    def levels(dims: tuple[str, ...]) -> list[tuple[str, ...]]:
        if spec.totals == "subtotals":
            return [dims[:i] for i in range(len(dims), -1, -1)]
        if spec.totals == "totals" and dims:
            return [dims, ()]
        return [dims]

    sets = [r + c for r in levels(spec.rows) for c in levels(spec.cols)]
    sets += {"row": [spec.rows], "col": [spec.cols], "total": [()], "none": []}[spec.shares]
    out: list[tuple[str, ...]] = []
    for s in sets:
        if s not in out and all(additive[d] for d in spec.dims if d not in s):
            out.append(s)
    return out


def _grouping_clause(sets: Sequence[tuple[str, ...]], spec: QuerySpec) -> str:
    """``GROUP BY`` the dimensions (one set: plain, which is faster) or their ``GROUPING SETS``."""
    if not spec.dims:
        return ""
    if list(sets) == [spec.dims]:
        return "GROUP BY " + ", ".join(quote(f"d_{d}") for d in spec.dims)
    rendered = ", ".join("(" + ", ".join(quote(f"d_{d}") for d in s) + ")" for s in sets)
    return f"GROUP BY GROUPING SETS ({rendered})"


def _inner_dims(spec: QuerySpec) -> list[str]:
    """The grouped columns and ``_grouping``, the bit mask of the dimensions a cell sums over
    (first dimension = highest bit), for the aggregating query."""
    cols = [quote(f"d_{d}") for d in spec.dims]
    mask = f"GROUPING({', '.join(cols)})" if cols else "0"
    return [*cols, f"{mask} AS _grouping"]


def _outer_dims(spec: QuerySpec, fmt: Mapping[str, str] | None = None) -> list[str]:
    """Codes per shown dimension (``_T`` where the cell sums over it), computed on the aggregated
    rows only, from ``_grouping``."""
    fmt = fmt or {}
    out = []
    n = len(spec.dims)
    for i, d in enumerate(spec.dims):
        col = quote(f"d_{d}")
        shown = fmt.get(d, "{k}").format(k=col)
        out.append(
            f"CASE WHEN _grouping & {1 << (n - 1 - i)} <> 0 THEN '{TOTAL}' ELSE CAST({shown} AS VARCHAR) END "
            f"AS {quote(d)}"
        )
    return [*out, "_grouping"]


def grouping_mask(dims: Sequence[str], grouping_set: Sequence[str]) -> int:
    """The ``_grouping`` value of cells in ``grouping_set`` (bits of the dimensions summed over)."""
    n = len(dims)
    return sum(1 << (n - 1 - i) for i, d in enumerate(dims) if d not in grouping_set)


def _obs_dim_expr(dim: Dimension, params: Params) -> str:
    if dim.role == "period":
        return "_period"
    if dim.by_dataset:
        cases = " ".join(f"WHEN {params.add(ds)} THEN {quote(col)}" for ds, col in dim.by_dataset)
        return f"coalesce(CASE dataset_id {cases} END, '{NOT_APPLICABLE}')"
    return f"coalesce({quote(dim.column)}, '{NOT_APPLICABLE}')"


def build_observations_sql(
    spec: QuerySpec, catalogue: Catalogue, sets: Sequence[tuple[str, ...]], limit: int
) -> tuple[str, dict[str, object]]:
    """The statement for a cross-tabulation of observations, and its parameters."""
    params = Params()
    measures = [catalogue.measures[m] for m in spec.measures]
    additive = all(m.additive for m in measures)
    code, p_start, p_end, fits = _OBS_PERIOD[spec.granularity]
    exact = "TRUE" if spec.granularity == "period" else f"(time_start = {p_start} AND time_end = {p_end})"
    flows_only = {m.kind for m in measures} == {"flow"}
    eligible = fits if flows_only else exact
    level = "contains(ref_area, '-')" if spec.area_level == "admin1" else "NOT contains(ref_area, '-')"
    dims = catalogue.dimensions_for(spec.measures)
    used = list(dict.fromkeys([*spec.dims, *spec.filter_map]))
    projections = ", ".join(f"{_obs_dim_expr(dims[d], params)} AS {quote('d_' + d)}" for d in used)
    conditions = [f"{quote('d_' + d)} <> '{TOTAL}'" for d in spec.dims]
    for d, codes in spec.filters:
        conditions.append(f"{quote('d_' + d)} IN {params.add_list(codes)}")
    ctes = [
        f"base0 AS (SELECT *, {code} AS _period, {p_start} AS _p_start, {p_end} AS _p_end, {exact} AS _exact, "
        "min(time_start) OVER (PARTITION BY dataset_id, measure) AS _covered_from, "
        "max(time_end) OVER (PARTITION BY dataset_id, measure) AS _covered_to "
        f"FROM {quote(catalogue.table)} WHERE measure IN {params.add_list(spec.measures)} AND {level} "
        f"AND {eligible})",
        f"base AS (SELECT *{', ' + projections if projections else ''} FROM base0"
        f"{' WHERE ' + ' AND '.join(conditions) if conditions else ''})",
    ]
    prev = "base"
    for i, column in enumerate(_total_bearing_columns(spec, catalogue, dims)):
        partition = ", ".join(quote(c) for c in OBS_KEY_COLUMNS if c != column)
        ctes.append(
            f"t{i} AS (SELECT * FROM {prev} QUALIFY coalesce({quote(column)}, '') = '{TOTAL}' OR NOT coalesce("
            f"bool_or(coalesce({quote(column)}, '') = '{TOTAL}') OVER (PARTITION BY {partition}), FALSE))"
        )
        prev = f"t{i}"
    if spec.granularity != "period" and flows_only:
        partition = ", ".join(quote(c) for c in OBS_KEY_COLUMNS if c != "time_period")
        ctes.append(
            f"tp AS (SELECT * FROM {prev} QUALIFY _exact OR NOT bool_or(_exact) OVER "
            f"(PARTITION BY {partition}, _period))"
        )
        prev = "tp"
    value = "sum(value)" if additive else "CASE WHEN count(*) = 1 THEN any_value(value) END"
    aggregates = [
        f"{value} AS value",
        "count(*) AS n",
        "count(value) AS n_values",
        "bool_or(_covered_from > _p_start OR _covered_to < _p_end) AS partial",
        "string_agg(DISTINCT obs_status, ',' ORDER BY obs_status) FILTER (WHERE obs_status <> 'A') AS flags",
        "string_agg(DISTINCT dataset_id, ',' ORDER BY dataset_id) AS datasets",
    ]
    inner = f"SELECT {', '.join([*_inner_dims(spec), *aggregates])} FROM {prev} {_grouping_clause(sets, spec)}"
    outer = [*_outer_dims(spec), "value", "n", "n_values", "partial", "flags", "datasets"]
    sql = (
        f"WITH {', '.join(ctes)}, cells AS ({inner}) SELECT {', '.join(outer)} FROM cells LIMIT {params.add(limit + 1)}"
    )
    return sql, params.values


def _total_bearing_columns(spec: QuerySpec, catalogue: Catalogue, dims: Mapping[str, Dimension]) -> list[str]:
    """Raw columns where a published ``_T`` may sit beside its parts and the table does not split them."""
    chosen = set(spec.dims) | set(spec.filter_map)
    out = [d.column for d in dims.values() if d.has_totals and d.column and d.dim_id not in chosen]
    datasets = set(catalogue.datasets_for(spec.measures))
    used_dim_columns = sorted({col for d in dims.values() for ds, col in d.by_dataset if ds in datasets})
    return out + [c for c in OBS_DIM_COLUMNS if c in used_dim_columns]


def build_microdata_sql(
    spec: QuerySpec, catalogue: Catalogue, sets: Sequence[tuple[str, ...]], limit: int
) -> tuple[str, dict[str, object]]:
    """The statement for a cross-tabulation of a record-level table, computed entirely in DuckDB."""
    params = Params()
    measure = catalogue.measures[spec.measures[0]]
    dims = catalogue.dimensions_for(spec.measures)
    used = list(dict.fromkeys([*spec.dims, *spec.filter_map]))
    key_expr, code_fmt = _MICRO_PERIOD[spec.granularity]
    projections = []
    for d in used:
        dim = dims[d]
        col = quote(dim.column)
        expr = key_expr.format(c=quote(MONTH_KEY)) if dim.role == "period" else col  # loaded without NULLs
        projections.append(f"{expr} AS {quote('d_' + d)}")
    if measure.aggregate == "sum":
        projections.append(f"{quote(measure.column)} AS _w")
    conditions = []
    for d, codes in spec.filters:
        if dims[d].role == "period":
            conditions.append(f"{quote('d_' + d)} IN {params.add_list(_period_keys(codes), 'INTEGER')}")
        else:
            conditions.append(f"{quote('d_' + d)} IN {params.add_list(codes)}")
    inner = f"SELECT {', '.join(projections) or '1 AS _one'} FROM {quote(catalogue.table)}"
    outer_where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    fmt = {d: code_fmt for d in spec.dims if dims[d].role == "period"}
    value = "sum(_w)" if measure.aggregate == "sum" else "count(*)"
    cells = (
        f"SELECT {', '.join([*_inner_dims(spec), f'CAST({value} AS DOUBLE) AS value', 'count(*) AS n'])} "
        f"FROM base{outer_where} {_grouping_clause(sets, spec)}"
    )
    sql = (
        f"WITH base AS ({inner}), cells AS ({cells}) SELECT {', '.join([*_outer_dims(spec, fmt), 'value', 'n'])} "
        f"FROM cells LIMIT {params.add(limit + 1)}"
    )
    return sql, params.values


def build_microdata_complement_sql(
    spec: QuerySpec,
    catalogue: Catalogue,
    sets: Sequence[tuple[str, ...]],
    narrowing: Sequence[tuple[str, tuple[str, ...]]],
    present: Mapping[str, Sequence[str]],
    threshold: int,
) -> str:
    """The cells of ``spec``'s table whose complement is small, computed in DuckDB in one scan.

    For the filters in ``narrowing`` (F) and every non-empty subset R of them, the
    complement of a cell is the same cell in the table filtered by F without R, minus the
    cell here: the records that pass the filters outside R but not all those in R. Each
    record gets a bit mask of the filters it passes; records are counted per cell and
    mask (``GROUPING SETS`` of the table, the mask added to each set), then per R on
    those few aggregated rows. Codes of a shown dimension that the table does not hold
    (``present``) are grouped as NULL: they count towards its totals but are no cell of
    it. Returns the shown dimensions' codes of every cell with a complement of 1 to
    ``threshold - 1`` records (a table without dimensions: one row when its one cell has).

    Unlike the other statements, the codes are inlined as SQL literals (``sql_literal``):
    DuckDB plans an ``IN`` list of constants as a fast in-list test per record, while a
    list of parameters, ``= ANY($list)`` or ``IN (SELECT unnest($list))`` take two to four
    times longer over 10 million records. Every code here was found in the data (the
    table's own cells, and filter codes checked by ``engine.check_filters``), and
    ``sql_literal`` quotes it.
    """
    dims = catalogue.dimensions_for(spec.measures)
    key_expr, code_fmt = _MICRO_PERIOD[spec.granularity]

    def column(d: str) -> str:
        return key_expr.format(c=quote(MONTH_KEY)) if dims[d].role == "period" else quote(dims[d].column)

    def codes_in(d: str, codes: Sequence[str]) -> str:
        values = _period_keys(codes) if dims[d].role == "period" else codes
        return "(" + ", ".join(sql_literal(v) for v in values) + ")" if values else "(NULL)"

    keys = [
        f"CASE WHEN {column(d)} IN {codes_in(d, present.get(d, ()))} THEN {column(d)} END AS {quote('d_' + d)}"
        for d in spec.dims
    ]
    bits = " + ".join(
        f"CASE WHEN {column(d)} IN {codes_in(d, codes)} THEN {1 << i} ELSE 0 END"
        for i, (d, codes) in enumerate(narrowing)
    )
    everything = (1 << len(narrowing)) - 1
    grouped = [[*(quote(f"d_{d}") for d in s), "_mask"] for s in sets] if spec.dims else [["_mask"]]
    level1 = (
        f"SELECT {', '.join(_inner_dims(spec))}, _mask, count(*) AS n FROM base WHERE _mask <> {everything} "
        f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(g) + ')' for g in grouped)})"
    )
    complements = []
    for r in range(1, everything + 1):
        keep = everything & ~r
        complements.append(f"coalesce(sum(n) FILTER (WHERE _mask & {keep} = {keep} AND _mask & {r} <> {r}), 0) AS c{r}")
    group_cols = [quote(f"d_{d}") for d in spec.dims] + ["_grouping"]
    level2 = f"SELECT {', '.join([*group_cols, *complements])} FROM level1 GROUP BY {', '.join(group_cols)}"
    fmt = {d: code_fmt for d in spec.dims if dims[d].role == "period"}
    n = len(spec.dims)
    in_table = [
        f"(_grouping & {1 << (n - 1 - i)} <> 0 OR {quote('d_' + d)} IS NOT NULL)" for i, d in enumerate(spec.dims)
    ]
    small = " OR ".join(f"c{r} BETWEEN 1 AND {int(threshold) - 1}" for r in range(1, everything + 1))
    where = " AND ".join([*in_table, f"({small})"])
    return (
        f"WITH base AS (SELECT {', '.join([*keys, f'{bits} AS _mask'])} FROM {quote(catalogue.table)}), "
        f"level1 AS ({level1}), level2 AS ({level2}) "
        f"SELECT {', '.join(_outer_dims(spec, fmt)[:n]) or '1 AS _cell'} FROM level2 WHERE {where}"
    )


def sql_literal(value: object) -> str:
    """A SQL literal for a code: integers as digits, anything else as a quoted string (``'`` doubled)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _period_keys(codes: Sequence[str]) -> list[int]:
    """Integer keys of period codes (``2024`` → 2024, ``2024-Q2`` → 20242, ``2024-03`` → 202403)."""
    out = []
    for c in codes:
        if "-Q" in c:
            out.append(int(c[:4]) * 10 + int(c[-1]))
        elif "-" in c:
            out.append(int(c[:4]) * 100 + int(c[5:7]))
        else:
            out.append(int(c))
    return out


def build_codes_sql(
    catalogue: Catalogue, measures: Sequence[str], dim_id: str, granularity: str, area_level: str
) -> tuple[str, dict[str, object]]:
    """``SELECT DISTINCT`` of the codes one dimension takes behind ``measures`` (``_T`` left out).

    Lighter than a cross-tabulation (no total rules): it lists what a filter can offer.
    """
    params = Params()
    dim = catalogue.dimensions_for(measures)[dim_id]
    if catalogue.kind == "microdata":
        if dim.role == "period":
            key_expr, code_fmt = _MICRO_PERIOD[granularity]
            key = key_expr.format(c=quote(MONTH_KEY))
            sql = (
                f"SELECT {code_fmt.format(k='k')} AS code FROM (SELECT DISTINCT {key} AS k FROM "
                f"{quote(catalogue.table)}) ORDER BY k"
            )
        else:
            sql = (
                f"SELECT DISTINCT CAST({quote(dim.column)} AS VARCHAR) AS code FROM {quote(catalogue.table)} ORDER BY 1"
            )
        return sql, params.values
    kinds = {catalogue.measures[m].kind for m in measures}
    code, p_start, p_end, fits = _OBS_PERIOD[granularity]
    exact = "TRUE" if granularity == "period" else f"(time_start = {p_start} AND time_end = {p_end})"
    level = "contains(ref_area, '-')" if area_level == "admin1" else "NOT contains(ref_area, '-')"
    expr = _obs_dim_expr(dim, params)
    sql = (
        f"SELECT DISTINCT code FROM (SELECT {expr} AS code FROM (SELECT *, {code} AS _period FROM "
        f"{quote(catalogue.table)} WHERE measure IN {params.add_list(measures)} AND {level} AND "
        f"{fits if kinds == {'flow'} else exact})) WHERE code <> '{TOTAL}' ORDER BY 1"
    )
    return sql, params.values
