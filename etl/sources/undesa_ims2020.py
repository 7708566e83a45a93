"""UN DESA International Migrant Stock 2020 (an earlier, separate revision), 1990–2020."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._undesa import read_stock

DATASET = c.load_metadata(__file__)
YEARS = {"1990", "1995", "2000", "2005", "2010", "2015", "2020"}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of the 2020 revision (see ``_undesa.read_stock``)."""
    return read_stock(Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], YEARS)
