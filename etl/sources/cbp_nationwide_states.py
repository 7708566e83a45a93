"""CBP nationwide encounters by US state, FY2020–FY2023 (unmodified CBP CSV, gzipped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.periods import MONTH_ABBREVIATIONS, calendar_month_of_fiscal
from etl.sources import _cbp
from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "Fiscal Year",
    "Month Grouping",
    "Month (abbv)",
    "Land Border Region",
    "State",
    "Demographic",
    "Citizenship",
    "Title of Authority",
    "Encounter Count",
]
CITIZENSHIP_ALIASES = {"CHINA, PEOPLES REPUBLIC OF": "CHN", "OTHER": "_X"}
STATES_LOOKUP = c.ROOT / "vendor" / "admin1_stats" / "us_states" / "us_states_fips_iso_lookup.csv"


def load_state_codes() -> dict[str, str]:
    """USPS code -> geo_code: ISO 3166-2 for the states and DC, the ISO3 code for outlying areas (PR, GU...)."""
    lookup = c.load_table(
        STATES_LOOKUP, ["fips", "name", "iso_3166_2", "usps", "is_state_or_dc", "us_mexico_border_state"]
    )
    codes = {}
    for row in lookup.itertuples(index=False):
        text, level = (row.iso_3166_2, "admin1") if row.is_state_or_dc == "True" else (row.name, "country")
        codes[row.usps] = c.resolve_codes(pd.Series([text]), STATES_LOOKUP, "iso_3166_2", level=level).iloc[0]
    return codes


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area = state (US-XX) or outlying area (PRI...), counterpart = citizenship."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "Fiscal Year", r"\d{4}", path, "2023")
    c.check_allowed(raw, "Month Grouping", {"FYTD"}, path)
    c.check_allowed(raw, "Month (abbv)", MONTH_ABBREVIATIONS, path)
    c.check_allowed(raw, "Land Border Region", _cbp.BORDER_REGIONS, path)
    c.check_allowed(raw, "Demographic", _cbp.DEMOGRAPHICS, path)
    c.check_allowed(raw, "Title of Authority", _cbp.TITLES, path)
    states = load_state_codes()
    c.check_allowed(raw, "State", states, path)
    c.check_unique(raw, [col for col in COLUMNS if col != "Encounter Count"], path)
    months = {
        (fy, m): calendar_month_of_fiscal(int(fy), m)
        for fy, m in raw[["Fiscal Year", "Month (abbv)"]].drop_duplicates().itertuples(index=False)
    }
    out = pd.DataFrame(
        {
            "measure": "encounters",
            "ref_area": raw["State"].map(states),
            "counterpart_area": c.resolve_codes(
                raw["Citizenship"], path, "Citizenship", CITIZENSHIP_ALIASES, level=None
            ),
            "time_period": [months[k] for k in zip(raw["Fiscal Year"], raw["Month (abbv)"])],
            "freq": "M",
            "dim_1": raw["Land Border Region"].map(_cbp.BORDER_REGIONS),
            "dim_2": raw["Title of Authority"].map(_cbp.TITLES),
            "dim_3": raw["Demographic"].map(_cbp.DEMOGRAPHICS),
            "value": c.parse_numbers(raw, "Encounter Count", path, allow_empty=False),
            "unit": "events",
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
