"""Boundaries and the gazetteer of the atlas: codes, names, aliases and built geometry.

Public entry points::

    geodata.load_boundaries(level, detail)   # GeoDataFrame, EPSG:4326
    geodata.resolve(text, country=None)      # code or name (es/en, old codes) -> geo_code
    geodata.gazetteer()                      # one row per territory
"""

from geodata.boundaries import DETAILS, LEVELS, label_points, load_boundaries
from geodata.gazetteer import UnknownTerritoryError, gazetteer, name, network_countries, normalise, resolve
from geodata.paths import DataNotBuiltError

__all__ = [
    "DETAILS",
    "LEVELS",
    "DataNotBuiltError",
    "UnknownTerritoryError",
    "gazetteer",
    "label_points",
    "load_boundaries",
    "name",
    "network_countries",
    "normalise",
    "resolve",
]
