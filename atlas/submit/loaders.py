"""Access to the submission registry for the submit page.

Public reads (published submissions, templates) are cached, keyed on small arguments: the
registry directory and the published file's modification time, so a publish or withdraw shows
at once. Private reads (a country's drafts, accounts) are never cached: they go to the registry
each time, and only after sign-in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from etl.store import registry_dir
from etl.submissions.registry import Registry, build_published_csv, load_published_datasets
from etl.submissions.spec import load_spec
from etl.submissions.templates import build_template


def registry() -> Registry:
    """The registry at ``$ATLAS_REGISTRY`` (or ``data/registry``), as of this run.

    Every read and write of it settles first what a killed write left (``Registry.recover``),
    so the page never shows a status that the public files do not follow.
    """
    return Registry(registry_dir())


def _stamp(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def published_datasets() -> pd.DataFrame:
    """Published submissions only (the ``datasets`` rows of ``published/datasets.parquet``)."""
    reg = registry()
    return _published_datasets(str(reg.path), _stamp(reg.published_path("datasets.parquet")))


@st.cache_data(show_spinner=False, max_entries=8)
def _published_datasets(path: str, stamp: int) -> pd.DataFrame:
    return load_published_datasets(path)


def published_observations_csv() -> bytes:
    """Published observations as CSV (UTF-8 with BOM, for Excel), with each row's dataset_id; no text cell
    a spreadsheet could run as a formula (``build_published_csv``)."""
    reg = registry()
    return _published_csv(str(reg.path), _stamp(reg.published_path("observations.parquet")))


@st.cache_data(show_spinner=False, max_entries=4)
def _published_csv(path: str, stamp: int) -> bytes:
    return build_published_csv(path)


@st.cache_data(show_spinner=False, max_entries=64)
def template_bytes(kind: str, lang: str, fmt: str, country: str | None) -> bytes:
    """An empty template (built once per kind, language, format and country)."""
    return build_template(kind, lang, fmt, country)


@st.cache_data(show_spinner=False)
def kind_titles(lang: str) -> dict[str, str]:
    """Kind id -> its title in ``lang``, in the specification's order."""
    return {k.id: k.title(lang) for k in load_spec().kinds.values()}
