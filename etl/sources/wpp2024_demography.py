"""UN World Population Prospects 2024: annual net migration and demographic balance, 1950–2023."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "m49",
    "iso3",
    "name",
    "year",
    "net_migration_thousands",
    "net_migration_rate_per_1000",
    "pop_change_thousands",
    "births_thousands",
    "deaths_thousands",
]
VALUES = {  # source column -> (measure, unit)
    "net_migration_thousands": ("net_migration", "thousand_persons"),
    "net_migration_rate_per_1000": ("net_migration_rate", "per_1000"),
    "pop_change_thousands": ("population_change", "thousand_persons"),
    "births_thousands": ("births", "thousand_persons"),
    "deaths_thousands": ("deaths", "thousand_persons"),
}
# Countries WPP lists without an ISO3 code, by M49 code.
COUNTRIES_WITHOUT_ISO3 = {"412": "XKX"}  # Kosovo (under UNSC res. 1244)


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations for countries; UN regional and income aggregates (no ISO3) are dropped and counted.

    Values stay in the source's units (thousands of persons, per 1,000).
    """
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "year", r"\d{4}", path, "2023")
    c.check_unique(raw, ["m49", "year"], path)
    raw["iso3"] = raw["iso3"].mask(raw["iso3"].eq(""), raw["m49"].map(COUNTRIES_WITHOUT_ISO3).fillna(""))
    aggregate = raw["iso3"].eq("")
    countries = raw[~aggregate].copy()
    countries["ref_area"] = c.resolve_codes(countries["iso3"], path, "iso3", level="country")
    parts = []
    for column, (measure, unit) in VALUES.items():
        part = countries[["ref_area", "year"]].rename(columns={"year": "time_period"})
        part["measure"], part["unit"] = measure, unit
        part["value"] = c.parse_numbers(countries, column, path, allow_negative=column.startswith(("net", "pop")))
        parts.append(part[part["value"].notna()])
    out = pd.concat(parts, ignore_index=True)
    out["freq"] = "A"
    notes = {
        "aggregates_dropped_rows": int(aggregate.sum()),
        "aggregates_dropped": int(raw.loc[aggregate, "name"].nunique()),
    }
    return c.finish_observations(out, DATASET["dataset_id"], path, notes)
