"""The store: one DuckDB file with every vendored source, harmonised and cited (``docs/STORE.md``).

``build()`` reads every source in ``etl/sources``, writes all tables into a temporary file,
checks the result, and only then makes it a new immutable version (``etl.versions``:
``data/store/versions/<id>/``) and points ``data/store/CURRENT`` at it; a failed build (a changed
column, an unknown code...) leaves the served versions untouched. With an explicit path (or
``$ATLAS_STORE``) it writes that one file instead, swapped in with ``os.replace``.
``connect()`` opens the store read-only with the public views that pages use: the version this
run or request was pinned to (``pin_run_version``), else the one CURRENT names.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

import geodata
from etl import schema, versions
from etl.codelist import COMPOUND_SEPARATOR, Codelists, compound_names, load_codelists
from etl.pair_scope import build_pair_scope_tables
from etl.periods import US_FISCAL_YEAR_SQL
from etl.sources import Source, discover_sources
from etl.versions import compute_sha256
from geodata import paths

TERRITORY_COLUMNS = [
    "geo_code",
    "level",
    "parent_code",
    "name_es",
    "name_en",
    "iso2",
    "iso_numeric",
    "subregion",
    "in_network",
    "has_geometry",
    "status",
    "note_es",
    "note_en",
]
# Casts applied to the published parquet files so that the public views keep the store's types.
_CONTRACT_TYPES = {**schema.OBS_TYPES, **schema.DATASET_TYPES}
Tables = dict[str, tuple[dict[str, str] | None, pd.DataFrame]]  # name -> (declared column types or None, rows)
BuildStep = Callable[[duckdb.DuckDBPyConnection], None]  # adds tables to a store being built


class StoreBuildError(RuntimeError):
    """The sources were read but the result breaks the contract; the old store is kept."""


def store_path() -> Path:
    """The store file: ``$ATLAS_STORE``, else the served version's (``served_version``), else the
    unversioned ``data/atlas.duckdb`` (under ``$ATLAS_DATA_DIR``) of a store built before versions."""
    env = os.environ.get("ATLAS_STORE")
    if env:
        return Path(env)
    vid = served_version()
    return versions.version_dir(vid) / versions.STORE_FILE if vid else paths.data_dir() / "atlas.duckdb"


def served_version() -> str | None:
    """The store version reads use now: this run's or request's pin, else ``$ATLAS_STORE_VERSION``, else
    CURRENT (after a publish or withdrawal, a new version with the new published state). ``None`` when
    ``$ATLAS_STORE`` names a file or no versioned store was built yet."""
    if os.environ.get("ATLAS_STORE"):
        return None
    return versions.resolve_version(registry_dir() / "published")


def resolve_run_version() -> str | None:
    """The version a script run or an API request starting now reads (ignoring any pin left in this thread
    by an earlier run), recorded as served. Raises ``etl.versions.VersionNotFoundError`` when
    ``$ATLAS_STORE_VERSION`` names no kept version."""
    if os.environ.get("ATLAS_STORE"):
        return None
    vid = versions.resolve_version(registry_dir() / "published", follow_pin=False)
    if vid:
        versions.mark_served(vid)
    return vid


def pin_run_version() -> str | None:
    """Resolve the served version once, at the start of a script run, and pin it in the current context (the
    run's thread) so that every read of that run uses it, whatever CURRENT does meanwhile; returns it."""
    vid = resolve_run_version()
    versions.pin(vid)
    return vid


def published_dir() -> Path:
    """The published submissions that go with the store read now: the served version's snapshot, or the
    registry's live ``published/`` directory for an explicit or unversioned store."""
    vid = served_version()
    return versions.version_dir(vid) / "published" if vid else registry_dir() / "published"


def registry_dir() -> Path:
    """The submissions registry: ``$ATLAS_REGISTRY``, else ``data/registry``."""
    env = os.environ.get("ATLAS_REGISTRY")
    return Path(env) if env else paths.data_dir() / "registry"


def data_version() -> str:
    """A cheap fingerprint of everything public pages read: the store file, the published
    submissions and the built geometry. It changes when ``make data`` rebuilds them or when
    a submission is published or withdrawn (files are replaced, never edited in place).
    For a versioned store it is the served version's id plus the geometry's fingerprint."""
    vid = served_version()
    if vid:
        return f"{vid}|{_file_stamp(paths.geo_dir() / 'build.json')}"
    files = [
        store_path(),
        registry_dir() / "published" / "observations.parquet",
        registry_dir() / "published" / "datasets.parquet",
        paths.geo_dir() / "build.json",
    ]
    return "|".join(_file_stamp(f) for f in files)


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


# --- build -------------------------------------------------------------------------------------


@dataclass
class BuildReport:
    """What a build did: where, how long, how big, and per dataset its rows and notes."""

    path: Path
    version_id: str | None = None  # the new version CURRENT names (None: an explicit store file was built)
    seconds: float = 0.0
    size_bytes: int = 0
    datasets: list[dict] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)

    def to_text(self) -> str:
        """A plain-text report for the command line."""
        lines = [f"store: {self.path}"] + ([f"version: {self.version_id} (CURRENT)"] if self.version_id else [])
        lines += [f"built in {self.seconds:.1f} s, {self.size_bytes / 1e6:.1f} MB"]
        lines += [f"  table {name}: {rows:,} rows" for name, rows in self.tables.items()]
        for d in self.datasets:
            notes = ", ".join(f"{k}={v:,}" for k, v in d["notes"].items())
            lines.append(f"  {d['dataset_id']}: {d['rows']:,} observations" + (f" ({notes})" if notes else ""))
        return "\n".join(lines)


