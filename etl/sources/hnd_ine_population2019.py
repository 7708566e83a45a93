"""Honduras: INE population projection for 2019 by department (based on Censo 2013)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._admin1 import resolve_units

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "country_iso3",
    "iso_3166_2",
    "ine_code",
    "year",
    "name_source",
    "name_iso",
    "pop_total",
    "estimate_type",
    "source",
]
STATUSES = {"projection": "F"}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy ``population`` observations by department (HN-XX), obs_status ``F`` (a projection, not a count)."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "country_iso3", {"HND"}, path)
    c.check_allowed(raw, "estimate_type", STATUSES, path)
    c.check_pattern(raw, "year", r"\d{4}", path, "2019")
    c.check_unique(raw, ["iso_3166_2", "year"], path)
    out = pd.DataFrame(
        {
            "measure": "population",
            "ref_area": resolve_units(raw, path, "HND"),
            "time_period": raw["year"],
            "freq": "A",
            "value": c.parse_numbers(raw, "pop_total", path, allow_empty=False),
            "unit": "persons",
            "obs_status": raw["estimate_type"].map(STATUSES),
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
