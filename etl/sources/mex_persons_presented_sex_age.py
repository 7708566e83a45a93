"""Mexico: foreigners presented or channelled to INM (PAM initiated), by sex and age group, monthly from 2018."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import MONTH

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "sex", "age", "n"]
SEXES = {"male": "M", "female": "F"}
AGES = {  # source label -> (age, accompaniment)
    "18+": ("Y_GE18", "_Z"),
    "12-17": ("Y12T17", "_T"),
    "under 12, accompanied": ("Y_LT12", "accompanied"),
    "under 12, unaccompanied": ("Y_LT12", "unaccompanied"),
}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``persons_presented`` (events) by sex, age and accompaniment (dim_1)."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "month", MONTH, path, "2024-03")
    c.check_allowed(raw, "sex", SEXES, path)
    c.check_allowed(raw, "age", AGES, path)
    c.check_unique(raw, ["month", "sex", "age"], path)
    out = pd.DataFrame(
        {
            "measure": "persons_presented",
            "ref_area": "MEX",
            "time_period": raw["month"],
            "freq": "M",
            "sex": raw["sex"].map(SEXES),
            "age": raw["age"].map(lambda a: AGES[a][0]),
            "dim_1": raw["age"].map(lambda a: AGES[a][1]),
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
            "unit": "events",
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