def build_territories() -> pd.DataFrame:
    """The ``territories`` table: the gazetteer without its alias lists."""
    return geodata.gazetteer()[TERRITORY_COLUMNS].copy()


def build_dataset_row(source: Source, row_count: int) -> dict:
    """One row of ``datasets`` from a source's metadata, its file checksum and its row count."""
    meta = source.meta
    row = {col: str(meta[col]) for col in schema.DATASET_COLUMNS if col in meta}
    row.update(
        sha256=compute_sha256(source.path),
        kind="source",
        status="published",
        version=1,
        confidential=False,
        row_count=row_count,
    )
    return {col: row.get(col) for col in schema.DATASET_COLUMNS}


def build_dataset_dimensions(sources: list[Source], lists: Codelists) -> pd.DataFrame:
    """``dataset_dimensions``: which dimension each dataset keeps in which ``dim_k`` column."""
    names = lists.dimensions.set_index("dimension_id")
    rows = []
    for source in sources:
        for column, dim_id in sorted(source.meta.get("dimensions", {}).items()):
            if column not in schema.DIM_COLUMNS:
                raise StoreBuildError(
                    f"{source.name}.yaml: dimensions key {column!r} is not one of {schema.DIM_COLUMNS}"
                )
            if dim_id not in names.index:
                raise StoreBuildError(
                    f"{source.name}.yaml: dimension {dim_id!r} is not in etl/codelists (known: {sorted(names.index)})"
                )
            rows.append(
                {
                    "dataset_id": source.dataset_id,
                    "column": column,
                    "dimension_id": dim_id,
                    "name_es": names.at[dim_id, "name_es"],
                    "name_en": names.at[dim_id, "name_en"],
                }
            )
    return pd.DataFrame(rows, columns=["dataset_id", "column", "dimension_id", "name_es", "name_en"])


def build_dimension_codes(lists: Codelists, used: pd.DataFrame) -> pd.DataFrame:
    """``dimension_codes`` plus the compound codes (``a+b``) that the observations use."""
    known = set(zip(lists.dimension_codes.dimension_id, lists.dimension_codes.code))
    extra = []
    for dim_id, code in used.itertuples(index=False):
        if (dim_id, code) not in known and COMPOUND_SEPARATOR in code and lists.is_compound(dim_id):
            es, en = compound_names(lists, dim_id, code)
            extra.append({"dimension_id": dim_id, "code": code, "name_es": es, "name_en": en})
    out = pd.concat(
        [lists.dimension_codes, pd.DataFrame(extra, columns=lists.dimension_codes.columns)], ignore_index=True
    )
    return out.sort_values(["dimension_id", "code"], ignore_index=True)


def read_sources(sources: list[Source]) -> tuple[list[pd.DataFrame], dict[str, list[pd.DataFrame]], list[dict]]:
    """Observations of every source, their extra tables, and per-dataset notes for the report."""
    observations, extra, notes = [], {}, []
    for source in sources:
        tables = source.read_tables()
        obs = tables.pop("observations")
        observations.append(obs)
        for name, frame in tables.items():
            extra.setdefault(name, []).append(frame)
        notes.append({"dataset_id": source.dataset_id, "rows": len(obs), "notes": obs.attrs.get("notes", {})})
    return observations, extra, notes


