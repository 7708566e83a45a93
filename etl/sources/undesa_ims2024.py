"""UN DESA International Migrant Stock 2024: migrants by destination, origin and sex, 1990–2024."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._undesa import read_stock

DATASET = c.load_metadata(__file__)
YEARS = {"1990", "1995", "2000", "2005", "2010", "2015", "2020", "2024"}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of the 2024 revision (see ``_undesa.read_stock``)."""
    return read_stock(Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], YEARS)
