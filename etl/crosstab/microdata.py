"""Record-level (microdata) datasets in the store: layout, reader, build.

Layout (docs/STORE.md, "Microdata"): one DuckDB table per dataset, one row per record,
every variable a coded VARCHAR column without NULLs, the record's DATE, ``_period_month``
(INTEGER yyyymm, derived from the date at load so that periods group without date
functions) and, for weighted surveys, a DOUBLE weight. Four registry tables describe them:

* ``microdata_tables``: dataset id, table name, date and weight columns, rows, synthetic flag;
* ``microdata_variables``: which column is which dimension, its names and codelist;
* ``microdata_measures``: what can be counted (records, or a sum of weights), unit, kind;
* ``microdata_codes``: the codelists the variables use (``territories`` lives in the store).

Provenance goes to the store's ``datasets`` table like any other dataset (with
``confidential``), so every number stays traceable. Files are read by DuckDB's own
readers (``read_parquet``, ``read_csv``) straight into the table: no pandas round trip.
The codebook is ``etl/crosstab/microdata.yaml``.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

import geodata
from common.text import Bilingual
from common.yamlfile import load_yaml
from etl.crosstab.messages import CrosstabError, Problem, list_choices
from etl.sqltools import IDENTIFIER, MONTH_KEY, quote, table_columns, table_exists
from geodata import paths

CODEBOOK_PATH = Path(__file__).resolve().with_name("microdata.yaml")
SPECIAL_TERRITORIES = ("_X", "_Z", "XXA")
ROLES = ("code", "territory")
REGISTRY_DDL = (
    """CREATE TABLE IF NOT EXISTS microdata_tables (
        dataset_id VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL, date_column VARCHAR,
        weight_column VARCHAR, row_count BIGINT NOT NULL, synthetic BOOLEAN NOT NULL,
        source_file VARCHAR, sha256 VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS microdata_variables (
        dataset_id VARCHAR NOT NULL, column_name VARCHAR NOT NULL, dimension_id VARCHAR NOT NULL,
        name_es VARCHAR NOT NULL, name_en VARCHAR NOT NULL, codelist VARCHAR NOT NULL, role VARCHAR NOT NULL,
        sort INTEGER NOT NULL, PRIMARY KEY (dataset_id, dimension_id))""",
    """CREATE TABLE IF NOT EXISTS microdata_measures (
        dataset_id VARCHAR NOT NULL, measure VARCHAR NOT NULL, aggregate VARCHAR NOT NULL, column_name VARCHAR,
        unit VARCHAR NOT NULL, unit_es VARCHAR NOT NULL, unit_en VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        name_es VARCHAR NOT NULL, name_en VARCHAR NOT NULL, definition_es VARCHAR, definition_en VARCHAR,
        sort INTEGER NOT NULL, PRIMARY KEY (dataset_id, measure))""",
    """CREATE TABLE IF NOT EXISTS microdata_codes (
        codelist VARCHAR NOT NULL, code VARCHAR NOT NULL, name_es VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
        sort INTEGER NOT NULL, PRIMARY KEY (codelist, code))""",
)


@dataclass(frozen=True)
class Variable:
    column: str
    dimension_id: str
    codelist: str
    role: str
    name: Bilingual  # from the codebook's name_es / name_en


@dataclass(frozen=True)
class MicrodataDataset:
    """One record-level dataset of the codebook."""

    dataset_id: str
    table: str
    variables: tuple[Variable, ...]
    measures: tuple[Mapping[str, str], ...]
    provenance: Mapping[str, object]
    date_column: str = ""
    weight_column: str = ""
    synthetic: bool = False
    confidential: bool = True
    file: str = ""
    generator: str = ""


@dataclass(frozen=True)
class Codebook:
    datasets: tuple[MicrodataDataset, ...]
    codelists: Mapping[str, tuple[Mapping[str, str], ...]]


def validate_codebook(raw: Mapping) -> list[str]:
    """Every problem of a codebook mapping (empty when it can be used)."""
    problems = []
    codelists = raw.get("codelists") or {}
    for i, ds in enumerate(raw.get("datasets") or []):
        where = f"datasets[{i}] ({ds.get('dataset_id', '?')})"
        for key in ("dataset_id", "table", "title_es", "title_en", "licence", "variables", "measures"):
            if not ds.get(key):
                problems.append(f"{where}: missing {key}")
        if not (ds.get("file") or ds.get("generator")):
            problems.append(f"{where}: needs a vendored file or a generator")
        for name in (ds.get("table"), ds.get("date_column"), ds.get("weight_column")):
            if name and not IDENTIFIER.match(str(name)):
                problems.append(f"{where}: {name!r} is not a plain identifier")
        for v in ds.get("variables") or []:
            if not IDENTIFIER.match(str(v.get("column", ""))) or not IDENTIFIER.match(str(v.get("dimension_id", ""))):
                problems.append(f"{where}: variable {v} needs plain-identifier column and dimension_id")
            if v.get("role") not in ROLES:
                problems.append(f"{where}: variable {v.get('column')} has role {v.get('role')!r}; valid: {ROLES}")
            if v.get("codelist") != "territories" and v.get("codelist") not in codelists:
                problems.append(f"{where}: variable {v.get('column')} uses undefined codelist {v.get('codelist')!r}")
        for m in ds.get("measures") or []:
            if m.get("aggregate") not in ("count", "sum"):
                problems.append(f"{where}: measure {m.get('measure')} aggregate must be count or sum")
            if m.get("kind") not in ("stock", "flow"):
                problems.append(f"{where}: measure {m.get('measure')} kind must be stock or flow")
    return problems


@functools.lru_cache(maxsize=2)
def load_codebook(path: Path = CODEBOOK_PATH) -> Codebook:
    """The codebook in ``path``, checked (a ValueError lists every problem)."""
    raw = load_yaml(path) or {}
    problems = validate_codebook(raw)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    datasets = []
    for ds in raw["datasets"]:
        variables = tuple(
            Variable(v["column"], v["dimension_id"], v["codelist"], v["role"], Bilingual(v["name_es"], v["name_en"]))
            for v in ds["variables"]
        )
        keep = (
            "title_es",
            "title_en",
            "publisher",
            "licence",
            "licence_url",
            "attribution",
            "caveats_es",
            "caveats_en",
        )
        datasets.append(
            MicrodataDataset(
                ds["dataset_id"],
                ds["table"],
                variables,
                tuple(ds["measures"]),
                {k: ds.get(k, "") for k in keep},
                ds.get("date_column") or "",
                ds.get("weight_column") or "",
                bool(ds.get("synthetic")),
                bool(ds.get("confidential", True)),
                ds.get("file") or "",
                ds.get("generator") or "",
            )
        )
    codelists = {name: tuple(entries) for name, entries in (raw.get("codelists") or {}).items()}
    return Codebook(tuple(datasets), codelists)


def _reader(path: Path) -> str:
    """The DuckDB table function that reads ``path`` (its one argument is bound as ``$path``)."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "read_parquet($path)"
    if name.endswith((".csv", ".csv.gz", ".tsv")):
        return "read_csv($path, header = true, all_varchar = true)"
    raise CrosstabError([Problem("microdata_bad_format", str(path), {"valid": ".parquet, .csv, .csv.gz"})])


def _valid_codes(codebook: Codebook, codelist: str) -> set[str]:
    if codelist == "territories":
        return set(geodata.gazetteer().geo_code) | set(SPECIAL_TERRITORIES)
    return {str(e["code"]) for e in codebook.codelists[codelist]}


def read_microdata_file(
    con: duckdb.DuckDBPyConnection, path: Path, dataset: MicrodataDataset, codebook: Codebook
) -> int:
    """Load ``path`` into ``dataset.table`` with DuckDB's reader; check it; return the record count.

    Every problem is gathered (missing columns, unknown codes with counts and the valid
    ones, empty dates) and raised together as ``CrosstabError``; the table is then dropped,
    so a bad file leaves nothing behind.
    """
    path = Path(path)
    if not path.exists():
        raise CrosstabError([Problem("microdata_no_file", str(path), {})])
    reader = _reader(path)
    found = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}", {"path": str(path)}).fetchall()}
    wanted = [v.column for v in dataset.variables] + [c for c in (dataset.date_column, dataset.weight_column) if c]
    missing = [c for c in wanted if c not in found]
    if missing:
        raise CrosstabError(
            [
                Problem(
                    "microdata_missing_columns",
                    str(path),
                    {"value": ", ".join(missing), "valid": list_choices(sorted(found))},
                )
            ]
        )
    select = [f"CAST({quote(v.column)} AS VARCHAR) AS {quote(v.column)}" for v in dataset.variables]
    if dataset.date_column:
        date = f"CAST({quote(dataset.date_column)} AS DATE)"
        select.append(f"{date} AS {quote(dataset.date_column)}")
        select.append(f"CAST(year({date}) * 100 + month({date}) AS INTEGER) AS {MONTH_KEY}")
    if dataset.weight_column:
        select.append(f"CAST({quote(dataset.weight_column)} AS DOUBLE) AS {quote(dataset.weight_column)}")
    con.execute(
        f"CREATE OR REPLACE TABLE {quote(dataset.table)} AS SELECT {', '.join(select)} FROM {reader}",
        {"path": str(path)},
    )
    problems = validate_microdata_table(con, dataset, codebook, str(path))
    if problems:
        con.execute(f"DROP TABLE {quote(dataset.table)}")
        raise CrosstabError(problems)
    return int(con.execute(f"SELECT count(*) FROM {quote(dataset.table)}").fetchone()[0])


