"""Honduras: irregular arrivals registered by INM, by sex and age group, monthly from 2018."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import read_by_demography

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "demog", "n"]


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``irregular_arrivals`` (persons)."""
    path = Path(path) if path else c.vendored(DATASET)
    return read_by_demography(path, DATASET["dataset_id"], "irregular_arrivals", "persons", COLUMNS)
