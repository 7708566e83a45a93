"""UNHCR asylum applications lodged, by origin, asylum country, authority, type and stage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._unhcr import read_unhcr

DATASET = c.load_metadata(__file__)
VALUES = {  # source column -> measure
    "applied": "asylum_applications",
}
DIMENSIONS = {"dim_1": "procedure_type", "dim_2": "app_type", "dim_3": "dec_level"}
UNIT_COLUMN = "app_pc"


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area = country of asylum, counterpart_area = country of origin."""
    return read_unhcr(
        Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], VALUES, DIMENSIONS, UNIT_COLUMN
    )
