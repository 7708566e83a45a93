"""UNHCR forced displacement flows: new refugees, new asylum applications, refugee-like and OIP arrivals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._unhcr import read_unhcr

DATASET = c.load_metadata(__file__)
VALUES = {  # source column -> measure
    "refugees": "refugee_arrivals",
    "asylum_seekers": "new_asylum_applications",
    "refugee_like": "refugee_like_arrivals",
    "oip": "oip_arrivals",
}
DIMENSIONS = None
UNIT_COLUMN = None


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area = country of asylum, counterpart_area = country of origin."""
    return read_unhcr(
        Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], VALUES, DIMENSIONS, UNIT_COLUMN
    )
