"""Shared parts of the admin-1 statistics readers (Mexico INEGI/CONAPO, Honduras INE)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import geodata
from etl.sources import _common as c


def resolve_units(raw: pd.DataFrame, path: Path, country: str, national: pd.Series | None = None) -> pd.Series:
    """``iso_3166_2`` -> geo_code; rows flagged ``national`` (empty ISO code) become ``country``.

    Every other row must name an admin-1 unit of ``country`` in the gazetteer.
    """
    national = national if national is not None else pd.Series(False, index=raw.index)
    if raw.loc[national, "iso_3166_2"].ne("").any() or raw.loc[~national, "iso_3166_2"].eq("").any():
        raise c.SourceFormatError(
            path, "iso_3166_2 must be empty on national rows and only there.", "fill the unit's ISO 3166-2 code."
        )
    units = c.resolve_codes(raw.loc[~national, "iso_3166_2"], path, "iso_3166_2", level="admin1")
    parents = geodata.gazetteer().set_index("geo_code")["parent_code"]
    foreign = sorted(set(units[units.map(parents).ne(country)]))
    if foreign:
        raise c.SourceFormatError(path, f"units outside {country}: {foreign[:5]}.", f"every unit must be in {country}.")
    return pd.Series(country, index=raw.index, dtype=object).mask(~national, units)
