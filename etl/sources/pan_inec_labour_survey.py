"""Panama: Encuesta de Mercado Laboral (INEC) by province and indigenous comarca, area and sex: population
15+, labour force, employed, unemployed (survey estimates, status E). Rounds Aug 2011–2019, Mar 2014–2017,
Oct 2021, Apr 2022, Aug 2023, Oct 2024, stored as the survey's reference month. The tidy file's national
World Bank columns (the same value for every province) and its other ratios are not read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "provincia",
    "periodo",
    "anio",
    "area",
    "sexo",
    "poblacion_15_mas",
    "pea",
    "ocupados",
    "desocupados",
    "tasa_desempleo",
    "tasa_participacion",
    "tasa_actividad_total",
    "tasa_actividad_urbana",
    "tasa_actividad_rural",
    "pct_jovenes_pea",
    "pct_mayores_pea",
    "pct_sector_primario",
    "pct_sector_secundario",
    "pct_sector_terciario",
    "pct_sin_educacion",
    "pct_primaria",
    "pct_secundaria",
    "pct_universitaria",
    "pct_subempleo",
    "pct_microempresa",
    "pct_empresa_grande",
    "mediana_salario",
    "empleo_informal_pct",
    "pib_crecimiento",
    "inflacion",
    "indice_gini",
    "gasto_educacion_pib",
    "desempleo_juvenil_nacional",
    "exportaciones_pib",
    "pib_per_capita",
    "poblacion_total_nacional",
]
COUNTS = {
    "poblacion_15_mas": "population_15_plus",
    "pea": "labour_force",
    "ocupados": "employed",
    "desocupados": "unemployed",
}
SEXES = {"total": "_T", "hombres": "M", "mujeres": "F"}
AREAS = {"total": "_T", "urbana": "urban", "rural": "rural"}


def province_codes(names: pd.Series, path: Path) -> dict[str, str]:
    """Province and comarca names -> codes, resolved inside Panama (Colón is also a Honduran department)."""
    import geodata

    out = {}
    for name in sorted(names.unique()):
        try:
            out[name] = geodata.resolve(name, country="PAN", level="admin1")
        except geodata.UnknownTerritoryError:
            pass  # resolve_codes reports it with its line
    return out


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy survey estimates by province or comarca (PA-1 … PA-10, PA-EM, PA-KY, PA-NB), round, area and sex."""
    path = Path(path) if path else c.vendored(DATASET)
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "periodo", r"\d{4}-(0[1-9]|1[0-2])", path, "2023-08")
    c.check_allowed(raw, "sexo", SEXES, path)
    c.check_allowed(raw, "area", AREAS, path)
    c.check_unique(raw, ["provincia", "periodo", "area", "sexo"], path)
    numbers = {col: c.parse_numbers(raw, col, path) for col in (*COUNTS, "tasa_desempleo")}
    rate = numbers["desocupados"] / numbers["pea"] * 100
    off = (
        (rate - numbers["tasa_desempleo"]).abs().gt(0.051)
    )  # some tables round the rate to 1 decimal & numbers["tasa_desempleo"].notna()
    if off.any():
        raise c.SourceFormatError(
            path,
            f"{int(off.sum())} row(s) whose tasa_desempleo is not desocupados / pea.",
            "restore the vendored file from git.",
        )
    ref = c.resolve_codes(
        raw["provincia"], path, "provincia", aliases=province_codes(raw["provincia"], path), level="admin1"
    )
    parts = [
        pd.DataFrame(
            {
                "ref_area": ref,
                "time_period": raw["periodo"],
                "sex": raw["sexo"].map(SEXES),
                "dim_1": raw["area"].map(AREAS),
                "measure": measure,
                "value": numbers[col],
            }
        )
        for col, measure in COUNTS.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    out = out[out["value"].notna()]
    out["freq"], out["unit"], out["obs_status"] = "M", "persons", "E"
    return c.finish_observations(out, DATASET["dataset_id"], path)
