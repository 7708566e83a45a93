"""Mexico: deportations and assisted returns of foreigners, by nationality, monthly from 2015 (UPM table 3.2.4)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import MONTH

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "nationality_iso3", "type", "n"]
TYPES = {  # source label -> (measure, return type)
    "deportation": ("deportations", "deportation"),
    "assisted return": ("assisted_returns", "assisted_return"),
    "assisted return of children": ("assisted_returns", "assisted_return_children"),
}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ``deportations`` and ``assisted_returns`` (events), type of return in dim_1."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "month", MONTH, path, "2024-03")
    c.check_allowed(raw, "type", TYPES, path)
    c.check_unique(raw, ["month", "nationality_iso3", "type"], path)
    out = pd.DataFrame(
        {
            "measure": raw["type"].map(lambda t: TYPES[t][0]),
            "ref_area": "MEX",
            "counterpart_area": c.resolve_codes(raw["nationality_iso3"], path, "nationality_iso3"),
            "time_period": raw["month"],
            "freq": "M",
            "dim_1": raw["type"].map(lambda t: TYPES[t][1]),
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
            "unit": "events",
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
