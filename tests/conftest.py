"""Shared fixtures: the built geometry (built once if missing)."""

from __future__ import annotations

import pytest

from geodata import paths


@pytest.fixture(scope="session")
def built_geo():
    """Make sure data/geo exists (``make test`` builds it first; this covers a bare pytest run)."""
    if not (paths.geo_dir() / "admin1_country.parquet").exists():
        from geodata.build import build

        build()
    return paths.geo_dir()
