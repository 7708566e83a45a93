"""Shared parts of the department census readers (Guatemala 2018, El Salvador 2024): the aggregates of the
statistics offices' public census microdata made by GitHub Dayacha/UchicagoPolicyLab-Migration (see
vendor/PROVENANCE.md). Only the counts are read; the crude education and labour ratios and the broken
``neet_*`` columns are left out on purpose."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._admin1 import resolve_units

# the columns common to both department files (El Salvador adds deptodesc.x)
DEPARTMENT_COLUMNS = [
    "depto",
    "poblacion_total",
    "poblacion_hombres",
    "poblacion_mujeres",
    "adolescents_out_of_school_count",
    "adolescents_population_13_15",
    "adolescents_out_of_school_rate",
    "adult_literate_count",
    "adult_population_15_plus",
    "adult_literacy_rate",
    "youth_literate_count",
    "youth_population_15_24.x",
    "youth_literacy_rate",
    "primary_completion_count",
    "primary_school_age_population",
    "primary_completion_rate",
    "lower_secondary_completion_count",
    "lower_secondary_age_population",
    "lower_secondary_completion_rate",
    "primary_enrolled_count",
    "primary_age_population",
    "net_primary_enrollment_rate",
    "secondary_enrolled_count",
    "secondary_age_population",
    "net_secondary_enrollment_rate",
    "child_employment_count",
    "child_population_7_14",
    "child_employment_rate",
    "youth_labor_force_count",
    "youth_lfpr_rate",
    "labor_force_count",
    "population_15_plus",
    "lfpr_rate",
    "neet_count",
    "neet_population_15_24",
    "neet_rate",
    "unemployment_count",
    "labor_force_population_15_plus",
    "unemployment_rate",
    "youth_unemployment_count",
    "youth_labor_force_population",
    "youth_unemployment_rate",
    "vulnerable_employment_count",
    "employed_population",
    "vulnerable_employment_rate",
    "total_households",
    "urban_households",
    "rural_households",
    "pct_urban_households",
    "pct_rural_households",
    "households_with_emigrants",
    "households_with_1_emigrant",
    "households_with_2plus_emigrants",
    "total_emigrants_household",
    "households_receiving_remittances",
    "pct_households_with_emigrants",
    "pct_households_receiving_remittances",
    "depto_name",
    "dept_geo_code",
]
# column -> (measure, sex, unit)
COUNTS = {
    "poblacion_total": ("population", "_T", "persons"),
    "poblacion_hombres": ("population", "M", "persons"),
    "poblacion_mujeres": ("population", "F", "persons"),
    "total_households": ("households", "_T", "households"),
    "households_with_emigrants": ("households_with_emigrants", "_T", "households"),
    "total_emigrants_household": ("emigrants_reported", "_T", "persons"),
    "households_receiving_remittances": ("households_receiving_remittances", "_T", "households"),
}


def iso_from_geo_code(codes: pd.Series, country_alpha2: str) -> pd.Series:
    """``GT01`` -> ``GT-01``; ``SVAH`` -> ``SV-AH``; ``HNAT`` -> ``HN-AT`` (the file's code without its hyphen)."""
    return country_alpha2 + "-" + codes.str.slice(len(country_alpha2))


def read_departments(
    path: Path, dataset_id: str, country: str, alpha2: str, year: str, columns: list[str]
) -> pd.DataFrame:
    """Department counts -> observations (population by sex, households, emigrants, remittance households)."""
    raw = c.load_table(path, columns)
    c.check_pattern(raw, "depto", r"\d{2}", path, "01")
    c.check_unique(raw, ["depto"], path)
    raw["iso_3166_2"] = iso_from_geo_code(raw["dept_geo_code"], alpha2)
    raw["ref_area"] = resolve_units(raw, path, country)
    numbers = {col: c.parse_numbers(raw, col, path, allow_empty=False) for col in COUNTS}
    if numbers["poblacion_hombres"].add(numbers["poblacion_mujeres"]).ne(numbers["poblacion_total"]).any():
        raise c.SourceFormatError(
            path,
            "poblacion_hombres + poblacion_mujeres differs from poblacion_total.",
            "restore the vendored file from git.",
        )
    parts = []
    for col, (measure, sex, unit) in COUNTS.items():
        parts.append(
            pd.DataFrame(
                {"ref_area": raw["ref_area"], "measure": measure, "sex": sex, "unit": unit, "value": numbers[col]}
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["time_period"], out["freq"] = year, "A"
    return c.finish_observations(out, dataset_id, path)
