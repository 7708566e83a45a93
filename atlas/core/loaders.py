"""Cached loaders every page family shares: geometry, names, the catalogue, datasets and their sources.

Keyed on small arguments (level, detail, language, dataset id). Objects returned by
``cache_resource`` loaders are shared between sessions: never mutate them. A missing build
raises ``geodata.DataNotBuiltError``, which pages turn into ``ui.render_missing_data``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

import geodata
from indicators import load_catalogue
from indicators.catalogue import Catalogue
from indicators.store import load_datasets, load_unit_names
from layers.flows import build_land


@st.cache_resource(show_spinner=False)
def boundaries(level: str, detail: str) -> gpd.GeoDataFrame:
    """Built boundaries, read once per process (shared: do not mutate)."""
    return geodata.load_boundaries(level, detail)


@st.cache_resource(show_spinner=False)
def network() -> tuple[str, ...]:
    """The network's countries (ISO3), in gazetteer order."""
    return geodata.network_countries()


@st.cache_data(show_spinner=False)
def country_choices(lang: str) -> dict[str, str]:
    """Network countries as ``{geo_code: name}``, sorted by name in ``lang``."""
    names = {code: geodata.name(code, lang) for code in geodata.network_countries()}
    return dict(sorted(names.items(), key=lambda kv: geodata.normalise(kv[1])))


@st.cache_data(show_spinner=False)
def place_names(lang: str) -> dict[str, str]:
    """``{geo_code: name}`` of every territory in the gazetteer, in ``lang``."""
    gaz = geodata.gazetteer()
    return dict(zip(gaz["geo_code"], gaz[f"name_{lang}"]))


@st.cache_resource(show_spinner=False)
def label_points() -> pd.DataFrame:
    """Label points of every unit with geometry, indexed by ``geo_code`` (shared: do not mutate)."""
    return geodata.label_points().drop_duplicates("geo_code").set_index("geo_code")


@st.cache_resource(show_spinner=False)
def land_layer() -> pdk.Layer:
    """The light land layer under flows and corridors, built once per process."""
    return build_land(boundaries("country", "region"))


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    """The indicator catalogue (shared: do not mutate)."""
    return load_catalogue()


@st.cache_data(show_spinner=False)
def datasets() -> pd.DataFrame:
    """Every public dataset with its licence, attribution, coverage and caveats."""
    return load_datasets()


@st.cache_resource(show_spinner=False)
def dataset_lookup() -> dict[str, dict[str, object]]:
    """``{dataset_id: {column: value}}`` of the public datasets (shared: do not mutate)."""
    return datasets().set_index("dataset_id").to_dict("index")


def dataset_info(dataset_id: str) -> dict[str, str]:
    """A public dataset's row (title, publisher, licence, caveats …) as plain strings; ``{}`` if unknown."""
    row = dataset_lookup().get(dataset_id)
    if row is None:
        return {}
    return {"dataset_id": dataset_id} | {
        k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)) for k, v in row.items()
    }


@st.cache_data(show_spinner=False)
def unit_names(lang: str) -> dict[str, str]:
    """``{unit code: name}`` from the store's ``units`` codelist, in ``lang``."""
    return {unit: names.get(lang, unit) for unit, names in load_unit_names().items()}


@st.cache_data(show_spinner=False)
def citable_data_version(stamp: str | None = None) -> str:
    """The data version every download, bulletin and API response cites (``etl.crosstab.version``)."""
    from etl.crosstab.version import load_data_version
    from etl.store import connect

    with connect() as con:
        return load_data_version(con)