def validate_microdata_table(
    con: duckdb.DuckDBPyConnection, dataset: MicrodataDataset, codebook: Codebook, where: str
) -> list[Problem]:
    """Unknown or empty codes per variable, and empty dates, in a loaded table (one pass over it)."""
    columns = [quote(v.column) for v in dataset.variables]
    sets = ", ".join(f"({c})" for c in columns)
    rows = con.execute(
        f"SELECT {', '.join(columns)}, GROUPING({', '.join(columns)}) AS g, count(*) AS n "
        f"FROM {quote(dataset.table)} GROUP BY GROUPING SETS ({sets})"
    ).fetchall()
    n_vars = len(columns)
    found: dict[int, list[tuple[object, int]]] = {}
    for row in rows:
        *codes, g, n = row
        i = next(i for i in range(n_vars) if not g >> (n_vars - 1 - i) & 1)
        found.setdefault(i, []).append((codes[i], n))
    problems = []
    for i, v in enumerate(dataset.variables):
        valid = _valid_codes(codebook, v.codelist)
        bad = sorted(
            ((c, n) for c, n in found.get(i, []) if c is None or c not in valid), key=lambda cn: (-cn[1], str(cn[0]))
        )
        if bad:
            shown = ", ".join(f"{'(vacío/empty)' if c is None else c} ×{n}" for c, n in bad[:10])
            problems.append(
                Problem(
                    "microdata_unknown_codes",
                    f"{where} · {v.column}",
                    {"value": shown, "valid": list_choices(sorted(valid))},
                )
            )
    if dataset.date_column:
        empty = con.execute(
            f"SELECT count(*) FROM {quote(dataset.table)} WHERE {quote(dataset.date_column)} IS NULL"
        ).fetchone()[0]
        if empty:
            problems.append(Problem("microdata_empty_dates", f"{where} · {dataset.date_column}", {"count": empty}))
    return problems