def write_tables(con: duckdb.DuckDBPyConnection, tables: Tables) -> None:
    """Create each table (with declared types when given) and bulk-insert its frame."""
    for name, (types, frame) in tables.items():
        con.register("_frame", frame)
        if types:
            con.execute(schema.ddl(name, types))
            con.execute(f"INSERT INTO {name} SELECT * FROM _frame")
        else:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")


def build_tables(sources: list[Source], lists: Codelists) -> tuple[Tables, list[dict]]:
    """Every table of the store, in memory, from the sources and codelists; and the per-dataset notes."""
    observations, extra, notes = read_sources(sources)
    obs = pd.concat(observations, ignore_index=True)
    counts = obs["dataset_id"].value_counts()
    datasets = pd.DataFrame([build_dataset_row(s, int(counts.get(s.dataset_id, 0))) for s in sources])
    dataset_dims = build_dataset_dimensions(sources, lists)
    used_dims = compute_used_dimension_codes(obs, dataset_dims)
    tables: Tables = {
        "observations": (schema.OBS_TYPES, obs),
        "datasets": (schema.DATASET_TYPES, datasets),
        "measures": (None, lists.measures),
        "units": (None, lists.units),
        "sexes": (None, lists.sexes),
        "ages": (None, lists.ages),
        "obs_statuses": (None, lists.obs_statuses),
        "dimensions": (None, lists.dimensions),
        "dimension_codes": (None, build_dimension_codes(lists, used_dims)),
        "dataset_dimensions": (None, dataset_dims),
        "territories": (None, build_territories()),
        "build_notes": (None, build_notes_table(notes)),
        "period_notes": (None, build_period_notes(sources)),
    }
    tables["pair_scopes"], tables["pair_scope_areas"] = (
        (None, t) for t in build_pair_scope_tables([s.meta for s in sources], admin1_parents())
    )
    for name, frames in extra.items():
        tables[name] = ({"mmp_incidents": schema.INCIDENT_TYPES}.get(name), pd.concat(frames, ignore_index=True))
    return tables, notes


def write_store(tmp: Path, tables: Tables, started: float, steps: Sequence[BuildStep] = ()) -> dict[str, int]:
    """Write and check every table in the file ``tmp``; returns the row count of each table.

    ``steps`` run on the open connection after the harmonised tables are written and before the
    contract is checked (e.g. the record-level tables of ``etl.crosstab.microdata``).
    Raises ``StoreBuildError`` listing every contract rule the result breaks.
    """
    with duckdb.connect(str(tmp)) as con:
        con.execute("SET enable_progress_bar = false")
        write_tables(con, tables)
        for step in steps:
            step(con)
        problems = validate_store(con)
        if problems:
            raise StoreBuildError("the harmonised store breaks the contract:\n  - " + "\n  - ".join(problems))
        write_build_info(con, started)
        return {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in tables}


def build(path: Path | str | None = None, steps: Sequence[BuildStep] = ()) -> BuildReport:
    """Build the store from scratch and return the report: a new version that CURRENT names
    (``etl.versions``), or the one file ``path`` (or ``$ATLAS_STORE``) when given.

    ``steps`` add tables on the new file before it is checked (``etl.pipeline.build_store`` adds
    the record-level tables this way; this module imports nothing above it).

    Everything is written into a temporary file, checked, then made a version (or swapped in
    with ``os.replace``). Raises ``SourceFormatError`` (a vendored file is not what its reader
    expects) or ``StoreBuildError`` (the harmonised result breaks the contract); either way
    the previous store is left intact. A versioned build then prunes old versions (``versions.prune``).
    """
    started = time.perf_counter()
    versioned = path is None and not os.environ.get("ATLAS_STORE")
    target = Path(path) if path else versions.store_root() / "atlas.duckdb" if versioned else store_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tables, notes = build_tables(discover_sources(), load_codelists())
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    vid = None
    try:
        _remove(tmp)
        sizes = write_store(tmp, tables, started, steps)
        if versioned:
            vid = versions.add_build_version(tmp, sizes, registry_dir() / "published")
            target = versions.version_dir(vid) / versions.STORE_FILE
            versions.prune()
        else:
            os.replace(tmp, target)
    finally:
        _remove(tmp)
    return BuildReport(
        path=target,
        version_id=vid,
        seconds=time.perf_counter() - started,
        size_bytes=target.stat().st_size,
        datasets=notes,
        tables=sizes,
    )


