"""Where vendored sources live and where built artefacts go.

Built artefacts go under ``data/`` (git-ignored); ``ATLAS_DATA_DIR`` moves them,
which tests and benchmarks use to build into a scratch directory.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "vendor"

BOUNDARIES = VENDOR / "boundaries"
WORLD_ATLAS_50M = BOUNDARIES / "admin0_world_atlas" / "countries-50m.json"
ADMIN1 = BOUNDARIES / "admin1" / "admin1_mesoamerica_caribbean.geojson"
US_STATES = VENDOR / "admin1_stats" / "us_states" / "states-10m.json"
US_STATES_LOOKUP = VENDOR / "admin1_stats" / "us_states" / "us_states_fips_iso_lookup.csv"
COUNTRY_NAMES = VENDOR / "reference" / "countrynames_iom_gdidata.csv"
GAZETTEER_NAMES = Path(__file__).resolve().parent / "names.yaml"


class DataNotBuiltError(FileNotFoundError):
    """A built artefact (geometry, gazetteer or store) is missing; the message says how to build it
    (``make data``). The one "data not built" error of the project: pages, commands and the API
    catch this class."""


def data_dir() -> Path:
    """The directory that holds every built artefact (``data/`` by default)."""
    return Path(os.environ.get("ATLAS_DATA_DIR", ROOT / "data"))


def geo_dir() -> Path:
    """The directory that holds built geometry and the gazetteer export."""
    return data_dir() / "geo"
