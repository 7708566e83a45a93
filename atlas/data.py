"""Cached loaders: the only place pages get data from. Keyed on small arguments.

Objects returned from ``cache_resource`` loaders are shared between sessions: never
mutate them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

import geodata
from layers.boundaries import build_country_deck, build_region_deck


@st.cache_resource(show_spinner=False)
def boundaries(level: str, detail: str) -> gpd.GeoDataFrame:
    """Built boundaries, read once per process (shared: do not mutate)."""
    return geodata.load_boundaries(level, detail)


@st.cache_resource(show_spinner=False)
def network() -> tuple[str, ...]:
    return geodata.network_countries()


@st.cache_data(show_spinner=False)
def country_choices(lang: str) -> dict[str, str]:
    """Network countries as ``{geo_code: name}``, sorted by name in ``lang``."""
    names = {code: geodata.name(code, lang) for code in geodata.network_countries()}
    return dict(sorted(names.items(), key=lambda kv: geodata.normalise(kv[1])))


@st.cache_data(show_spinner=False)
def admin1_table(country: str) -> pd.DataFrame:
    """The gazetteer rows of a country's admin-1 units (with and without geometry)."""
    gaz = geodata.gazetteer()
    return gaz[(gaz.level == "admin1") & (gaz.parent_code == country)].reset_index(drop=True)


@st.cache_resource(show_spinner=False)
def region_boundary_deck(lang: str) -> pdk.Deck:
    return build_region_deck(boundaries("country", "region"), network(), lang)


@st.cache_resource(show_spinner=False)
def country_boundary_deck(country: str, lang: str) -> pdk.Deck:
    return build_country_deck(boundaries("admin1", "country"), boundaries("country", "region"), country, lang)