def _remove(tmp: Path) -> None:
    """Delete a temporary store file and its write-ahead log, if they exist."""
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)


def compute_used_dimension_codes(obs: pd.DataFrame, dataset_dims: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``(dimension_id, code)`` pairs the observations use, through ``dataset_dimensions``."""
    pairs = []
    for row in dataset_dims.itertuples(index=False):
        codes = obs.loc[obs["dataset_id"].eq(row.dataset_id), row.column].dropna().unique()
        pairs += [(row.dimension_id, code) for code in codes]
    return pd.DataFrame(sorted(set(pairs)), columns=["dimension_id", "code"])


def admin1_parents() -> dict[str, str]:
    """``{admin-1 code: country code}`` from the gazetteer."""
    gaz = geodata.gazetteer()
    a1 = gaz[gaz["level"] == "admin1"]
    return dict(zip(a1["geo_code"], a1["parent_code"]))


PERIOD_NOTE_COLUMNS = ("dataset_id", "time_period", "flag", "note_es", "note_en")


def build_period_notes(sources: list[Source]) -> pd.DataFrame:
    """``period_notes``: what a source says about some of its periods (``period_notes`` in its YAML), e.g.
    UNHCR 2025 = mid-year. ``flag`` is ``mid_year`` or ``partial`` (see ``etl.periods.build_period_status``)."""
    rows = []
    for source in sources:
        for period, note in (source.meta.get("period_notes") or {}).items():
            if note.get("flag") not in ("mid_year", "partial"):
                raise ValueError(
                    f"etl/sources/{source.name}.yaml: period_notes[{period!r}].flag must be mid_year "
                    f"or partial, got {note.get('flag')!r}"
                )
            rows.append(
                {
                    "dataset_id": source.dataset_id,
                    "time_period": str(period),
                    "flag": note["flag"],
                    "note_es": str(note.get("note_es", "")),
                    "note_en": str(note.get("note_en", "")),
                }
            )
    return pd.DataFrame(rows, columns=list(PERIOD_NOTE_COLUMNS)).astype(str)


def build_notes_table(notes: list[dict]) -> pd.DataFrame:
    """``build_notes``: one row per dataset and note (dropped aggregates, merged rows, placements...)."""
    rows = [{"dataset_id": d["dataset_id"], "note": k, "value": int(v)} for d in notes for k, v in d["notes"].items()]
    return pd.DataFrame(rows, columns=["dataset_id", "note", "value"]).astype({"value": "int64"})


def write_build_info(con: duckdb.DuckDBPyConnection, started: float) -> None:
    """``build_info``: when and how long the build ran."""
    info = {
        "built_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": f"{time.perf_counter() - started:.2f}",
        "duckdb": duckdb.__version__,
    }
    frame = pd.DataFrame(sorted(info.items()), columns=["key", "value"])
    write_tables(con, {"build_info": (None, frame)})


# --- validation of the written store (SQL, on the temporary file) -----------------------------

_CODE_CHECKS = [  # (observations column, codelist table, code column)
    ("measure", "measures", "measure"),
    ("unit", "units", "unit"),
    ("sex", "sexes", "sex"),
    ("age", "ages", "age"),
    ("obs_status", "obs_statuses", "obs_status"),
    ("ref_area", "territories", "geo_code"),
    ("counterpart_area", "territories", "geo_code"),
    ("freq", None, None),
]


def validate_store(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every contract rule the observations must meet; a list of plain problems (empty when all is well)."""
    problems = []
    for column, table, code in _CODE_CHECKS:
        if table is None:
            allowed = ", ".join(f"'{f}'" for f in schema.FREQS)
            sql = f"SELECT DISTINCT {column}, dataset_id FROM observations WHERE {column} NOT IN ({allowed})"
        else:
            sql = (
                f"SELECT DISTINCT o.{column}, o.dataset_id FROM observations o ANTI JOIN {table} t "
                f"ON o.{column} = t.{code}"
            )
        bad = con.execute(sql + " ORDER BY 1, 2 LIMIT 10").fetchall()
        if bad:
            problems.append(f"observations.{column} has codes missing from {table or 'the freq list'}: {bad}")
    bad = con.execute(
        "SELECT dataset_id, count(*) FROM observations WHERE (value IS NULL) <> (obs_status = 'M') "
        "OR isnan(value) GROUP BY ALL ORDER BY 1"
    ).fetchall()
    if bad:
        problems.append(f"value must be NULL exactly when obs_status = 'M': {bad}")
    key = ", ".join(schema.OBS_KEY)
    bad = con.execute(f"SELECT {key}, count(*) FROM observations GROUP BY ALL HAVING count(*) > 1 LIMIT 5").fetchall()
    if bad:
        problems.append(f"duplicate observation keys ({key}): {bad}")
    problems += _validate_dimensions(con)
    bad = con.execute("SELECT dataset_id FROM datasets WHERE row_count = 0 ORDER BY 1").fetchall()
    if bad:
        problems.append(f"datasets without observations: {[b[0] for b in bad]}")
    return problems


def _validate_dimensions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``dim_k`` values must be codes of the dimension their dataset names for that column."""
    problems = []
    for column in schema.DIM_COLUMNS:
        unused = con.execute(
            f"SELECT DISTINCT o.dataset_id FROM observations o ANTI JOIN dataset_dimensions d "
            f"ON o.dataset_id = d.dataset_id AND d.column = '{column}' WHERE o.{column} IS NOT NULL ORDER BY 1"
        ).fetchall()
        if unused:
            problems.append(f"{column} is set but dataset_dimensions names no dimension for it: {unused}")
        bad = con.execute(
            f"SELECT DISTINCT o.dataset_id, d.dimension_id, o.{column} FROM observations o "
            f"JOIN dataset_dimensions d ON o.dataset_id = d.dataset_id AND d.column = '{column}' "
            f"ANTI JOIN dimension_codes c ON c.dimension_id = d.dimension_id AND c.code = o.{column} "
            f"ORDER BY 1, 2, 3 LIMIT 10"
        ).fetchall()
        if bad:
            problems.append(f"{column} has codes missing from dimension_codes: {bad}")
    return problems


# --- reading -----------------------------------------------------------------------------------


def connect(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection with the TEMP views ``public_observations`` and ``public_datasets``.

    They union the store with the published submissions' ``observations.parquet`` and
    ``datasets.parquet`` when those files exist: the served version's snapshot of them, or the
    registry's ``published/`` directory for an explicit ``path`` or an unversioned store.
    Use one connection per operation: ``with etl.store.connect() as con: ...``. The TEMP macro
    ``us_fiscal_year(date)`` gives the US fiscal year of a date (October starts the next fiscal year).
    """
    if path:
        target, published = Path(path), registry_dir() / "published"
    else:
        vid = served_version()
        target = versions.version_dir(vid) / versions.STORE_FILE if vid else store_path()
        published = versions.version_dir(vid) / "published" if vid else registry_dir() / "published"
    if not target.exists():
        raise paths.DataNotBuiltError(
            f"{target} does not exist. Build the store with `make data` or `python -m etl build`."
        )
    con = duckdb.connect(str(target), read_only=True)
    create_public_view(con, "public_observations", "observations", published / "observations.parquet")
    create_public_view(con, "public_datasets", "datasets", published / "datasets.parquet")
    fiscal_year = US_FISCAL_YEAR_SQL.replace("time_start", "CAST(d AS DATE)")  # the one rule, etl.periods
    con.execute(f"CREATE OR REPLACE TEMP MACRO us_fiscal_year(d) AS {fiscal_year}")
    return con


def create_public_view(con: duckdb.DuckDBPyConnection, view: str, table: str, parquet: Path) -> None:
    """``view`` = ``table`` ∪ the parquet file (by column name, cast to the store's types) if it exists."""
    sql = f"SELECT * FROM {table}"
    if parquet.exists():
        literal = "'" + str(parquet).replace("'", "''") + "'"
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal})").fetchall()]
        select = ", ".join(
            f'CAST("{c}" AS {_CONTRACT_TYPES[c]}) AS "{c}"' if c in _CONTRACT_TYPES else f'"{c}"' for c in columns
        )
        sql += f" UNION ALL BY NAME SELECT {select} FROM read_parquet({literal})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {sql}")


def load_datasets(path: Path | str | None = None) -> pd.DataFrame:
    """``public_datasets`` as a frame, sorted by dataset_id."""
    with connect(path) as con:
        return con.execute("SELECT * FROM public_datasets ORDER BY dataset_id").df()


def dump_report(report: BuildReport) -> str:
    """The report as JSON (for scripts)."""
    return json.dumps(
        {
            "path": str(report.path),
            "version_id": report.version_id,
            "seconds": round(report.seconds, 2),
            "size_bytes": report.size_bytes,
            "tables": report.tables,
            "datasets": report.datasets,
        },
        indent=2,
        sort_keys=True,
    )