def create_registry(con: duckdb.DuckDBPyConnection) -> None:
    """The four registry tables (kept if they exist)."""
    for ddl in REGISTRY_DDL:
        con.execute(ddl)


def register_codelists(con: duckdb.DuckDBPyConnection, codebook: Codebook) -> None:
    """Write the codebook's codelists to ``microdata_codes`` (replacing earlier versions)."""
    for name, entries in sorted(codebook.codelists.items()):
        con.execute("DELETE FROM microdata_codes WHERE codelist = $c", {"c": name})
        con.executemany(
            "INSERT INTO microdata_codes VALUES (?, ?, ?, ?, ?)",
            [(name, str(e["code"]), e["name_es"], e["name_en"], i) for i, e in enumerate(entries)],
        )


def register_dataset(con: duckdb.DuckDBPyConnection, dataset: MicrodataDataset, rows: int, source_file: Path) -> None:
    """Rows in ``microdata_tables`` / ``_variables`` / ``_measures`` and in the store's ``datasets``."""
    digest = _sha256(source_file)
    for table in ("microdata_tables", "microdata_variables", "microdata_measures"):
        con.execute(f"DELETE FROM {table} WHERE dataset_id = $d", {"d": dataset.dataset_id})
    con.execute(
        "INSERT INTO microdata_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dataset.dataset_id,
            dataset.table,
            dataset.date_column,
            dataset.weight_column,
            rows,
            dataset.synthetic,
            source_file.name,
            digest,
        ],
    )
    con.executemany(
        "INSERT INTO microdata_variables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (dataset.dataset_id, v.column, v.dimension_id, v.name.es, v.name.en, v.codelist, v.role, i)
            for i, v in enumerate(dataset.variables)
        ],
    )
    con.executemany(
        "INSERT INTO microdata_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                dataset.dataset_id,
                m["measure"],
                m["aggregate"],
                m.get("column") or "",
                m["unit"],
                m["unit_es"],
                m["unit_en"],
                m["kind"],
                m["name_es"],
                m["name_en"],
                m.get("definition_es", ""),
                m.get("definition_en", ""),
                i,
            )
            for i, m in enumerate(dataset.measures)
        ],
    )
    _register_provenance(con, dataset, rows, source_file, digest)


