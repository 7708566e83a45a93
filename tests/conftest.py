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


# --- the submission registry on both database back ends (tests/registry_backends.py) -------------


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server per test session (per xdist worker); fails when it is not installed."""
    from common.postgres import running_postgres

    with running_postgres() as pg:
        yield pg


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry_backend(request):
    """The registry's database back end (the module's registry tests run once on each)."""
    from tests.registry_backends import RegistryBackend

    server = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None
    backend = RegistryBackend(request.param, server)
    yield backend
    for path in list(backend.databases):
        backend.drop(path)


@pytest.fixture
def registry_env(registry_backend):
    """A fresh, empty registry database of the back end for this test (``$ATLAS_REGISTRY_URL`` set or unset)."""
    with pytest.MonkeyPatch.context() as env:  # its own: a test's monkeypatch.undo() keeps the database
        name = registry_backend.use(env)
        yield registry_backend
    registry_backend.drop(name)
