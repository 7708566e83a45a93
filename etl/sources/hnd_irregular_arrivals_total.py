"""Honduras: total irregular arrivals registered by INM, monthly from January 2014."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import MONTH

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "n"]


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``irregular_arrivals`` (persons), all nationalities together (counterpart ``_Z``)."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "month", MONTH, path, "2024-03")
    c.check_unique(raw, ["month"], path)
    out = pd.DataFrame(
        {
            "measure": "irregular_arrivals",
            "ref_area": "HND",
            "time_period": raw["month"],
            "freq": "M",
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
            "unit": "persons",
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
