"""Cached loaders of the indicator map: indicator frames per view and period, the units a view
colours and their geometry. Keyed on small arguments (indicator id, level, country, period, sex).

Objects returned from ``cache_resource`` loaders are shared between sessions: never mutate them.
Frames are computed once per (indicator, level, filters); geometry becomes GeoJSON features once
per (level, country).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

import geodata
from atlas.core.loaders import boundaries, catalogue, network
from indicators.engine import compute as compute_indicator
from indicators.engine import compute_default_period, compute_periods, level_codes, load_unit_exclusions
from indicators.profile import compute_top_partners, load_partner_observations
from indicators.quality import fill_nearest
from layers.base import VIEW_WIDTH_PX
from layers.boundaries import build_country_deck, build_region_deck
from layers.choropleth import REGION_BOUNDS, build_base_features


@st.cache_data(show_spinner=False)
def admin1_table(country: str) -> pd.DataFrame:
    """The gazetteer rows of a country's admin-1 units (with and without geometry)."""
    gaz = geodata.gazetteer()
    return gaz[(gaz.level == "admin1") & (gaz.parent_code == country)].reset_index(drop=True)


@st.cache_resource(show_spinner=False)
def region_boundary_deck(lang: str, width: int = VIEW_WIDTH_PX) -> pdk.Deck:
    return build_region_deck(boundaries("country", "region"), network(), lang, width=width)


@st.cache_resource(show_spinner=False)
def country_boundary_deck(country: str, lang: str, width: int = VIEW_WIDTH_PX) -> pdk.Deck:
    return build_country_deck(
        boundaries("admin1", "country"), boundaries("country", "region"), country, lang, width=width
    )


@st.cache_data(show_spinner=False, max_entries=256)
def indicator_series(indicator_id: str, level: str, sex: str | None = None) -> pd.DataFrame:
    """Every period of an indicator at ``level`` (with sources), as ``indicators.compute`` returns it."""
    filters = {"sex": sex} if sex else {}
    return compute_indicator(indicator_id, level, **filters)


@st.cache_data(show_spinner=False, max_entries=1024)
def territory_series(indicator_id: str, level: str, geo_code: str, sex: str | None = None) -> pd.DataFrame:
    """One territory's rows of ``indicator_series`` (every period, with sources; missing values kept), for its
    profile: a rerun reads these few rows instead of filtering the whole series (tens of ms per indicator)."""
    series = indicator_series(indicator_id, level, sex)
    return series[series["geo_code"] == geo_code]


@st.cache_data(show_spinner=False, max_entries=256)
def indicator_periods(indicator_id: str, level: str, sex: str | None = None) -> list[str]:
    """Periods with at least one value, in time order."""
    return compute_periods(indicator_series(indicator_id, level, sex))


@st.cache_data(show_spinner=False, max_entries=256)
def view_periods(indicator_id: str, level: str, country: str, sex: str | None = None) -> list[str]:
    """Periods with at least one value among the view's own territories (one country's units in a
    country view, the units drawn in the region), in time order."""
    return compute_periods(indicator_series(indicator_id, level, sex), view_codes(level, country))


@st.cache_data(show_spinner=False, max_entries=256)
def view_default_period(indicator_id: str, level: str, country: str, sex: str | None = None) -> str | None:
    """The year a view opens on: its latest observed (not projected) period with a value."""
    return compute_default_period(indicator_series(indicator_id, level, sex), view_codes(level, country))


@st.cache_data(show_spinner=False, max_entries=64)
def unit_exclusions(indicator_id: str, level: str) -> pd.DataFrame:
    """Numbers an indicator leaves out because the source counts them in another unit (e.g. cases)."""
    return load_unit_exclusions(indicator_id, level)


