"""Cached loaders of the explorer page: sources, catalogues, filter codes, tables, downloads.

Keyed on small arguments: the query string of a table, the language, and ``stamp``, the
fingerprint of the data (``atlas.core.freshness.data_stamp``) so that a rebuilt store is
never served from an old cache. Each loader opens its own read-only connection.
Returned objects are copies (``st.cache_data``); errors come back as problems, not raised,
so that a bad query is also cached.
"""

from __future__ import annotations

import streamlit as st

from atlas.core.loaders import citable_data_version
from etl import store
from etl.crosstab.catalogue import Catalogue, Source, list_sources, load_catalogue
from etl.crosstab.engine import CrosstabResult, load_code_labels, load_dimension_codes, run_crosstab
from etl.crosstab.export import build_csv, build_xlsx
from etl.crosstab.messages import CrosstabError, Problem
from etl.crosstab.spec import QuerySpec, parse_query, query_string

PAGE_MAX_CELLS = 20_000


@st.cache_data(show_spinner=False)
def sources(stamp: str) -> list[Source]:
    """The observations and every record-level dataset of the store."""
    with store.connect() as con:
        return list_sources(con)


@st.cache_data(show_spinner=False)
def catalogue(source: str, stamp: str) -> Catalogue:
    """Measures, dimensions and datasets of ``source``."""
    with store.connect() as con:
        return load_catalogue(con, source)


@st.cache_data(show_spinner=False, max_entries=256)
def dimension_codes(
    source: str, measures: tuple[str, ...], dim: str, granularity: str, area_level: str, stamp: str
) -> dict[str, tuple[str, str, int]]:
    """``{code: (name_es, name_en, order)}`` of the codes a filter on ``dim`` can offer."""
    with store.connect() as con:
        cat = load_catalogue(con, source)
        known = [m for m in measures if m in cat.measures]
        if not known or dim not in cat.dimensions_for(known):
            return {}
        codes = load_dimension_codes(con, cat, known, dim, granularity, area_level)
        return load_code_labels(con, cat, known, dim, codes)


@st.cache_data(show_spinner=False, max_entries=64)
def crosstab(query: str, stamp: str) -> tuple[CrosstabResult | None, tuple[Problem, ...]]:
    """The table of ``query`` (a query string), or the problems that stop it."""
    try:
        spec = parse_query(query)
        with store.connect() as con:
            return run_crosstab(con, spec, max_cells=PAGE_MAX_CELLS), ()
    except CrosstabError as err:
        return None, err.problems


def crosstab_of(spec: QuerySpec, stamp: str) -> tuple[CrosstabResult | None, tuple[Problem, ...]]:
    """``crosstab`` of a spec, cached under its query string (a small, stable key)."""
    return crosstab(query_string(spec), stamp)


@st.cache_data(show_spinner=False, max_entries=32)
def downloads(query: str, lang: str, stamp: str) -> tuple[bytes, bytes]:
    """The CSV and XLSX of ``query`` in ``lang`` (built only for a valid query)."""
    result, problems = crosstab(query, stamp)
    if result is None:
        raise CrosstabError(problems)
    version = citable_data_version(stamp)
    return build_csv(result, lang, version), build_xlsx(result, lang, version)
