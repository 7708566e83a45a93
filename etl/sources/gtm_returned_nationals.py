"""Guatemala: Guatemalans returned from Mexico and the United States, by sex and age group, monthly from 2020."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import MONTH

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "sex", "age", "origin", "n"]
SEXES = {"male": "M", "female": "F"}
AGES = {  # source label -> (age, accompaniment); children are under 18 (gdidata R/irreg_guatemala.R)
    "adult": ("Y_GE18", "_Z"),
    "accompanied child": ("Y_LT18", "accompanied"),
    "unaccompanied child": ("Y_LT18", "unaccompanied"),
}
# From January 2024 the file has MEX rows and rows with an empty origin (not labelled USA): kept as unknown.
ORIGIN_ALIASES = {"": "_X"}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``returned_nationals`` (persons): counterpart = country returned from."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "month", MONTH, path, "2024-03")
    c.check_allowed(raw, "sex", SEXES, path)
    c.check_allowed(raw, "age", AGES, path)
    c.check_unique(raw, ["month", "sex", "age", "origin"], path)
    out = pd.DataFrame(
        {
            "measure": "returned_nationals",
            "ref_area": "GTM",
            "counterpart_area": c.resolve_codes(raw["origin"], path, "origin", ORIGIN_ALIASES),
            "time_period": raw["month"],
            "freq": "M",
            "sex": raw["sex"].map(SEXES),
            "age": raw["age"].map(lambda a: AGES[a][0]),
            "dim_1": raw["age"].map(lambda a: AGES[a][1]),
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
            "unit": "persons",
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
