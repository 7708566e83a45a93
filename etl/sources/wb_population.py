"""World Bank total population (SP.POP.TOTL) for every country, 1960–2024."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = ["Country Name", "Country Code", "Year", "Value"]
# World Bank regional, income and lending-group aggregates: not territories, dropped and counted.
AGGREGATES = frozenset(
    {
        "AFE",
        "AFW",
        "ARB",
        "CEB",
        "CSS",
        "EAP",
        "EAR",
        "EAS",
        "ECA",
        "ECS",
        "EMU",
        "EUU",
        "FCS",
        "HIC",
        "HPC",
        "IBD",
        "IBT",
        "IDA",
        "IDB",
        "IDX",
        "LAC",
        "LCN",
        "LDC",
        "LIC",
        "LMC",
        "LMY",
        "LTE",
        "MEA",
        "MIC",
        "MNA",
        "NAC",
        "OED",
        "OSS",
        "PRE",
        "PSS",
        "PST",
        "SAS",
        "SSA",
        "SSF",
        "SST",
        "TEA",
        "TEC",
        "TLA",
        "TMN",
        "TSA",
        "TSS",
        "UMC",
        "WLD",
    }
)
# World Bank codes that are not ISO 3166 codes.
ALIASES = {"CHI": "XCX"}  # Channel Islands


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations (population, persons, calendar year) for countries only."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "Year", r"\d{4}", path, "2024")
    c.check_unique(raw, ["Country Code", "Year"], path)
    aggregate = raw["Country Code"].isin(AGGREGATES)
    countries = raw[~aggregate]
    out = pd.DataFrame(
        {
            "measure": "population",
            "ref_area": c.resolve_codes(countries["Country Code"], path, "Country Code", ALIASES, level="country"),
            "time_period": countries["Year"],
            "freq": "A",
            "value": c.parse_numbers(countries, "Value", path, allow_empty=False),
            "unit": "persons",
        }
    )
    notes = {
        "aggregates_dropped_rows": int(aggregate.sum()),
        "aggregates_dropped": int(raw.loc[aggregate, "Country Code"].nunique()),
    }
    return c.finish_observations(out, DATASET["dataset_id"], path, notes)
