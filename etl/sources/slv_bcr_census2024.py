"""El Salvador: Censo de Población y Vivienda 2024 (BCR/ONEC) by department: population, households,
households with emigrants, emigrants reported by households, households receiving help from abroad.

The 107,055 persons the census could not place in a department are in the municipality file only (code 15):
they are stored with the national total (``SLV`` = 6,029,976, sex ``_T``), never in a department, and the
build report counts them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._census import DEPARTMENT_COLUMNS, read_departments

DATASET = c.load_metadata(__file__)
COLUMNS = [*DEPARTMENT_COLUMNS, "deptodesc.x"]
MUNICIPIOS = c.ROOT / "vendor" / "admin1_stats" / "slv_census2024" / "slv_bcr_census2024_by_municipio.csv"
MUNICIPIO_COLUMNS = [
    "depto",
    "deptodesc.x",
    "munic",
    "municdesc.x",
    "poblacion_total",
    "munic_name",
    *[
        col
        for col in DEPARTMENT_COLUMNS
        if col
        not in (
            "depto",
            "poblacion_total",
            "urban_households",
            "rural_households",
            "pct_urban_households",
            "pct_rural_households",
        )
    ],
]
NO_DEPARTMENT = "15"


def load_national_total(path: Path = MUNICIPIOS) -> tuple[float, float]:
    """The census total (every municipality, code 15 "not assigned" included) and the persons without department."""
    raw = c.load_table(path, MUNICIPIO_COLUMNS)
    population = c.parse_numbers(raw, "poblacion_total", path, allow_empty=False)
    return float(population.sum()), float(population[raw["depto"].eq(NO_DEPARTMENT)].sum())


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations by department (SV-AH … SV-UN), census 2024, and the national census total."""
    path = Path(path) if path else c.vendored(DATASET)
    out = read_departments(path, DATASET["dataset_id"], "SLV", "SV", "2024", COLUMNS)
    total, unplaced = load_national_total()
    departments = out.loc[out["measure"].eq("population") & out["sex"].eq("_T"), "value"].sum()
    if departments + unplaced != total:
        raise c.SourceFormatError(
            path,
            f"departments ({departments:,.0f}) + persons without department "
            f"({unplaced:,.0f}) differ from the municipality file's total ({total:,.0f}).",
            "restore both vendored files from git.",
        )
    national = pd.DataFrame(
        {
            "ref_area": ["SLV"],
            "measure": "population",
            "sex": "_T",
            "unit": "persons",
            "value": [total],
            "time_period": "2024",
            "freq": "A",
        }
    )
    frame = pd.concat(
        [out[["ref_area", "measure", "sex", "unit", "value", "time_period", "freq"]], national], ignore_index=True
    )
    return c.finish_observations(frame, DATASET["dataset_id"], path, {"persons_without_department": int(unplaced)})
