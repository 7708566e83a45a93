"""US Border Patrol monthly apprehensions (encounters from March 2020) by sector, FY2000–FY2020."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
SECTORS = {  # border region -> source columns (one per Border Patrol sector)
    "coastal": ["livermore", "miami", "new_orleans", "ramey"],
    "northern": ["blaine", "buffalo", "detroit", "grand_forks", "havre", "houlton", "spokane", "swanton"],
    "southwest": [
        "big_bend",
        "del_rio",
        "el_centro",
        "el_paso",
        "laredo",
        "rio_grande_valley",
        "san_diego",
        "tucson",
        "yuma",
    ],
}
TOTALS = {"coastal": "coastal_border", "northern": "northern_border", "southwest": "southwest_border"}
COLUMNS = ["month", *[s for group in SECTORS.values() for s in group], *TOTALS.values(), "monthly_total", "fy", "cy"]


def check_totals(raw: pd.DataFrame, numbers: dict[str, pd.Series], path: Path) -> None:
    """Sectors must add up to the published border totals, and borders to the monthly total."""
    checks = [(TOTALS[r], sum(numbers[s] for s in cols)) for r, cols in SECTORS.items()]
    checks.append(("monthly_total", sum(numbers[t] for t in TOTALS.values())))
    for total, computed in checks:
        bad = numbers[total].ne(computed)
        if bad.any():
            rows = raw.loc[bad, ["fy", "month"]].head(3).to_dict("records")
            raise c.SourceFormatError(
                path,
                f"{total} differs from the sum of its parts in {int(bad.sum())} row(s), e.g. {rows}.",
                "check the file against the CBP table.",
            )


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations by sector (dim_1 border region, dim_2 sector); published totals are checked, not stored."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS, sep="|")
    c.check_allowed(raw, "month", {str(m) for m in range(1, 13)}, path)
    c.check_pattern(raw, "fy", r"\d{4}", path, "2020")
    c.check_unique(raw, ["fy", "month"], path)
    month = raw["month"].astype(int)
    calendar_year = raw["fy"].astype(int) - month.ge(10).astype(int)
    if calendar_year.astype(str).ne(raw["cy"]).any():
        raise c.SourceFormatError(
            path, "column 'cy' is not the calendar year of the fiscal month.", "cy = fy - 1 for October to December."
        )
    numbers = {col: c.parse_numbers(raw, col, path, allow_empty=False) for col in COLUMNS[:-2] if col != "month"}
    check_totals(raw, numbers, path)
    period = calendar_year.astype(str) + "-" + month.map("{:02d}".format)
    parts = [
        pd.DataFrame({"time_period": period, "dim_1": region, "dim_2": f"{sector}_sector", "value": numbers[sector]})
        for region, sectors in SECTORS.items()
        for sector in sectors
    ]
    out = pd.concat(parts, ignore_index=True)
    out["measure"], out["ref_area"], out["counterpart_area"] = "encounters", "USA", "_Z"
    out["freq"], out["unit"] = "M", "events"
    return c.finish_observations(out, DATASET["dataset_id"], path)
