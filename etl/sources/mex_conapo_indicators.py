"""Mexico: CONAPO 2023 demographic indicators by state and year (conciliation 1950–2019, projection 2020–2070)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.sources import _common as c
from etl.sources._admin1 import resolve_units

DATASET = c.load_metadata(__file__)
VALUES = {  # source column -> (measure, sex, unit)
    "pop_mid_year": ("population", "_T", "persons"),
    "pop_male_mid_year": ("population", "M", "persons"),
    "pop_female_mid_year": ("population", "F", "persons"),
    "emigrants_international": ("emigrants_international", "_T", "persons"),
    "immigrants_international": ("immigrants_international", "_T", "persons"),
    "net_migration_international": ("net_migration", "_T", "persons"),
    "net_migration_international_rate_pct": ("net_migration_rate", "_T", "percent"),
    "emigrants_interstate": ("emigrants_interstate", "_T", "persons"),
    "immigrants_interstate": ("immigrants_interstate", "_T", "persons"),
    "net_migration_interstate": ("net_migration_interstate", "_T", "persons"),
    "net_migration_interstate_rate_pct": ("net_migration_interstate_rate", "_T", "percent"),
    "social_growth": ("social_growth", "_T", "persons"),
    "births": ("births", "_T", "persons"),
    "deaths": ("deaths", "_T", "persons"),
}
COLUMNS = ["country_iso3", "iso_3166_2", "cve_ent", "name_conapo", "year", "is_projection", *VALUES]
SIGNED = {
    "net_migration_international",
    "net_migration_international_rate_pct",
    "net_migration_interstate",
    "net_migration_interstate_rate_pct",
    "social_growth",
}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations; projected years (``is_projection``) have obs_status ``F``. Empty cells ("ND" in
    CONAPO's file: state migration before 2020) are not stored."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "country_iso3", {"MEX"}, path)
    c.check_allowed(raw, "is_projection", {"True", "False"}, path)
    c.check_pattern(raw, "year", r"\d{4}", path, "2020")
    c.check_unique(raw, ["cve_ent", "year"], path)
    if raw["is_projection"].eq("True").ne(raw["year"].astype(int).ge(2020)).any():
        raise c.SourceFormatError(path, "is_projection is not exactly the years from 2020.", "check the file.")
    raw["ref_area"] = resolve_units(raw, path, "MEX", raw["cve_ent"].eq("0"))
    parts = []
    for column, (measure, sex, unit) in VALUES.items():
        part = pd.DataFrame(
            {
                "ref_area": raw["ref_area"],
                "time_period": raw["year"],
                "measure": measure,
                "sex": sex,
                "unit": unit,
                "value": c.parse_numbers(raw, column, path, allow_negative=column in SIGNED),
                "obs_status": np.where(raw["is_projection"].eq("True"), "F", "A"),
            }
        )
        parts.append(part[part["value"].notna()])
    out = pd.concat(parts, ignore_index=True)
    out["freq"] = "A"
    return c.finish_observations(out, DATASET["dataset_id"], path)
