"""Global Data Lab Subnational Human Development Index 5.0 (with life expectancy and schooling), kept only for
the countries whose GDL regions are their admin-1 units: Honduras (18), Costa Rica (7), Guyana (10) and Panama
(12: Panamá Oeste is inside Panamá, as on the map). Regions of the other countries group several admin-1 units
and are never stored as admin-1 (the build report counts them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "gdlcode",
    "iso3",
    "region_name",
    "year",
    "shdi",
    "healthindex",
    "edindex",
    "incindex",
    "lifexp",
    "esch",
    "msch",
    "lgnic",
    "gnic",
    "pop",
    "sgdi",
]
ADMIN1_COUNTRIES = ("HND", "CRI", "GUY", "PAN")
MEASURES = {
    "shdi": ("subnational_hdi", "index"),
    "lifexp": ("life_expectancy", "years"),
    "msch": ("mean_years_schooling", "years"),
}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy modelled estimates (status E) by admin-1 unit and year, 1990–2019."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "year", r"(19|20)\d{2}", path, "2019")
    c.check_unique(raw, ["gdlcode", "year"], path)
    keep = raw["iso3"].isin(ADMIN1_COUNTRIES)
    skipped = int((~keep).sum())
    raw = raw[keep].copy()
    names = raw["region_name"].str.split(" - ", n=1).str[1]
    ref = pd.Series(index=raw.index, dtype=object)
    for iso3 in ADMIN1_COUNTRIES:
        rows = raw["iso3"].eq(iso3)
        ref[rows] = [_resolve(n, iso3, path) for n in names[rows]]
    regions = raw.assign(ref=ref).groupby("iso3")["ref"].nunique().to_dict()
    parts = []
    for column, (measure, unit) in MEASURES.items():
        parts.append(
            pd.DataFrame(
                {
                    "ref_area": ref,
                    "time_period": raw["year"],
                    "measure": measure,
                    "unit": unit,
                    "value": c.parse_numbers(raw, column, path),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out[out["value"].notna()]
    out["freq"], out["obs_status"] = "A", "E"
    return c.finish_observations(
        out,
        DATASET["dataset_id"],
        path,
        {"rows_not_admin1_skipped": skipped, **{f"regions_{k}": v for k, v in regions.items()}},
    )


def _resolve(name: str, iso3: str, path: Path) -> str:
    import geodata

    try:
        return geodata.resolve(name, country=iso3, level="admin1")
    except geodata.UnknownTerritoryError as err:
        raise c.SourceFormatError(
            path,
            f"GDL region {name!r} ({iso3}) is not an admin-1 unit: {err}.",
            "GDL regions are drawn as admin-1 only where they are admin-1 units.",
        ) from err
