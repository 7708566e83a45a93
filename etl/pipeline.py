"""The whole store build: the harmonised observations (``etl.store``) plus the record-level
tables of the cross-tab engine (``etl.crosstab.microdata``), in one atomic build.

``etl.store`` imports nothing above it; this module is where the two meet.
"""

from __future__ import annotations

import functools
from pathlib import Path

from etl import store
from etl.crosstab.microdata import build_microdata_tables


def build_store(path: Path | str | None = None, synthetic_records: int = 0) -> store.BuildReport:
    """Build the store at ``path`` (default ``store.store_path()``) with its record-level tables.

    ``synthetic_records`` > 0 adds the SYNTHETIC entry/exit microdata (labelled as such
    everywhere) for demonstrations of the explorer; the default store holds real data only.
    """
    microdata = functools.partial(build_microdata_tables, synthetic_records=synthetic_records)
    return store.build(path, steps=[microdata])
