"""What can be cross-tabulated: the sources, their measures, dimensions and datasets.

Two kinds of source share one explorer:

* ``observations``: the store's ``public_observations`` (one row per published number,
  SDMX-style dimensions; source-specific dimensions come from ``dataset_dimensions``);
* a record-level (microdata) dataset: one table per dataset, registered in
  ``microdata_tables`` / ``microdata_variables`` / ``microdata_measures`` (see
  ``etl.crosstab.microdata`` and docs/STORE.md, "Microdata").

The catalogue is the whitelist of every identifier that reaches SQL: a dimension or
measure that is not in it is reported to the user, never interpolated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb

from common.text import Bilingual
from etl.crosstab.messages import message
from etl.sqltools import IDENTIFIER, quote, table_columns, table_exists, validate_identifier  # noqa: F401 (re-exported)

OBSERVATIONS = "observations"
OBSERVATIONS_TABLE = "public_observations"
DATASETS_VIEW = "public_datasets"
TOTAL = "_T"
NOT_APPLICABLE = "_Z"
UNKNOWN = "_X"
KINDS = ("stock", "flow", "rate", "context")
ADDITIVE_KINDS = ("stock", "flow")
COUNTERPART_ROLES = ("origin", "nationality", "citizenship", "destination", "asylum_country")
# Column names of the tidy result that a dimension may not take.
RESERVED = frozenset(
    {
        "value",
        "n",
        "n_values",
        "partial",
        "flags",
        "datasets",
        "suppression",
        "share",
        "share_hidden",
        "per_capita",
        "population",
        "shown",
        "_grouping",
    }
)
OBS_DIM_COLUMNS = tuple(f"dim_{i}" for i in range(1, 6))
# Columns that identify one observation's series point (besides the value).
OBS_KEY_COLUMNS = (
    "dataset_id",
    "measure",
    "ref_area",
    "counterpart_area",
    "time_period",
    "sex",
    "age",
    *OBS_DIM_COLUMNS,
)


@dataclass(frozen=True)
class Dataset:
    """Provenance of one dataset, as ``public_datasets`` (or the microdata registry) states it."""

    dataset_id: str
    title: Bilingual  # ``dataset.title(lang)``
    publisher: str = ""
    licence: str = ""
    licence_url: str = ""
    attribution: str = ""
    retrieved: str = ""
    version: str = ""
    confidential: bool = False
    synthetic: bool = False


@dataclass(frozen=True)
class Measure:
    """A measure: what it counts, in which unit, whether it is a stock or a flow, where it comes from."""

    measure: str
    name: Bilingual  # ``measure.name(lang)``
    unit: str
    unit_text: Bilingual  # ``measure.unit_name(lang)``
    kind: str
    datasets: tuple[str, ...]
    aggregate: str = "sum"  # microdata: "count" (records) or "sum" (of ``column``)
    units: tuple[tuple[str, str], ...] = ()  # (dataset_id, unit) pairs the observations carry
    counterpart_role: str = ""  # what counterpart_area means: origin, nationality, destination …
    column: str = "value"
    definition: Bilingual = Bilingual("", "")

    def unit_name(self, lang: str) -> str:
        return self.unit_text.get(lang)

    @property
    def additive(self) -> bool:
        """Stocks and flows add up over categories; rates and context figures never do."""
        return self.kind in ADDITIVE_KINDS


@dataclass(frozen=True)
class Dimension:
    """A dimension that can go to rows, columns or a filter.

    ``column`` is the column that holds it (observations built-ins, microdata); a
    source-specific observations dimension lives in a different ``dim_k`` column per
    dataset, listed in ``by_dataset``. ``codelist`` says where its labels come from.
    """

    dim_id: str
    name: Bilingual  # ``dimension.name(lang)``
    role: str  # measure | dataset | territory | period | code
    codelist: str = ""
    column: str = ""
    by_dataset: tuple[tuple[str, str], ...] = ()
    has_totals: bool = False  # whether the source may publish "_T" rows for it


@dataclass(frozen=True)
class Source:
    """One thing the explorer can open: the observations, or one record-level dataset."""

    source_id: str
    title: Bilingual  # ``source.title(lang)``
    synthetic: bool = False
    confidential: bool = False
    records: int | None = None


@dataclass(frozen=True)
class Catalogue:
    """Measures, dimensions and datasets of one source: the whitelist for queries."""

    source: str
    kind: str  # observations | microdata
    table: str
    measures: dict[str, Measure]
    dimensions: dict[str, Dimension]
    datasets: dict[str, Dataset]
    date_column: str = ""
    weight_column: str = ""
    unit_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def datasets_for(self, measures: Iterable[str], only: Iterable[str] | None = None) -> tuple[str, ...]:
        """The datasets behind ``measures`` (sorted), within ``only`` when given (a dataset filter)."""
        out = {d for m in measures if m in self.measures for d in self.measures[m].datasets}
        return tuple(sorted(out & set(only))) if only else tuple(sorted(out))

    def dimensions_for(self, measures: Iterable[str]) -> dict[str, Dimension]:
        """The dimensions usable with ``measures``: every built-in one, and the source-specific
        ones of their datasets."""
        datasets = set(self.datasets_for(measures))
        out = {}
        for dim_id, dim in self.dimensions.items():
            if dim.by_dataset and not datasets & {d for d, _ in dim.by_dataset}:
                continue
            out[dim_id] = dim
        return out

    def units_for(self, measures: Iterable[str], only: Iterable[str] | None = None) -> dict[str, list[str]]:
        """``{unit: ["measure/dataset", ...]}`` of the observations behind ``measures`` (within ``only``)."""
        allowed = set(only) if only else None
        out: dict[str, list[str]] = {}
        for m in measures:
            for dataset_id, unit in self.measures[m].units if m in self.measures else ():
                if allowed is None or dataset_id in allowed:
                    out.setdefault(unit, []).append(f"{m}/{dataset_id}")
        return out

    def dimension_name(self, dim_id: str, measures: Iterable[str], lang: str) -> str:
        """The dimension's name for these measures: the counterpart says what it is (origin,
        nationality, destination …) when every measure gives it the same role."""
        dim = self.dimensions[dim_id]
        if dim_id == "counterpart_area":
            roles = {self.measures[m].counterpart_role for m in measures if m in self.measures}
            if len(roles) == 1 and (role := roles.pop()) in COUNTERPART_ROLES:
                return message(f"role_{role}", lang)
        return dim.name(lang)

    def unit_name(self, unit: str, lang: str) -> str:
        """The name of ``unit`` in ``lang`` (from the units codelist, else the code)."""
        es, en = self.unit_labels.get(unit, (unit, unit))
        return es if lang == "es" else en

    def is_confidential(self, measures: Iterable[str]) -> bool:
        return any(self.datasets[d].confidential for d in self.datasets_for(measures) if d in self.datasets)

    def is_synthetic(self, measures: Iterable[str]) -> bool:
        return any(self.datasets[d].synthetic for d in self.datasets_for(measures) if d in self.datasets)


def load_codelist(
    con: duckdb.DuckDBPyConnection, table: str, where: str = "", params: Mapping | None = None
) -> dict[str, tuple[str, str]]:
    """``{code: (name_es, name_en)}`` of a codelist table whose first column is the code.

    The store's codelists (``units``, ``sexes``, ``ages``, ``territories`` …) each start
    with their code column and carry ``name_es``/``name_en``; a missing table gives ``{}``.
    """
    if not table_exists(con, table):
        return {}
    cols = table_columns(con, table)
    if not {"name_es", "name_en"} <= set(cols):
        return {}
    sql = f"SELECT {quote(cols[0])}, name_es, name_en FROM {quote(table)} {where}"
    return {str(c): (es or str(c), en or str(c)) for c, es, en in con.execute(sql, params or {}).fetchall()}


def list_sources(con: duckdb.DuckDBPyConnection) -> list[Source]:
    """The observations first, then every registered record-level dataset (by id)."""
    out = [Source(OBSERVATIONS, Bilingual(message("source_observations", "es"), message("source_observations", "en")))]
    if not table_exists(con, "microdata_tables"):
        return out
    datasets = _load_datasets(con)
    rows = con.execute("SELECT dataset_id, synthetic, row_count FROM microdata_tables ORDER BY dataset_id").fetchall()
    for dataset_id, synthetic, row_count in rows:
        ds = datasets.get(dataset_id) or Dataset(dataset_id, Bilingual(dataset_id, dataset_id))
        out.append(Source(dataset_id, ds.title, bool(synthetic), ds.confidential, row_count))
    return out


def load_catalogue(con: duckdb.DuckDBPyConnection, source: str) -> Catalogue:
    """The catalogue of ``source`` (``observations`` or a microdata dataset id).

    Raises ``LookupError`` for a source the store does not have; callers validate the
    source name against ``list_sources`` first to give the user the list of valid ones.
    """
    if source == OBSERVATIONS:
        return _load_observations_catalogue(con)
    return _load_microdata_catalogue(con, source)


def _load_datasets(con: duckdb.DuckDBPyConnection) -> dict[str, Dataset]:
    view = DATASETS_VIEW if table_exists(con, DATASETS_VIEW) else "datasets"
    if not table_exists(con, view):
        return {}
    cols = set(table_columns(con, view))
    wanted = [
        "dataset_id",
        "title_es",
        "title_en",
        "publisher",
        "licence",
        "licence_url",
        "attribution",
        "retrieved",
        "version",
        "confidential",
        "synthetic",
    ]
    select = ", ".join(f"CAST({quote(c)} AS VARCHAR)" if c in cols else "NULL" for c in wanted)
    out = {}
    for row in con.execute(f"SELECT {select} FROM {quote(view)} ORDER BY dataset_id").fetchall():
        rec = dict(zip(wanted, row))
        rec = {k: ("" if v is None else v) for k, v in rec.items()}
        out[rec["dataset_id"]] = Dataset(
            rec["dataset_id"],
            Bilingual(rec["title_es"] or rec["dataset_id"], rec["title_en"] or rec["dataset_id"]),
            rec["publisher"],
            rec["licence"],
            rec["licence_url"],
            rec["attribution"],
            rec["retrieved"],
            rec["version"],
            _truthy(rec["confidential"]),
            _truthy(rec["synthetic"]),
        )
    return out


def _truthy(text: str) -> bool:
    return str(text).strip().lower() in {"true", "1", "yes", "t"}


def _builtin_dimension(dim_id: str, role: str, codelist: str, column: str, has_totals: bool = False) -> Dimension:
    return Dimension(
        dim_id,
        Bilingual(message(f"dim_{dim_id}", "es"), message(f"dim_{dim_id}", "en")),
        role,
        codelist,
        column,
        (),
        has_totals,
    )


def _load_observations_catalogue(con: duckdb.DuckDBPyConnection) -> Catalogue:
    if not table_exists(con, OBSERVATIONS_TABLE):
        raise LookupError(f"the store has no {OBSERVATIONS_TABLE} view: open it with etl.store.connect()")
    datasets = _load_datasets(con)
    found = con.execute(
        f"SELECT measure, dataset_id, list(DISTINCT unit ORDER BY unit) FROM {OBSERVATIONS_TABLE} "
        "GROUP BY ALL ORDER BY measure, dataset_id"
    ).fetchall()
    by_measure: dict[str, list[tuple[str, list[str]]]] = {}
    for code, dataset_id, observed_units in found:
        by_measure.setdefault(code, []).append((dataset_id, [u for u in observed_units if u]))
    units = load_codelist(con, "units")
    codelist = _measure_codelist(con)
    measures = {}
    for code, entries in by_measure.items():
        meta = codelist.get(code, {})
        pairs = tuple((d, u) for d, us in entries for u in us)
        unit = meta.get("unit") or (pairs[0][1] if pairs else "")
        unit_es, unit_en = units.get(unit, (unit, unit))
        measures[code] = Measure(
            code,
            Bilingual(meta.get("name_es") or code, meta.get("name_en") or code),
            unit,
            Bilingual(unit_es, unit_en),
            meta.get("kind") if meta.get("kind") in KINDS else "context",
            tuple(d for d, _ in entries),
            units=pairs,
            counterpart_role=meta.get("counterpart_role") or "",
            definition=Bilingual(meta.get("definition_es") or "", meta.get("definition_en") or ""),
        )
    dims = {
        "measure": _builtin_dimension("measure", "measure", "measures", "measure"),
        "dataset": _builtin_dimension("dataset", "dataset", "datasets", "dataset_id"),
        "ref_area": _builtin_dimension("ref_area", "territory", "territories", "ref_area"),
        "counterpart_area": _builtin_dimension(
            "counterpart_area", "territory", "territories", "counterpart_area", has_totals=True
        ),
        "time_period": _builtin_dimension("time_period", "period", "", "time_period"),
        "sex": _builtin_dimension("sex", "code", "sexes", "sex", has_totals=True),
        "age": _builtin_dimension("age", "code", "ages", "age", has_totals=True),
    }
    dims.update(_source_dimensions(con, set(datasets) | {d for m in measures.values() for d in m.datasets}, dims))
    return Catalogue(OBSERVATIONS, "observations", OBSERVATIONS_TABLE, measures, dims, datasets, unit_labels=units)


def _measure_codelist(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    if not table_exists(con, "measures"):
        return {}
    cols = table_columns(con, "measures")
    wanted = [
        c
        for c in ("measure", "name_es", "name_en", "unit", "kind", "counterpart_role", "definition_es", "definition_en")
        if c in cols
    ]
    rows = con.execute(f"SELECT {', '.join(quote(c) for c in wanted)} FROM measures").fetchall()
    return {r[0]: dict(zip(wanted, r)) for r in rows}


def _source_dimensions(
    con: duckdb.DuckDBPyConnection, dataset_ids: set[str], builtins: Mapping[str, Dimension]
) -> dict[str, Dimension]:
    """Source-specific dimensions from ``dataset_dimensions``: one per ``dimension_id``."""
    if not table_exists(con, "dataset_dimensions"):
        return {}
    rows = con.execute(
        'SELECT dataset_id, "column", dimension_id, name_es, name_en FROM dataset_dimensions '
        "ORDER BY dimension_id, dataset_id"
    ).fetchall()
    grouped: dict[str, list[tuple]] = {}
    for dataset_id, column, dim_id, name_es, name_en in rows:
        if dataset_id not in dataset_ids or column not in OBS_DIM_COLUMNS:
            continue
        if dim_id in builtins or dim_id in RESERVED or not IDENTIFIER.match(str(dim_id)):
            raise ValueError(
                f"dataset_dimensions: dimension_id {dim_id!r} of {dataset_id} clashes with a "
                f"built-in name or is not a plain identifier; rename it in its codelist"
            )
        grouped.setdefault(dim_id, []).append((dataset_id, column, name_es, name_en))
    out = {}
    for dim_id, entries in grouped.items():
        _, _, name_es, name_en = entries[0]
        out[dim_id] = Dimension(
            dim_id,
            Bilingual(name_es or dim_id, name_en or dim_id),
            "code",
            "dimension_codes",
            "",
            tuple((d, c) for d, c, _, _ in entries),
            has_totals=True,
        )
    return out


def _load_microdata_catalogue(con: duckdb.DuckDBPyConnection, dataset_id: str) -> Catalogue:
    if not table_exists(con, "microdata_tables"):
        raise LookupError(f"unknown source {dataset_id!r}: the store has no record-level datasets")
    row = con.execute(
        "SELECT table_name, date_column, weight_column FROM microdata_tables WHERE dataset_id = $d", {"d": dataset_id}
    ).fetchone()
    if row is None:
        raise LookupError(f"unknown source {dataset_id!r}")
    table, date_column, weight_column = (validate_identifier(row[0], "microdata table"), row[1] or "", row[2] or "")
    datasets = _load_datasets(con)
    ds = datasets.get(dataset_id) or Dataset(dataset_id, Bilingual(dataset_id, dataset_id))
    synthetic = bool(
        con.execute("SELECT synthetic FROM microdata_tables WHERE dataset_id = $d", {"d": dataset_id}).fetchone()[0]
    )
    ds = Dataset(**{**ds.__dict__, "synthetic": ds.synthetic or synthetic})
    measures = {}
    for r in con.execute(
        "SELECT measure, name_es, name_en, unit, unit_es, unit_en, kind, aggregate, column_name, "
        "definition_es, definition_en FROM microdata_measures WHERE dataset_id = $d ORDER BY sort, measure",
        {"d": dataset_id},
    ).fetchall():
        code, name_es, name_en, unit, unit_es, unit_en, kind, aggregate, column, def_es, def_en = r
        measures[code] = Measure(
            code,
            Bilingual(name_es, name_en),
            unit,
            Bilingual(unit_es, unit_en),
            kind,
            (dataset_id,),
            aggregate=aggregate,
            units=((dataset_id, unit),),
            column=validate_identifier(column, "measure column") if column else "",
            definition=Bilingual(def_es or "", def_en or ""),
        )
    dims = {}
    for column, dim_id, name_es, name_en, codelist, role in con.execute(
        "SELECT column_name, dimension_id, name_es, name_en, codelist, role FROM microdata_variables "
        "WHERE dataset_id = $d ORDER BY sort, dimension_id",
        {"d": dataset_id},
    ).fetchall():
        if dim_id in RESERVED:
            raise ValueError(f"microdata_variables: dimension_id {dim_id!r} is reserved")
        dims[validate_identifier(dim_id, "dimension")] = Dimension(
            dim_id, Bilingual(name_es, name_en), role, codelist or "", validate_identifier(column, "microdata column")
        )
    if date_column:
        dims["time_period"] = _builtin_dimension(
            "time_period", "period", "", validate_identifier(date_column, "date column")
        )
    unit_labels = {m.unit: (m.unit_text.es, m.unit_text.en) for m in measures.values()}
    return Catalogue(
        dataset_id, "microdata", table, measures, dims, {dataset_id: ds}, date_column, weight_column or "", unit_labels
    )
