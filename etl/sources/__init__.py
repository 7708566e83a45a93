"""One reader per vendored source dataset: ``etl/sources/<name>.py`` + ``<name>.yaml``.

A reader module has ``DATASET`` (its metadata, from the YAML file next to it) and
``read(path=None) -> pandas.DataFrame`` (tidy observations in the columns of
``etl.schema.OBS_COLUMNS``). It may also have ``read_tables(path=None) -> dict`` when the
source gives more than observations (``{"observations": ..., "mmp_incidents": ...}``).
Modules whose name starts with ``_`` are helpers, not sources.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pandas as pd

from etl.sources._common import vendored


@dataclass(frozen=True)
class Source:
    """A reader module and its dataset metadata."""

    name: str
    module: ModuleType

    @property
    def meta(self) -> dict:
        return self.module.DATASET

    @property
    def dataset_id(self) -> str:
        return self.meta["dataset_id"]

    @property
    def path(self) -> Path:
        return vendored(self.meta)

    def read_tables(self, path: Path | None = None) -> dict[str, pd.DataFrame]:
        """``{"observations": frame, ...}`` for this source (from its vendored file by default)."""
        if hasattr(self.module, "read_tables"):
            return self.module.read_tables(path)
        return {"observations": self.module.read(path)}


def discover_sources() -> list[Source]:
    """Every reader module in this package, sorted by name."""
    out = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not (hasattr(module, "read") and hasattr(module, "DATASET")):
            raise TypeError(f"etl/sources/{info.name}.py must define DATASET and read(path)")
        out.append(Source(info.name, module))
    ids = [s.dataset_id for s in out]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"dataset_id used by more than one reader: {repeated}")
    return out
