"""A small store with the contract's schema, for the explorer's tests (SYNTHETIC test data).

Every number here is made up for tests and says so in its dataset title. The shapes are
the ones the engine must get right: a published total beside its parts (sex ``_T`` that
is not F + M), an annual figure beside the months of the same year, a partial year, a
missing observation (``M``), two datasets with the same measure, a rate, a population
for per-capita rates, a confidential dataset with small counts, a source-specific
dimension, and a SYNTHETIC record-level sample built by ``etl.crosstab.microdata``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

import geodata
from etl.crosstab.microdata import build_microdata_tables
from etl.periods import compute_period_bounds
from etl.schema import DATASET_TYPES, OBS_COLUMNS, OBS_TYPES, ddl

MICRODATA_RECORDS = 20_000

MEASURES = [
    # measure, name_es, name_en, unit, kind, counterpart_role
    ("migrant_stock", "Población migrante (prueba)", "Migrant stock (test)", "persons", "stock", "origin"),
    ("entries", "Entradas (prueba)", "Entries (test)", "events", "flow", "nationality"),
    ("exits", "Salidas (prueba)", "Exits (test)", "events", "flow", "nationality"),
    ("refugees", "Refugiados (prueba)", "Refugees (test)", "persons", "stock", "origin"),
    ("population", "Población (prueba)", "Population (test)", "persons", "stock", "none"),
    ("net_migration_rate", "Tasa de migración neta (prueba)", "Net migration rate (test)", "per_1000", "rate", "none"),
    ("returns", "Retornos (prueba)", "Returns (test)", "persons", "flow", "destination"),
    ("incidents", "Incidentes (prueba)", "Incidents (test)", "events", "flow", "none"),
]
UNITS = [
    ("persons", "personas", "persons"),
    ("events", "eventos", "events"),
    ("per_1000", "por 1000 habitantes", "per 1,000 population"),
    ("thousand_persons", "miles de personas", "thousand persons"),
]


def _value(*parts: object, low: int = 10, high: int = 5000) -> int:
    """A deterministic made-up count from the key (no randomness: tests can recompute it)."""
    h = 0
    for ch in "|".join(map(str, parts)):
        h = (h * 131 + ord(ch)) % 1_000_003
    return low + h % (high - low)


def _obs(
    dataset_id, measure, ref_area, period, freq, value, unit, counterpart="_Z", sex="_T", age="_T", status="A", **dims
) -> dict:
    start, end = compute_period_bounds(period, freq)
    row = {c: None for c in OBS_COLUMNS}
    row.update(
        dataset_id=dataset_id,
        measure=measure,
        ref_area=ref_area,
        counterpart_area=counterpart,
        time_period=period,
        freq=freq,
        time_start=start,
        time_end=end,
        sex=sex,
        age=age,
        value=value,
        unit=unit,
        obs_status=status,
        **dims,
    )
    return row


def build_observations() -> pd.DataFrame:
    """The SYNTHETIC test observations (see the module docstring for what each part tests)."""
    rows = []
    for area in ("CRI", "PAN", "MEX", "MX-CMX", "MX-JAL"):
        for year in ("2020", "2024"):
            for origin in ("NIC", "COL", "VEN", "_X"):
                f, m = _value("s", area, year, origin, "F"), _value("s", area, year, origin, "M")
                rows.append(_obs("t_stock", "migrant_stock", area, year, "A", f, "persons", origin, "F"))
                rows.append(_obs("t_stock", "migrant_stock", area, year, "A", m, "persons", origin, "M"))
                rows.append(_obs("t_stock", "migrant_stock", area, year, "A", f + m + 7, "persons", origin, "_T"))
    months = [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)] + [f"2024-{m:02d}" for m in (1, 2, 3)]
    for area in ("CRI", "PAN"):
        for nat in ("COL", "VEN", "USA"):
            for comp in ("AIR", "LAND"):
                for month in months:
                    v = _value("e", area, nat, comp, month, high=900)
                    status = "E" if month == "2023-06" else "A"
                    if (area, nat, comp, month) == ("PAN", "USA", "LAND", "2023-07"):
                        rows.append(
                            _obs("t_flow", "entries", area, month, "M", None, "events", nat, status="M", dim_1=comp)
                        )
                        continue
                    rows.append(
                        _obs("t_flow", "entries", area, month, "M", v, "events", nat, status=status, dim_1=comp)
                    )
                    rows.append(
                        _obs(
                            "t_flow",
                            "exits",
                            area,
                            month,
                            "M",
                            _value("x", area, nat, comp, month, high=900),
                            "events",
                            nat,
                            dim_1=comp,
                        )
                    )
                # the 2022 annual total is published too (and differs from the sum of its months)
                rows.append(
                    _obs(
                        "t_flow",
                        "entries",
                        area,
                        "2022",
                        "A",
                        20_000 + _value("a", area, nat, comp),
                        "events",
                        nat,
                        dim_1=comp,
                    )
                )
    for nat in ("COL", "VEN"):
        rows.append(_obs("t_flow2", "entries", "CRI", "2023", "A", _value("f2", nat), "events", nat))
    # sparse events: months without incidents are not stored, and are not "missing"
    for area, month, v in (("CRI", "2023-01", 3), ("PAN", "2023-06", 2), ("CRI", "2024-02", 5)):
        rows.append(_obs("t_events", "incidents", area, month, "M", v, "events"))
    for area in ("CRI", "PAN", "MEX"):
        for year in range(2020, 2025):
            rows.append(
                _obs("t_pop", "population", area, str(year), "A", 1_000_000 * (3 + len(area)) + year, "persons")
            )
        for year in range(2020, 2024):
            rows.append(
                _obs(
                    "t_rate",
                    "net_migration_rate",
                    area,
                    str(year),
                    "A",
                    _value("r", area, year, high=40) / 10 - 2,
                    "per_1000",
                )
            )
    for area in ("CRI", "PAN"):
        for origin in ("NIC", "COL"):
            rows.append(
                _obs("t_refugees", "refugees", area, "2024", "A", _value("rf", area, origin), "persons", origin)
            )
    small = {
        ("GTM", "USA", "F"): 3,
        ("GTM", "USA", "M"): 41,
        ("GTM", "MEX", "F"): 22,
        ("GTM", "MEX", "M"): 2,
        ("HND", "USA", "F"): 17,
        ("HND", "USA", "M"): 35,
        ("HND", "MEX", "F"): 12,
        ("HND", "MEX", "M"): 28,
        ("SLV", "USA", "F"): 9,
        ("SLV", "USA", "M"): 1,
        ("SLV", "MEX", "F"): 14,
        ("SLV", "MEX", "M"): 19,
    }
    for (area, dest, sex), v in small.items():
        rows.append(_obs("t_conf", "returns", area, "2024", "A", v, "persons", dest, sex))
    frame = pd.DataFrame(rows, columns=list(OBS_COLUMNS))
    return frame


DATASETS = [
    ("t_stock", False),
    ("t_flow", False),
    ("t_flow2", False),
    ("t_pop", False),
    ("t_rate", False),
    ("t_refugees", False),
    ("t_conf", True),
    ("t_events", False),
]


def build_test_store(path: Path, microdata_records: int = MICRODATA_RECORDS, workdir: Path | None = None) -> Path:
    """Write the test store to ``path`` (tables only; ``etl.store.connect`` adds the public views)."""
    path = Path(path)
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        con.execute(ddl("observations", OBS_TYPES))
        con.execute(ddl("datasets", DATASET_TYPES))
        obs = build_observations()
        con.register("obs_frame", obs)
        con.execute("INSERT INTO observations SELECT * FROM obs_frame")
        con.unregister("obs_frame")
        for dataset_id, confidential in DATASETS:
            con.execute(
                "INSERT INTO datasets (dataset_id, title_es, title_en, publisher, licence, licence_url, attribution,"
                " retrieved, kind, status, version, confidential, row_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "'source', 'published', 1, ?, ?)",
                [
                    dataset_id,
                    f"SINTÉTICO (prueba) {dataset_id}",
                    f"SYNTHETIC (test) {dataset_id}",
                    "Atlas PVIGM tests",
                    "CC0-1.0",
                    "https://creativecommons.org/publicdomain/zero/1.0/",
                    "Test fixture",
                    "2026-11",
                    confidential,
                    int((obs.dataset_id == dataset_id).sum()),
                ],
            )
        con.execute(
            "CREATE TABLE measures (measure VARCHAR, name_es VARCHAR, name_en VARCHAR, unit VARCHAR, "
            "kind VARCHAR, counterpart_role VARCHAR, definition_es VARCHAR, definition_en VARCHAR)"
        )
        con.executemany("INSERT INTO measures VALUES (?, ?, ?, ?, ?, ?, '', '')", MEASURES)
        con.execute("CREATE TABLE units (unit VARCHAR, name_es VARCHAR, name_en VARCHAR)")
        con.executemany("INSERT INTO units VALUES (?, ?, ?)", UNITS)
        con.execute("CREATE TABLE sexes (sex VARCHAR, name_es VARCHAR, name_en VARCHAR)")
        con.executemany(
            "INSERT INTO sexes VALUES (?, ?, ?)",
            [("_T", "Total", "Total"), ("F", "Mujeres", "Female"), ("M", "Hombres", "Male")],
        )
        con.execute("CREATE TABLE obs_statuses (obs_status VARCHAR, name_es VARCHAR, name_en VARCHAR)")
        con.executemany(
            "INSERT INTO obs_statuses VALUES (?, ?, ?)",
            [
                ("A", "Normal", "Normal value"),
                ("E", "Estimado", "Estimated value"),
                ("M", "Dato faltante", "Missing value"),
            ],
        )
        con.execute("CREATE TABLE ages (age VARCHAR, name_es VARCHAR, name_en VARCHAR)")
        con.execute("INSERT INTO ages VALUES ('_T', 'Todas las edades', 'All ages')")
        gaz = geodata.gazetteer()[["geo_code", "name_es", "name_en"]]
        con.register("gaz", gaz)
        con.execute("CREATE TABLE territories AS SELECT geo_code, name_es, name_en FROM gaz")
        con.unregister("gaz")
        con.execute(
            'CREATE TABLE dataset_dimensions (dataset_id VARCHAR, "column" VARCHAR, dimension_id VARCHAR, '
            "name_es VARCHAR, name_en VARCHAR)"
        )
        con.execute(
            "INSERT INTO dataset_dimensions VALUES ('t_flow', 'dim_1', 't_component', "
            "'Componente (prueba)', 'Component (test)')"
        )
        con.execute(
            "CREATE TABLE dimension_codes (dimension_id VARCHAR, code VARCHAR, name_es VARCHAR, name_en VARCHAR)"
        )
        con.executemany(
            "INSERT INTO dimension_codes VALUES ('t_component', ?, ?, ?)",
            [("AIR", "Aéreo", "Air"), ("LAND", "Terrestre", "Land")],
        )
        if microdata_records:
            build_microdata_tables(con, synthetic_records=microdata_records, workdir=workdir)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def open_test_store(path: Path) -> duckdb.DuckDBPyConnection:
    """The test store through ``etl.store.connect`` (set ``ATLAS_REGISTRY`` to an empty directory first,
    so that no published submission of this machine joins the public views)."""
    from etl.store import connect

    return connect(path)


@pytest.fixture(scope="session")
def xt_store_path(tmp_path_factory) -> Path:
    """The test store, built once per test session (with its SYNTHETIC microdata sample)."""
    root = tmp_path_factory.mktemp("crosstab_store")
    return build_test_store(root / "atlas.duckdb", workdir=root)


@pytest.fixture
def xt_con(xt_store_path, tmp_path, monkeypatch):
    """A read-only connection to the test store, with an empty submissions registry."""
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    con = open_test_store(xt_store_path)
    yield con
    con.close()


def synthetic_file(store_path: Path) -> Path:
    """The SYNTHETIC Parquet file the test store's microdata table was loaded from."""
    return next(store_path.parent.glob("synthetic_entry_exit_*.parquet"))
