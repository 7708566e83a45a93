"""Honduras: emigrants by department and sex, Encuesta de Migración y Remesas 2023 (INE / Banco Central de
Honduras), weighted survey estimates (status E), summed from the source's cells to department level only
(never municipality: some cells hold one sampled person's weight). Rows with department code 50 or 99
(no department) are counted in the build report and not stored."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._admin1 import resolve_units
from etl.sources._census import iso_from_geo_code

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "depto",
    "munic",
    "sex",
    "urban_rural",
    "cause",
    "year_departure",
    "age_group_emigration",
    "emigrants",
    "depto_name",
    "dept_geo_code",
]
SEXES = {"female": "F", "male": "M"}
NO_DEPARTMENT = {"50", "99"}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy ``emigrants_survey`` by department (HN-xx) and sex, 2023, status E."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "sex", SEXES, path)
    c.check_pattern(raw, "depto", r"\d{1,2}", path, "8")
    value = c.parse_numbers(raw, "emigrants", path, allow_empty=False)
    placed = ~raw["depto"].isin(NO_DEPARTMENT)
    unplaced = float(value[~placed].sum())
    rows = raw[placed].copy()
    rows["iso_3166_2"] = iso_from_geo_code(rows["dept_geo_code"], "HN")
    cells = pd.DataFrame(
        {"ref_area": resolve_units(rows, path, "HND"), "sex": rows["sex"].map(SEXES), "value": value[placed]}
    )
    out = cells.groupby(["ref_area", "sex"], as_index=False)["value"].sum()
    out["measure"], out["time_period"], out["freq"], out["unit"] = "emigrants_survey", "2023", "A", "persons"
    out["obs_status"] = "E"
    return c.finish_observations(
        out, DATASET["dataset_id"], path, {"source_cells": len(raw), "estimate_without_department": round(unplaced)}
    )
