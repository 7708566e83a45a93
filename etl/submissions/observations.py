"""Validated rows -> the store's ``observations`` and ``datasets`` rows (docs/STORE.md).

Pure functions: the same validation always gives the same frame, rows sorted by their key.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

import geodata
from etl import schema
from etl.submissions.spec import Kind

# Arrow types of the store's SQL types: the parquet files match the contract in etl/schema.py.
ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
}
OBSERVATION_SCHEMA = pa.schema([(name, ARROW_TYPES[sql]) for name, sql in schema.OBS_TYPES.items()])
OBSERVATION_COLUMNS = OBSERVATION_SCHEMA.names
DATASET_SCHEMA = pa.schema([(name, ARROW_TYPES[sql]) for name, sql in schema.DATASET_TYPES.items()])
DIMENSION_SCHEMA = pa.schema(
    [
        ("dataset_id", pa.string()),
        ("column", pa.string()),
        ("dimension_id", pa.string()),
        ("name_es", pa.string()),
        ("name_en", pa.string()),
    ]
)
DEFAULTS = schema.OBS_DEFAULTS
SORT = [
    "measure",
    "ref_area",
    "counterpart_area",
    "time_start",
    "freq",
    "sex",
    "age",
    "dim_1",
    "dim_2",
    "dim_3",
    "dim_4",
    "dim_5",
]
LICENCE_NOT_STATED = "not stated / no declarada"


def build_observations(rows: pd.DataFrame, kind: Kind, dataset_id: str) -> pd.DataFrame:
    """The store rows of one validated submission (``rows`` from ``Validation.rows``)."""
    out = pd.DataFrame(index=rows.index)
    out["dataset_id"] = dataset_id
    out["measure"] = rows[kind.measure_from].map(kind.measures) if kind.measure_from else kind.measure
    for col in kind.columns:
        if col.target and col.type not in ("count", "status"):
            out[col.target] = rows[col.id]
    out["time_period"] = rows["period"]
    out["freq"] = rows["freq"]
    out["time_start"] = pd.to_datetime(rows["time_start"]).astype("datetime64[s]")
    out["time_end"] = pd.to_datetime(rows["time_end"]).astype("datetime64[s]")
    out["value"] = rows["value"].astype("float64")
    out["unit"] = kind.unit
    out["obs_status"] = rows["obs_status"]
    for column in OBSERVATION_COLUMNS:
        if column not in out:
            out[column] = DEFAULTS.get(column)
    out = out[OBSERVATION_COLUMNS].sort_values(SORT, kind="stable", na_position="first")
    return out.reset_index(drop=True)


def observations_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with exactly the store's column types (dates as date32)."""
    columns = {}
    for field in OBSERVATION_SCHEMA:
        values = frame[field.name]
        if pa.types.is_date32(field.type):
            columns[field.name] = pa.array(pd.to_datetime(values).to_numpy().astype("datetime64[D]"), type=field.type)
        else:
            columns[field.name] = pa.array(values, type=field.type, from_pandas=True)
    return pa.table(columns, schema=OBSERVATION_SCHEMA)


def build_dataset_row(
    *,
    dataset_id: str,
    kind: Kind,
    country: str,
    metadata: dict[str, str],
    version: int,
    status: str,
    sha256: str,
    file_path: str,
    submitted_at: str,
    row_count: int,
) -> dict:
    """The ``datasets`` row of one version: title, source, licence and date of every number in it."""
    name_es, name_en = geodata.name(country, "es"), geodata.name(country, "en")
    title = metadata.get("title") or ""
    return {
        "dataset_id": dataset_id,
        "title_es": f"{kind.title.es} — {name_es}" + (f": {title}" if title else ""),
        "title_en": f"{kind.title.en} — {name_en}" + (f": {title}" if title else ""),
        "publisher": metadata.get("source", ""),
        "licence": metadata.get("licence") or LICENCE_NOT_STATED,
        "licence_url": "",
        "attribution": metadata.get("source", ""),
        "origin": f"focal-point submission ({country}), PVIGM registry",
        "vendored_path": file_path,
        "sha256": sha256,
        "retrieved": pd.Timestamp(submitted_at).date().isoformat(),
        "revision": f"v{version}",
        "coverage": " · ".join(
            x
            for x in (
                f"{metadata.get('period_start', '')}–{metadata.get('period_end', '')}",
                metadata.get("coverage", ""),
            )
            if x
        ),
        "caveats_es": metadata.get("definitions", ""),
        "caveats_en": metadata.get("definitions", ""),
        "kind": "submission",
        "status": status,
        "version": version,
        "confidential": False,
        "row_count": row_count,
    }


def build_dimension_rows(dataset_id: str, kind: Kind) -> list[dict]:
    """``dataset_dimensions`` rows: which dim_N column holds which dimension in this submission."""
    return [
        {
            "dataset_id": dataset_id,
            "column": col.target,
            "dimension_id": col.dimension,
            "name_es": col.header.es,
            "name_en": col.header.en,
        }
        for col in kind.columns
        if col.dimension
    ]