@st.cache_data(show_spinner=False, max_entries=512)
def indicator_view(
    indicator_id: str, level: str, period: str, codes: tuple[str, ...], sex: str | None = None
) -> pd.DataFrame:
    """One row per territory of ``codes`` for ``period`` (nearest period within the window, marked)."""
    series = indicator_series(indicator_id, level, sex)
    window = catalogue().get(indicator_id).window
    view = fill_nearest(series[series["geo_code"].isin(codes)], period, window)
    return view.reset_index(drop=True)


@st.cache_resource(show_spinner=False)
def view_units(level: str, country: str) -> gpd.GeoDataFrame:
    """The units a view colours: all countries (region, country level), the network's admin-1 units
    (region, admin-1) or one country's admin-1 units (country view). Shared: do not mutate."""
    if country:
        a1 = boundaries("admin1", "country")
        return a1[a1.parent_code == country].sort_values("geo_code").reset_index(drop=True)
    if level == "admin1":
        a1 = boundaries("admin1", "region")
        return a1[a1.parent_code.isin(network())].sort_values("geo_code").reset_index(drop=True)
    return boundaries("country", "region").sort_values("geo_code").reset_index(drop=True)


@st.cache_resource(show_spinner=False)
def view_codes(level: str, country: str) -> tuple[str, ...]:
    return tuple(view_units(level, country)["geo_code"])


@st.cache_resource(show_spinner=False)
def unit_features(level: str, country: str) -> list[dict]:
    """GeoJSON features of a view's units (geometry and names only), built once."""
    return build_base_features(view_units(level, country), 4 if country else 2)


@st.cache_resource(show_spinner=False)
def context_features(level: str, country: str) -> list[dict]:
    """The pale land around a view's units: non-network countries (region, admin-1) or neighbours."""
    countries = boundaries("country", "region")
    if country:
        minx, miny, maxx, maxy = view_units(level, country).total_bounds
        w, h = maxx - minx, maxy - miny
        near = countries.cx[minx - 2 * w - 2 : maxx + 2 * w + 2, miny - 2 * h - 2 : maxy + 2 * h + 2]
        return build_base_features(near[near.geo_code != country], 2)
    if level == "admin1":
        return build_base_features(countries[~countries.geo_code.isin(network())], 2)
    return []


@st.cache_resource(show_spinner=False)
def view_bounds(level: str, country: str) -> tuple[float, float, float, float]:
    if not country:
        return REGION_BOUNDS
    return tuple(float(v) for v in view_units(level, country).total_bounds)


@st.cache_data(show_spinner=False, max_entries=128)
def top_partners(geo_code: str, direction: str, n: int = 5) -> tuple[str | None, pd.DataFrame]:
    """Top origins or destinations of a country (UN DESA 2024, latest year)."""
    codes = set(level_codes("country"))
    return compute_top_partners(load_partner_observations(geo_code), geo_code, direction, codes, n)


@st.cache_data(show_spinner=False)
def indicators_with_admin1(country: str) -> list[str]:
    """Ids of the indicators that have at least one admin-1 value in ``country``."""
    out = []
    for ind in catalogue().indicators.values():
        if "admin1" not in ind.levels:
            continue
        series = indicator_series(ind.id, "admin1")
        if series.loc[series["value"].notna(), "geo_code"].str.startswith(geodata_prefix(country)).any():
            out.append(ind.id)
    return out


def geodata_prefix(country: str) -> str:
    """``"MEX"`` -> ``"MX-"``: the ISO 3166-2 prefix of a country's admin-1 codes."""
    import pycountry

    return f"{pycountry.countries.get(alpha_3=country).alpha_2}-"


@st.cache_data(show_spinner=False, max_entries=256)
def view_period_report(indicator_id: str, level: str, country: str, sex: str | None = None):
    """The view's default period and the status of each period (complete, partial, mid-year, projection)."""
    from indicators.periods import indicator_period_status

    return indicator_period_status(
        indicator_id, level, codes=view_codes(level, country), sex=sex, frame=indicator_series(indicator_id, level, sex)
    )
