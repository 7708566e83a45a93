"""Cached loaders of the Data and sources page: the coverage matrix and the data version.

The coverage matrix computes every indicator of the catalogue (20–50 s on a busy machine), so it is
computed once per data version, not once per process: ``matrix_key`` (a short hash of the data stamp,
``atlas.core.freshness.data_stamp``, and of the catalogue and indicator code the matrix is computed with)
names a Parquet file beside the store (``<store dir>/cache/coverage-<key>.parquet``) that every later
process reads in a fraction of a second. Within a process the matrix is held by ``st.cache_data`` keyed
on that small key. It is computed in the default language; ``coverage_matrix`` gives its links the
visitor's language by rewriting their ``lang`` parameter. When the cache folder cannot be written (a
read-only deployment) the matrix is still computed and held in memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from atlas.core.i18n import DEFAULT_LANG
from atlas.sources import params
from etl import store

log = logging.getLogger(__name__)
INDICATORS_DIR = Path(__file__).resolve().parents[2] / "indicators"
MATRIX_PREFIX = "coverage-"


def matrix_key(stamp: str) -> str:
    """16 hex digits naming the matrix of data stamp ``stamp`` computed by this code and catalogue."""
    digest = hashlib.sha256(stamp.encode())
    for path in sorted([*INDICATORS_DIR.glob("*.py"), *INDICATORS_DIR.glob("*.yaml")]):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(repr((params.MATRIX_YEARS, DEFAULT_LANG)).encode())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    """Where the computed matrices are kept: ``$ATLAS_CACHE_DIR``, else a ``cache`` folder beside the store."""
    env = os.environ.get("ATLAS_CACHE_DIR")
    return Path(env) if env else store.store_path().parent / "cache"


def matrix_file(key: str) -> Path:
    return cache_dir() / f"{MATRIX_PREFIX}{key}.parquet"


def compute_matrix() -> pd.DataFrame:
    """The matrix over the store, trimmed to the first and last year with data (the slow part)."""
    from indicators.coverage import load_coverage_matrix

    matrix = load_coverage_matrix(years=params.MATRIX_YEARS, lang=DEFAULT_LANG)
    filled = matrix.loc[matrix["status"] != "missing", "year"]
    first, last = params.compute_year_bounds(filled)
    return matrix[matrix["year"].between(first, last)].reset_index(drop=True)


def save_matrix(matrix: pd.DataFrame, key: str) -> Path | None:
    """Write the matrix of ``key`` atomically and remove those of other keys; None if the folder is read-only."""
    target = matrix_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".tmp", delete=False) as tmp:
            matrix.to_parquet(tmp.name, index=False)
        os.replace(tmp.name, target)
    except OSError as err:
        log.warning("coverage matrix not kept on disk (%s): it is recomputed by every new process", err)
        return None
    for old in target.parent.glob(f"{MATRIX_PREFIX}*.parquet"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def clear_matrix_files() -> int:
    """Remove every kept matrix (benchmarks start cold with it); how many were removed."""
    files = list(cache_dir().glob(f"{MATRIX_PREFIX}*.parquet")) if cache_dir().is_dir() else []
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)


def load_matrix(key: str) -> pd.DataFrame:
    """The matrix of ``key``: read from disk when a process already computed it, else computed and kept."""
    path = matrix_file(key)
    if path.is_file():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as err:  # a damaged file: compute again and replace it
            log.warning("%s could not be read (%s): computing the coverage matrix again", path, err)
    matrix = compute_matrix()
    save_matrix(matrix, key)
    return matrix


@st.cache_data(show_spinner=False, max_entries=2)
def _coverage_matrix(key: str) -> pd.DataFrame:
    return load_matrix(key)


@st.cache_data(show_spinner=False, max_entries=4)
def coverage_matrix(stamp: str, lang: str) -> pd.DataFrame:
    """Every network country x level x theme x year from the first to the last year with data, links in ``lang``."""
    matrix = _coverage_matrix(matrix_key(stamp))
    if lang == DEFAULT_LANG:
        return matrix
    return matrix.assign(link=matrix["link"].map(lambda link: params.with_lang(link, lang)))
