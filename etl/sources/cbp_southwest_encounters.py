"""CBP encounters at the US south-west land border, by month, component, area, title, demographic and citizenship."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.periods import us_fiscal_year
from etl.sources import _cbp
from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "month",
    "fy_month",
    "component",
    "area_of_responsibility",
    "title_of_authority",
    "encounter_type",
    "demographic",
    "citizenship_iso3",
    "n",
]
# Empty citizenship = no breakdown published (FY2018–FY2019): `_Z`. OOO ("other") resolves to `_X`.
CITIZENSHIP_ALIASES = {"": "_Z"}


def check_fiscal_months(raw: pd.DataFrame, path: Path) -> None:
    """``fy_month`` must be ``month`` re-dated into its US fiscal year (same month, year = FY)."""
    months = pd.to_datetime(raw["month"], format="%Y-%m-%d", errors="coerce")
    if months.isna().any():
        c.check_pattern(raw, "month", r"\d{4}-\d{2}-01", path, "2023-10-01")
    expected = [f"{us_fiscal_year(d.date()):04d}-{d.month:02d}-01" for d in months]
    bad = raw["fy_month"].ne(pd.Series(expected, index=raw.index))
    if bad.any():
        sample = raw.loc[bad, ["month", "fy_month"]].head(3).to_dict("records")
        raise c.SourceFormatError(
            path,
            f"{int(bad.sum())} row(s) where fy_month is not month re-dated into its US fiscal year, e.g. {sample}.",
            "fy_month of 2017-10-01 is 2018-10-01.",
        )


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area USA, counterpart = citizenship, calendar months (fiscal years are derived)."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    check_fiscal_months(raw, path)
    for column, codes in (
        ("component", _cbp.COMPONENTS),
        ("title_of_authority", _cbp.TITLES),
        ("encounter_type", _cbp.ENCOUNTER_TYPES),
        ("demographic", _cbp.DEMOGRAPHICS),
    ):
        c.check_allowed(raw, column, codes, path)
    key = [
        "month",
        "component",
        "area_of_responsibility",
        "title_of_authority",
        "encounter_type",
        "demographic",
        "citizenship_iso3",
    ]
    c.check_unique(raw, key, path)
    out = pd.DataFrame(
        {
            "measure": "encounters",
            "ref_area": "USA",
            "counterpart_area": c.resolve_codes(raw["citizenship_iso3"], path, "citizenship_iso3", CITIZENSHIP_ALIASES),
            "time_period": c.month_of(raw["month"]),
            "freq": "M",
            "dim_1": raw["component"].map(_cbp.COMPONENTS),
            "dim_2": raw["area_of_responsibility"].map(_cbp.area_code),
            "dim_3": raw["title_of_authority"].map(_cbp.TITLES),
            "dim_4": raw["encounter_type"].map(_cbp.ENCOUNTER_TYPES),
            "dim_5": raw["demographic"].map(_cbp.DEMOGRAPHICS),
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
            "unit": "events",
        }
    )
    return c.finish_observations(out, DATASET["dataset_id"], path)
