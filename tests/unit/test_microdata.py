"""Record-level data: the SYNTHETIC generator, the reader, the layout in the store."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import geodata
from etl.crosstab.messages import CrosstabError
from etl.crosstab.microdata import (
    build_microdata_tables,
    load_codebook,
    read_microdata_file,
    validate_codebook,
)
from etl.crosstab.synthetic import build_synthetic_entry_exit, synthetic_file_name, write_synthetic_entry_exit
from etl.schema import DATASET_TYPES, ddl

N = 30_000


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> pd.DataFrame:
    path = write_synthetic_entry_exit(tmp_path_factory.mktemp("syn") / synthetic_file_name(N, 11), N, seed=11)
    return pd.read_parquet(path).astype(
        {
            c: str
            for c in (
                "movement",
                "country",
                "port",
                "port_type",
                "nationality",
                "sex",
                "age_group",
                "residence",
                "purpose",
            )
        }
    )


def test_the_generator_is_deterministic():
    first = pa.concat_tables(build_synthetic_entry_exit(5_000, seed=3))
    second = pa.concat_tables(build_synthetic_entry_exit(5_000, seed=3))
    other = pa.concat_tables(build_synthetic_entry_exit(5_000, seed=4))
    assert first.equals(second) and not first.equals(other)


def test_every_code_is_in_the_codebook(records):
    book = load_codebook()
    for variable in book.datasets[0].variables:
        if variable.codelist == "territories":
            valid = set(geodata.gazetteer().geo_code) | {"_Z", "_X", "XXA"}
        else:
            valid = {e["code"] for e in book.codelists[variable.codelist]}
        assert set(records[variable.column]) <= valid, variable.column


def test_records_are_consistent(records):
    ports = pd.DataFrame(load_codebook().codelists["port_of_entry"]).set_index("code")
    assert (ports.loc[records.port, "country"].to_numpy() == records.country.to_numpy()).all()
    assert (ports.loc[records.port, "type"].to_numpy() == records.port_type.to_numpy()).all()
    residents = records.residence != "_Z"
    gaz = geodata.gazetteer()
    iso2 = dict(zip(gaz.geo_code, gaz.iso2))
    assert (records.loc[residents, "residence"].str[:2] == records.loc[residents, "country"].map(iso2)).all()
    assert not records.loc[~residents, "purpose"].eq("RES").any()
    assert records.record_id.is_unique and records.record_id.min() == 1


def test_records_look_like_entry_and_exit_records(records):
    year = pd.to_datetime(records.date).dt.year
    month = pd.to_datetime(records.date).dt.month
    assert year.between(2019, 2024).all()
    assert (year == 2020).sum() < 0.6 * (year == 2019).sum()  # the 2020 closures
    assert (month == 12).sum() > 1.3 * (month == 9).sum()  # seasonality
    top = records[records.country == "CRI"].nationality.value_counts()
    assert top.index[0] == "CRI" and "NIC" in top.index[:4]  # own nationals, then neighbours
    assert records.country.value_counts().index[0] == "MEX"
    assert 0.4 < (records.sex == "F").mean() < 0.55


def test_the_file_says_synthetic(tmp_path):
    path = write_synthetic_entry_exit(tmp_path / synthetic_file_name(100, 1), 100, seed=1)
    assert "synthetic" in path.name
    assert pq.read_schema(path).metadata[b"synthetic"] == b"true"


def _store_with_datasets() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(ddl("datasets", DATASET_TYPES))
    return con


def test_build_creates_the_layout_and_registers_provenance(tmp_path):
    con = _store_with_datasets()
    summary = build_microdata_tables(con, synthetic_records=2_000, workdir=tmp_path)
    assert summary == {"synthetic_entry_exit": 2_000}
    table, rows, synthetic = con.execute("SELECT table_name, row_count, synthetic FROM microdata_tables").fetchone()
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows == 2_000 and synthetic
    title, confidential, version = con.execute(
        "SELECT title_en, confidential, version FROM datasets WHERE dataset_id = 'synthetic_entry_exit'"
    ).fetchone()
    assert title.startswith("SYNTHETIC") and confidential and version == 1
    assert con.execute("SELECT count(*) FROM microdata_codes WHERE codelist = 'port_of_entry'").fetchone()[0] == 73
    assert {r[0] for r in con.execute("SELECT dimension_id FROM microdata_variables").fetchall()} >= {
        "movement",
        "port",
        "nationality",
        "residence",
        "purpose",
    }


def test_the_synthetic_sample_is_left_out_unless_asked(tmp_path):
    con = _store_with_datasets()
    assert build_microdata_tables(con) == {"synthetic_entry_exit": "skipped"}
    assert con.execute("SELECT count(*) FROM microdata_tables").fetchone()[0] == 0


def _write_csv(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD = {
    "movement": "ENT",
    "country": "CRI",
    "port": "CRI-SJO",
    "port_type": "AIR",
    "nationality": "USA",
    "sex": "F",
    "age_group": "Y25T34",
    "residence": "_Z",
    "purpose": "TUR",
    "date": "2024-01-05",
}


def test_a_csv_file_is_read_by_duckdb(tmp_path):
    con = duckdb.connect()
    book = load_codebook()
    path = _write_csv(tmp_path / "records.csv", [GOOD, {**GOOD, "movement": "EXT"}])
    assert read_microdata_file(con, path, book.datasets[0], book) == 2
    assert con.execute("SELECT typeof(date) FROM microdata_synthetic_entry_exit LIMIT 1").fetchone()[0] == "DATE"


@pytest.mark.parametrize(
    "rows,key,fragment",
    [
        ([{k: v for k, v in GOOD.items() if k != "purpose"}], "microdata_missing_columns", "purpose"),
        ([GOOD, {**GOOD, "port": "CRI-XXX"}, {**GOOD, "port": "CRI-XXX"}], "microdata_unknown_codes", "CRI-XXX ×2"),
        ([{**GOOD, "nationality": "Narnia"}], "microdata_unknown_codes", "Narnia"),
        ([{**GOOD, "date": None}], "microdata_empty_dates", "1"),
    ],
)
def test_a_bad_file_is_refused_whole_with_every_problem(tmp_path, rows, key, fragment):
    con = duckdb.connect()
    book = load_codebook()
    path = _write_csv(tmp_path / "records.csv", rows)
    with pytest.raises(CrosstabError) as err:
        read_microdata_file(con, path, book.datasets[0], book)
    assert key in err.value.keys
    assert fragment in err.value.message("es") and fragment in err.value.message("en")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'microdata_%'").fetchone()[0] == 0


def test_codebook_problems_are_listed():
    problems = validate_codebook(
        {
            "datasets": [
                {
                    "dataset_id": "x",
                    "table": "bad name",
                    "variables": [{"column": "a", "dimension_id": "a", "codelist": "nowhere", "role": "code"}],
                    "measures": [{"measure": "m", "aggregate": "avg", "kind": "rate"}],
                }
            ],
            "codelists": {},
        }
    )
    text = " | ".join(problems)
    for fragment in ("title_es", "licence", "generator", "'bad name'", "nowhere", "aggregate", "kind"):
        assert fragment in text
