"""Session fixture for the store tests: the store built once per test session.

``data/atlas.duckdb`` is reused when it is newer than every file it is built from (``make
test`` builds it first); otherwise the store is built once into the session's tmp dir.
Import the fixture into a test module with ``from tests.unit.store_support import built_store``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from etl import pipeline, store

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("vendor", "etl", "geodata")


def _newest_input() -> float:
    return max(
        p.stat().st_mtime for d in INPUTS for p in (ROOT / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


@functools.lru_cache(maxsize=1)
def _build_once(directory: str) -> Path:
    """Build into ``directory`` once per process (both store test modules share it)."""
    path = Path(directory) / "atlas.duckdb"
    pipeline.build_store(path)
    return path


@pytest.fixture(scope="session")
def built_store(tmp_path_factory, built_geo) -> Path:
    """Path of a store built from the current code and vendored files."""
    default = store.store_path()
    if default.exists() and default.stat().st_mtime > _newest_input():
        return default
    return _build_once(str(tmp_path_factory.getbasetemp() / "store"))
