"""Mexico: population by state and sex, INEGI Censo de Población y Vivienda 2020."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._admin1 import resolve_units

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "country_iso3",
    "iso_3166_2",
    "cve_ent",
    "year",
    "name_inegi",
    "pop_total",
    "pop_male",
    "pop_female",
    "source",
]
SEXES = {"pop_total": "_T", "pop_male": "M", "pop_female": "F"}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy ``population`` observations by state (MX-XXX) and sex, including the published total (sex ``_T``)."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "country_iso3", {"MEX"}, path)
    c.check_allowed(raw, "year", {"2020"}, path)
    c.check_unique(raw, ["iso_3166_2"], path)
    raw["ref_area"] = resolve_units(raw, path, "MEX")
    numbers = {col: c.parse_numbers(raw, col, path, allow_empty=False) for col in SEXES}
    if numbers["pop_male"].add(numbers["pop_female"]).ne(numbers["pop_total"]).any():
        raise c.SourceFormatError(
            path,
            "pop_male + pop_female differs from pop_total in some rows.",
            "check the file against the INEGI tabulado.",
        )
    parts = [
        pd.DataFrame({"ref_area": raw["ref_area"], "sex": sex, "value": numbers[col]}) for col, sex in SEXES.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    out["measure"], out["time_period"], out["freq"], out["unit"] = "population", "2020", "A", "persons"
    return c.finish_observations(out, DATASET["dataset_id"], path)
