"""UNHCR population statistics: refugees, asylum-seekers and others, by origin and asylum country, end of year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._unhcr import read_unhcr

DATASET = c.load_metadata(__file__)
VALUES = {  # source column -> measure
    "refugees": "refugees",
    "asylum_seekers": "asylum_seekers",
    "returned_refugees": "returned_refugees",
    "idps": "idps",
    "returned_idps": "returned_idps",
    "stateless": "stateless",
    "ooc": "others_of_concern",
    "oip": "oip",
    "hst": "host_community",
}
DIMENSIONS = None
UNIT_COLUMN = None


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area = country of asylum, counterpart_area = country of origin."""
    return read_unhcr(
        Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], VALUES, DIMENSIONS, UNIT_COLUMN
    )
