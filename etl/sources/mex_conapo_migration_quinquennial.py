"""Mexico: CONAPO 2023 international emigrants and immigrants by state, five-year period, sex and age group."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl.sources import _common as c
from etl.sources._admin1 import resolve_units

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "country_iso3",
    "iso_3166_2",
    "cve_ent",
    "name_conapo",
    "period",
    "period_start",
    "is_projection",
    "sex",
    "age_group",
    "emigrants_international",
    "immigrants_international",
]
SEXES = {"male": "M", "female": "F"}
VALUES = ("emigrants_international", "immigrants_international")


def age_code(group: str) -> str:
    """``"05-09"`` -> ``"Y5T9"`` (SDMX-style age code)."""
    low, high = (int(x) for x in re.fullmatch(r"(\d{2})-(\d{2})", group).groups())
    return f"Y{low}T{high}"


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations (freq P5, e.g. ``2015-2019``); projected periods (from 2020) have obs_status ``F``."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "country_iso3", {"MEX"}, path)
    c.check_allowed(raw, "sex", SEXES, path)
    c.check_allowed(raw, "is_projection", {"True", "False"}, path)
    c.check_pattern(raw, "age_group", r"\d{2}-\d{2}", path, "05-09")
    c.check_pattern(raw, "period", r"\d{4}-\d{4}", path, "2015-2019")
    if raw["period"].str.slice(0, 4).ne(raw["period_start"]).any():
        raise c.SourceFormatError(path, "period_start differs from the first year of period.", "check the file.")
    c.check_unique(raw, ["cve_ent", "period", "sex", "age_group"], path)
    raw["ref_area"] = resolve_units(raw, path, "MEX", raw["cve_ent"].eq("0"))
    ages = {g: age_code(g) for g in raw["age_group"].unique()}
    parts = [
        pd.DataFrame(
            {
                "ref_area": raw["ref_area"],
                "time_period": raw["period"],
                "measure": column,
                "sex": raw["sex"].map(SEXES),
                "age": raw["age_group"].map(ages),
                "value": c.parse_numbers(raw, column, path, allow_empty=False),
                "obs_status": np.where(raw["is_projection"].eq("True"), "F", "A"),
            }
        )
        for column in VALUES
    ]
    out = pd.concat(parts, ignore_index=True)
    out["freq"], out["unit"] = "P5", "persons"
    return c.finish_observations(out, DATASET["dataset_id"], path)
