"""El Salvador census 2024: emigrants reported by households, by department x sex x cause of emigration x
year of departure x age group when leaving x urban/rural (summed over the 44 new municipalities, which
have no vendored boundaries). ``depto_name`` is wrong for codes 06-14 in the source: the numeric code is
the only key used."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "depto",
    "deptodesc",
    "munic",
    "municdesc",
    "sex",
    "urban_rural",
    "cause",
    "year_departure",
    "age_group_emigration",
    "emigrants",
    "depto_name",
    "dept_geo_code",
    "munic_name",
]
# BCR department order 01-14 -> ISO 3166-2 (the department file's dept_geo_code, checked in tests)
DEPARTMENTS = {
    "01": "SV-AH",
    "02": "SV-SA",
    "03": "SV-SO",
    "04": "SV-CH",
    "05": "SV-LI",
    "06": "SV-SS",
    "07": "SV-CU",
    "08": "SV-PA",
    "09": "SV-CA",
    "10": "SV-SV",
    "11": "SV-US",
    "12": "SV-SM",
    "13": "SV-MO",
    "14": "SV-UN",
}
SEXES = {"female": "F", "male": "M"}
CAUSES = (
    "work",
    "job_offer",
    "family_reunification",
    "insecurity_violence",
    "study",
    "marriage",
    "natural_disaster",
    "deportation",
    "other",
)
AREAS = ("urban", "rural")


def age_code(group: str) -> str:
    """``"5-9"`` -> ``Y5T9``; ``"95+"`` -> ``Y_GE95``."""
    if group.endswith("+"):
        return f"Y_GE{group[:-1]}"
    low, high = group.split("-")
    return f"Y{int(low)}T{int(high)}"


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy ``emigrants_by_departure`` by department (SV-xx), sex, year of departure and the dims."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "depto", DEPARTMENTS, path)
    c.check_allowed(raw, "sex", SEXES, path)
    c.check_allowed(raw, "cause", CAUSES, path)
    c.check_allowed(raw, "urban_rural", AREAS, path)
    c.check_pattern(raw, "year_departure", r"20\d{2}", path, "2019")
    c.check_pattern(raw, "age_group_emigration", r"\d{1,2}-\d{1,2}|\d{2}\+", path, "20-24")
    c.check_unique(
        raw,
        [
            col
            for col in COLUMNS
            if col not in ("emigrants", "depto_name", "dept_geo_code", "munic_name", "deptodesc", "municdesc")
        ],
        path,
    )
    ages = {g: age_code(g) for g in raw["age_group_emigration"].unique()}
    cells = pd.DataFrame(
        {
            "ref_area": c.resolve_codes(raw["depto"].map(DEPARTMENTS), path, "depto", level="admin1"),
            "sex": raw["sex"].map(SEXES),
            "time_period": raw["year_departure"],
            "dim_1": raw["cause"],
            "dim_2": raw["age_group_emigration"].map(ages),
            "dim_3": raw["urban_rural"],
            "value": c.parse_numbers(raw, "emigrants", path, allow_empty=False),
        }
    )
    out, merged = c.sum_duplicate_keys(cells, ["ref_area", "sex", "time_period", "dim_1", "dim_2", "dim_3"])
    out["measure"], out["freq"], out["unit"], out["counterpart_area"] = "emigrants_by_departure", "A", "persons", "_Z"
    return c.finish_observations(out, DATASET["dataset_id"], path, {"municipality_cells_added_up": merged})
