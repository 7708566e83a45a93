"""Cached loaders of the Data and sources page: the coverage matrix and the data version.

Keyed on the data stamp (``atlas.core.freshness.data_stamp``) and the language. The coverage matrix
computes every indicator of the catalogue (about 20 s): it is computed once per data stamp, in the
default language, and its links are given the other language by rewriting their ``lang`` parameter.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from atlas.core.i18n import DEFAULT_LANG
from atlas.sources import params
from etl import store
from etl.crosstab.version import load_data_version


@st.cache_data(show_spinner=False, max_entries=2)
def _coverage_matrix(stamp: str) -> pd.DataFrame:
    from indicators.coverage import load_coverage_matrix

    matrix = load_coverage_matrix(years=params.MATRIX_YEARS, lang=DEFAULT_LANG)
    filled = matrix.loc[matrix["status"] != "missing", "year"]
    first, last = params.compute_year_bounds(filled)
    return matrix[matrix["year"].between(first, last)].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=4)
def coverage_matrix(stamp: str, lang: str) -> pd.DataFrame:
    """Every network country x level x theme x year from the first to the last year with data, links in ``lang``."""
    matrix = _coverage_matrix(stamp)
    if lang == DEFAULT_LANG:
        return matrix
    return matrix.assign(link=matrix["link"].map(lambda link: params.with_lang(link, lang)))


@st.cache_data(show_spinner=False, max_entries=2)
def data_version(stamp: str) -> str:
    """``"<build time UTC> · <hash>"``: the version the explorer's downloads and the API state."""
    with store.connect() as con:
        return load_data_version(con)
