"""Load the built boundaries (``python -m geodata build`` writes them)."""

from __future__ import annotations

import functools

import geopandas as gpd
import pandas as pd

from geodata import paths

LEVELS = ("country", "admin1")
DETAILS = ("region", "country")


def _check(level: str, detail: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, got {detail!r}")


def _read(level: str, detail: str) -> gpd.GeoDataFrame:
    path = paths.geo_dir() / f"{level}_{detail}.parquet"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise paths.DataNotBuiltError(
            f"{path} does not exist. Build the geometry with `make data` or `python -m geodata build`."
        ) from None
    return _read_file(str(path), stamp)


@functools.lru_cache(maxsize=8)
def _read_file(path: str, stamp: int) -> gpd.GeoDataFrame:
    """The file at ``path`` as it was at modification time ``stamp`` (a rebuild is read again)."""
    return gpd.read_parquet(path)


def load_boundaries(level: str, detail: str) -> gpd.GeoDataFrame:
    """Boundaries at ``level`` ("country" or "admin1") and ``detail`` ("region" or "country").

    Columns: ``geo_code``, ``parent_code``, ``level``, ``name_es``, ``name_en``, ``in_network``,
    ``label_lon``, ``label_lat`` (a point inside the unit, for labels and flow ends) and
    ``geometry`` (EPSG:4326). ``country`` level covers the Americas plus Spain; ``admin1``
    covers the twelve network countries and the US states. Returns a copy.
    """
    _check(level, detail)
    return _read(level, detail).copy()


def label_points() -> pd.DataFrame:
    """``geo_code``, ``label_lon``, ``label_lat`` for every unit at both levels."""
    frames = [_read(level, "country")[["geo_code", "label_lon", "label_lat"]] for level in LEVELS]
    return pd.concat(frames, ignore_index=True)
