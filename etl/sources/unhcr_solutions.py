"""UNHCR durable solutions: returns, resettlement and naturalisation, by origin and country."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._unhcr import read_unhcr

DATASET = c.load_metadata(__file__)
VALUES = {  # source column -> measure
    "returned_refugees": "returned_refugees",
    "resettlement": "resettlement",
    "naturalisation": "naturalisation",
    "returned_idps": "returned_idps",
}
DIMENSIONS = None
UNIT_COLUMN = None


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area = country of asylum, counterpart_area = country of origin."""
    return read_unhcr(
        Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], VALUES, DIMENSIONS, UNIT_COLUMN
    )