def _register_provenance(
    con: duckdb.DuckDBPyConnection, dataset: MicrodataDataset, rows: int, source_file: Path, digest: str
) -> None:
    """The dataset's row in the store's ``datasets`` table (only the columns that table has)."""
    if not table_exists(con, "datasets"):
        return
    origin = "generated by etl/crosstab/synthetic.py (SYNTHETIC)" if dataset.synthetic else str(source_file)
    values = {
        **dataset.provenance,
        "dataset_id": dataset.dataset_id,
        "origin": origin,
        "vendored_path": "" if dataset.generator else str(source_file),
        "sha256": digest,
        "kind": "source",
        "status": "published",
        "version": 1,
        "confidential": dataset.confidential,
        "row_count": rows,
        "synthetic": dataset.synthetic,
    }
    columns = [c for c in table_columns(con, "datasets") if c in values]
    con.execute("DELETE FROM datasets WHERE dataset_id = $d", {"d": dataset.dataset_id})
    con.execute(
        f"INSERT INTO datasets ({', '.join(quote(c) for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [values[c] for c in columns],
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_microdata_tables(
    con: duckdb.DuckDBPyConnection,
    synthetic_records: int = 0,
    workdir: Path | None = None,
    codebook: Codebook | None = None,
) -> dict[str, object]:
    """Create every record-level table of the codebook in ``con`` (a writable store connection).

    Datasets with a vendored ``file`` are read from ``vendor/``. The SYNTHETIC entry/exit
    dataset is built only when ``synthetic_records > 0``: its file is generated into
    ``workdir`` (a temporary directory when None) and then loaded. Returns a summary
    ``{dataset_id: rows or "skipped"}``.
    """
    codebook = codebook or load_codebook()
    create_registry(con)
    register_codelists(con, codebook)
    summary: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="atlas_microdata_") as tmp:
        for dataset in codebook.datasets:
            if dataset.generator:
                if synthetic_records <= 0:
                    summary[dataset.dataset_id] = "skipped"
                    continue
                from etl.crosstab.synthetic import ensure_synthetic_entry_exit

                path = ensure_synthetic_entry_exit(Path(workdir or tmp), synthetic_records)
            else:
                path = paths.VENDOR / dataset.file
            rows = read_microdata_file(con, path, dataset, codebook)
            register_dataset(con, dataset, rows, path)
            summary[dataset.dataset_id] = rows
    return summary


def microdata_datasets(codebook: Codebook | None = None) -> Sequence[str]:
    """Ids of the record-level datasets the codebook declares."""
    return [d.dataset_id for d in (codebook or load_codebook()).datasets]
