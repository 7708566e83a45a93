"""Guatemala: XII Censo de Población y VII de Vivienda 2018 (INE) by department: population, households,
households with emigrants, emigrants reported by households, households receiving remittances."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._census import DEPARTMENT_COLUMNS, read_departments

DATASET = c.load_metadata(__file__)


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations by department (GT-01 … GT-22), census 2018."""
    path = Path(path) if path else c.vendored(DATASET)
    return read_departments(path, DATASET["dataset_id"], "GTM", "GT", "2018", DEPARTMENT_COLUMNS)
