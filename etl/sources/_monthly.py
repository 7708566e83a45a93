"""Shared readers for the monthly national series reposted by IOM GMDAC (Panama, Honduras, Mexico, Guatemala)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from etl.sources import _common as c

MONTH = r"\d{4}-(0[1-9]|1[0-2])"
# demog label -> (sex, age) when the month also has children's rows
DEMOGRAPHY = {"men": ("M", "Y_GE18"), "women": ("F", "Y_GE18"), "boys": ("M", "Y_LT18"), "girls": ("F", "Y_LT18")}


def check_quarters(raw: pd.DataFrame, path: Path) -> None:
    """``quarter_start`` must be the first day of the month's quarter."""
    month = raw["month"].str.slice(5, 7).astype(int)
    expected = raw["month"].str.slice(0, 4) + "-" + ((month - 1) // 3 * 3 + 1).map("{:02d}".format) + "-01"
    bad = raw["quarter_start"].ne(expected)
    if bad.any():
        sample = raw.loc[bad, ["month", "quarter_start"]].head(3).to_dict("records")
        raise c.SourceFormatError(
            path,
            f"quarter_start is not the quarter of month in {int(bad.sum())} row(s), e.g. {sample}.",
            "quarter_start of 2024-05 is 2024-04-01.",
        )


def compute_periods(months: pd.Series, annual_until: int | None, path: Path) -> tuple[pd.Series, pd.Series]:
    """``time_period`` and ``freq``: months, except years up to ``annual_until`` that hold annual totals
    stored under January (the source's convention), which become ``freq = A``, ``time_period = YYYY``."""
    year = months.str.slice(0, 4).astype(int)
    annual = year.le(annual_until) if annual_until is not None else pd.Series(False, index=months.index)
    not_january = annual & months.str.slice(5, 7).ne("01")
    if not_january.any():
        raise c.SourceFormatError(
            path,
            f"{int(not_january.sum())} row(s) up to {annual_until} are not under "
            f"January, e.g. {months[not_january].head(3).tolist()}; those years "
            "should hold annual totals stored under January.",
            "check whether the source now publishes those years by month.",
        )
    period = months.where(~annual, months.str.slice(0, 4))
    freq = pd.Series("M", index=months.index).where(~annual, "A")
    return period, freq


def read_by_nationality(
    path: Path,
    dataset_id: str,
    measure: str,
    unit: str,
    columns: list[str],
    annual_until: int | None = None,
    aliases: dict[str, str] | None = None,
    recode: Callable[[pd.DataFrame, Path], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """``month, nationality_iso3, n[, quarter_start]`` -> observations with counterpart = nationality.

    Rows whose nationality codes become the same ``geo_code`` in the same month are added up
    (IOM coded two source categories with one ISO3 code); the build report counts them.
    ``aliases`` maps source-specific codes; ``recode(raw, path)`` corrects codes IOM assigned wrongly
    (it must check its own evidence and raise when the data no longer fit it).
    """
    raw = c.load_table(path, columns)
    if recode is not None:
        raw = recode(raw, path)
    c.check_pattern(raw, "month", MONTH, path, "2024-03")
    if "quarter_start" in raw.columns:
        check_quarters(raw, path)
    period, freq = compute_periods(raw["month"], annual_until, path)
    out = pd.DataFrame(
        {
            "counterpart_area": c.resolve_codes(raw["nationality_iso3"], path, "nationality_iso3", aliases),
            "time_period": period,
            "freq": freq,
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
        }
    )
    out, merged = c.sum_duplicate_keys(out, ["counterpart_area", "time_period", "freq"])
    out["measure"], out["ref_area"], out["unit"] = measure, _ref_area(dataset_id), unit
    notes = {"rows_added_up_same_code_and_month": merged} if merged else {}
    return c.finish_observations(out, dataset_id, path, notes)


def read_by_demography(path: Path, dataset_id: str, measure: str, unit: str, columns: list[str]) -> pd.DataFrame:
    """``month, demog (men/women/boys/girls), n`` -> observations by sex and age.

    In months without boys/girls rows, men and women include children: their age is ``_T``.
    """
    raw = c.load_table(path, columns)
    c.check_pattern(raw, "month", MONTH, path, "2024-03")
    c.check_allowed(raw, "demog", DEMOGRAPHY, path)
    c.check_unique(raw, ["month", "demog"], path)
    if "quarter_start" in raw.columns:
        check_quarters(raw, path)
    with_children = set(raw.loc[raw["demog"].isin(["boys", "girls"]), "month"])
    adults_only = raw["demog"].isin(["men", "women"]) & ~raw["month"].isin(with_children)
    out = pd.DataFrame(
        {
            "sex": raw["demog"].map(lambda d: DEMOGRAPHY[d][0]),
            "age": raw["demog"].map(lambda d: DEMOGRAPHY[d][1]).mask(adults_only, "_T"),
            "time_period": raw["month"],
            "freq": "M",
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
        }
    )
    out["measure"], out["ref_area"], out["unit"] = measure, _ref_area(dataset_id), unit
    return c.finish_observations(out, dataset_id, path)


def _ref_area(dataset_id: str) -> str:
    """The reporting country of a national series, from its dataset_id prefix."""
    return {"pan": "PAN", "hnd": "HND", "mex": "MEX", "gtm": "GTM"}[dataset_id.split("_")[0]]
