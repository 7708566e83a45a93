"""Mexico: foreigners presented or channelled to INM (PAM initiated), by nationality, monthly from 2018."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import read_by_nationality

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "nationality_iso3", "n"]


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``persons_presented`` (events)."""
    path = Path(path) if path else c.vendored(DATASET)
    return read_by_nationality(path, DATASET["dataset_id"], "persons_presented", "events", COLUMNS)
