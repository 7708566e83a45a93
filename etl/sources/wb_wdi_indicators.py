"""World Bank World Development Indicators (and WPP 2024 population) for the Americas and Spain."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = ["iso3", "indicator", "year", "value"]
INDICATORS = {  # gdidata indicator -> (measure, unit); codes documented in gdidata R/wdi.R
    "pop": ("population", "persons"),
    "nmig": ("net_migration", "persons"),
    "remin": ("remittances_received", "usd_current"),
    "remout": ("remittances_paid", "usd_current"),
    "gdp": ("gdp", "usd_current"),
    "income": ("gdp_per_capita_ppp", "intl_usd_ppp_2021"),
    "unem": ("unemployment_rate", "percent"),
    "inf": ("inflation_rate", "percent"),
    "fdiin": ("fdi_net_inflows", "usd_current"),
    "fdiout": ("fdi_net_outflows", "usd_current"),
    "birth": ("crude_birth_rate", "per_1000"),
    "depend": ("age_dependency_ratio", "per_100_working_age"),
    "polstb": ("political_stability", "score_sd"),
}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations, one measure per indicator, calendar years."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "indicator", INDICATORS, path)
    c.check_pattern(raw, "year", r"\d{4}", path, "2023")
    c.check_unique(raw, ["iso3", "indicator", "year"], path)
    values = c.parse_numbers(raw, "value", path, allow_negative=True)
    out = pd.DataFrame(
        {
            "measure": raw["indicator"].map(lambda i: INDICATORS[i][0]),
            "ref_area": c.resolve_codes(raw["iso3"], path, "iso3", level="country"),
            "time_period": raw["year"],
            "freq": "A",
            "value": values,
            "unit": raw["indicator"].map(lambda i: INDICATORS[i][1]),
        }
    )
    return c.finish_observations(out[values.notna()], DATASET["dataset_id"], path)
