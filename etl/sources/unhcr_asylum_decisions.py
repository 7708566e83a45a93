"""UNHCR asylum decisions (recognised, complementary, rejected, closed, total)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._unhcr import read_unhcr

DATASET = c.load_metadata(__file__)
VALUES = {  # source column -> measure
    "dec_recognized": "asylum_decisions_recognized",
    "dec_other": "asylum_decisions_other",
    "dec_rejected": "asylum_decisions_rejected",
    "dec_closed": "asylum_decisions_closed",
    "dec_total": "asylum_decisions_total",
}
DIMENSIONS = {"dim_1": "procedure_type", "dim_2": "dec_level"}
UNIT_COLUMN = "dec_pc"


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations: ref_area = country of asylum, counterpart_area = country of origin."""
    return read_unhcr(
        Path(path) if path else c.vendored(DATASET), DATASET["dataset_id"], VALUES, DIMENSIONS, UNIT_COLUMN
    )
