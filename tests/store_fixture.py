"""A fixture that makes sure the store exists (``make test`` builds it first; this covers a bare pytest run)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def built_store(built_geo):
    """The store file, built from the vendored sources when it is missing."""
    from etl import pipeline, store

    path = store.store_path()
    if not path.exists():
        pipeline.build_store()
    return path
