"""Panama: irregular transit through the Darién by nationality (monthly from 2020; 2010–2019 annual)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import read_by_nationality

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "nationality_iso3", "n", "quarter_start"]


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``irregular_transit`` (persons)."""
    path = Path(path) if path else c.vendored(DATASET)
    return read_by_nationality(path, DATASET["dataset_id"], "irregular_transit", "persons", COLUMNS, annual_until=2019)
