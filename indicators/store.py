"""Read what indicators need from the store, through ``etl.store.connect()`` only.

Only the public views (``public_observations``, ``public_datasets``) are read, so a
submission that is not published never reaches an indicator.
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import LevelSpec

OBS_SQL = """
SELECT dataset_id, measure, ref_area, counterpart_area, time_period, freq, time_start, sex, age,
       dim_1, dim_2, dim_3, dim_4, dim_5, value, unit, obs_status
FROM public_observations
WHERE list_contains(?, dataset_id) AND list_contains(?, measure)
"""
DATASETS_SQL = """
SELECT dataset_id, title_es, title_en, publisher, licence, licence_url, attribution, origin, retrieved, revision,
       coverage, caveats_es, caveats_en, kind, status, version, row_count
FROM public_datasets ORDER BY dataset_id
"""

UNITS_SQL = "SELECT unit, name_es, name_en FROM units ORDER BY unit"


def load_observations(spec: LevelSpec) -> pd.DataFrame:
    """The observations of the datasets and measures that ``spec`` draws on (numerator and denominator)."""
    from etl.store import connect

    terms = [t for t in (spec.numerator, spec.subtract, spec.denominator) if t is not None]
    datasets = sorted({d for t in terms for d in t.datasets})
    measures = sorted({m for t in terms for m in t.measures})
    with connect() as con:
        return con.execute(OBS_SQL, [datasets, measures]).df()


def load_datasets() -> pd.DataFrame:
    """One row per public dataset: titles, publisher, licence, attribution, coverage, caveats."""
    from etl.store import connect

    with connect() as con:
        return con.execute(DATASETS_SQL).df()


def load_unit_names() -> dict[str, dict[str, str]]:
    """``{unit: {"es": name, "en": name}}`` from the store's unit codelist (to name a unit on screen)."""
    from etl.store import connect

    with connect() as con:
        rows = con.execute(UNITS_SQL).fetchall()
    return {unit: {"es": es, "en": en} for unit, es, en in rows}
