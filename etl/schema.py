"""The columns and types of the store's tables (the contract in ``docs/STORE.md``).

One place for every module that writes or reads observations: the store build, the
source readers, and focal-point submissions.
"""

from __future__ import annotations

# observations: one row per number (SDMX-style). Order matters: it is the table's column order.
OBS_TYPES: dict[str, str] = {
    "dataset_id": "VARCHAR",
    "measure": "VARCHAR",
    "ref_area": "VARCHAR",
    "counterpart_area": "VARCHAR",
    "time_period": "VARCHAR",
    "freq": "VARCHAR",
    "time_start": "DATE",
    "time_end": "DATE",
    "sex": "VARCHAR",
    "age": "VARCHAR",
    "dim_1": "VARCHAR",
    "dim_2": "VARCHAR",
    "dim_3": "VARCHAR",
    "dim_4": "VARCHAR",
    "dim_5": "VARCHAR",
    "value": "DOUBLE",
    "unit": "VARCHAR",
    "obs_status": "VARCHAR",
}
OBS_COLUMNS: tuple[str, ...] = tuple(OBS_TYPES)
DIM_COLUMNS: tuple[str, ...] = ("dim_1", "dim_2", "dim_3", "dim_4", "dim_5")
# The columns that identify one number: no two observations may share them.
OBS_KEY: tuple[str, ...] = (
    "dataset_id",
    "measure",
    "ref_area",
    "counterpart_area",
    "time_period",
    "sex",
    "age",
    *DIM_COLUMNS,
    "unit",
)
# Defaults a reader may leave out: a partner that does not apply, totals over sex and age, no
# source-specific dimension, a normal observation.
OBS_DEFAULTS: dict[str, object] = {
    "counterpart_area": "_Z",
    "sex": "_T",
    "age": "_T",
    "obs_status": "A",
    **{c: None for c in DIM_COLUMNS},
}
FREQS: tuple[str, ...] = ("A", "M", "Q", "P5")

DATASET_TYPES: dict[str, str] = {
    "dataset_id": "VARCHAR",
    "title_es": "VARCHAR",
    "title_en": "VARCHAR",
    "publisher": "VARCHAR",
    "licence": "VARCHAR",
    "licence_url": "VARCHAR",
    "attribution": "VARCHAR",
    "origin": "VARCHAR",
    "vendored_path": "VARCHAR",
    "sha256": "VARCHAR",
    "retrieved": "VARCHAR",
    "revision": "VARCHAR",
    "coverage": "VARCHAR",
    "caveats_es": "VARCHAR",
    "caveats_en": "VARCHAR",
    "kind": "VARCHAR",
    "status": "VARCHAR",
    "version": "INTEGER",
    "confidential": "BOOLEAN",
    "row_count": "BIGINT",
}
DATASET_COLUMNS: tuple[str, ...] = tuple(DATASET_TYPES)

# The Missing Migrants incidents themselves, for the corridor map.
INCIDENT_TYPES: dict[str, str] = {
    "dataset_id": "VARCHAR",
    "incident_id": "INTEGER",
    "date": "DATE",
    "time_period": "VARCHAR",
    "incident_type": "VARCHAR",
    "route": "VARCHAR",
    "country": "VARCHAR",
    "ref_area": "VARCHAR",
    "geo_basis": "VARCHAR",
    "dead_and_missing": "DOUBLE",
    "survivors": "DOUBLE",
    "cause": "VARCHAR",
    "origins": "VARCHAR[]",
    "location": "VARCHAR",
    "lon": "DOUBLE",
    "lat": "DOUBLE",
}


def ddl(table: str, types: dict[str, str]) -> str:
    """``CREATE TABLE`` statement for ``table`` with the given column types."""
    cols = ", ".join(f'"{name}" {sql_type}' for name, sql_type in types.items())
    return f"CREATE TABLE {table} ({cols})"
