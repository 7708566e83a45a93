"""Plain boundary maps: the region at country level, one country at admin-1 level."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pydeck as pdk

from layers.base import (
    VIEW_WIDTH_PX,
    build_deck,
    build_features,
    build_land_layer,
    build_sea_layer,
    build_unit_layer,
    fit_view,
)

NETWORK_FILL = [31, 78, 121, 150]
UNIT_FILL = [31, 78, 121, 110]
# The region view: from northern Mexico and the US border to Guyana and Suriname.
REGION_BOUNDS = (-118.0, 0.5, -52.0, 33.0)


def _named(gdf: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    return gdf.assign(name=gdf[f"name_{lang}"])


def build_region_deck(
    countries: gpd.GeoDataFrame, network: Sequence[str], lang: str, decimals: int = 2, width: int = VIEW_WIDTH_PX
) -> pdk.Deck:
    """Every country drawn as land; the network countries pickable, hover shows their name; fitted to a map
    ``width`` pixels wide."""
    named = _named(countries, lang)
    land = build_land_layer(build_features(named, ["name"], decimals), highlight=network)
    net = named[named.geo_code.isin(network)]
    units = build_unit_layer(build_features(net, ["name"], decimals), "countries", fill=NETWORK_FILL)
    tooltip = {"html": "<b>{name}</b> · {geo_code}"}
    return build_deck([build_sea_layer(), land, units], fit_view(REGION_BOUNDS, width=width), tooltip)


def build_country_deck(
    admin1: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame,
    country: str,
    lang: str,
    decimals: int = 4,
    width: int = VIEW_WIDTH_PX,
) -> pdk.Deck:
    """One country's admin-1 units over the land of its neighbours, fitted to a map ``width`` pixels wide."""
    units = _named(admin1[admin1.parent_code == country], lang)
    if units.empty:
        raise ValueError(f"no admin-1 units for {country!r}")
    minx, miny, maxx, maxy = units.total_bounds
    w, h = maxx - minx, maxy - miny
    near = countries.cx[minx - 2 * w - 2 : maxx + 2 * w + 2, miny - 2 * h - 2 : maxy + 2 * h + 2]
    land = build_land_layer(build_features(_named(near, lang), ["name"], 2))
    layer = build_unit_layer(build_features(units, ["name"], decimals), "units", fill=UNIT_FILL)
    tooltip = {"html": "<b>{name}</b> · {geo_code}"}
    return build_deck([build_sea_layer(), land, layer], fit_view(units.total_bounds, width=width), tooltip)


def build_region_admin1_deck(
    admin1: gpd.GeoDataFrame, countries: gpd.GeoDataFrame, network: Sequence[str], lang: str, decimals: int = 2
) -> pdk.Deck:
    """The whole region at admin-1: every unit of the twelve countries over the land of the rest."""
    named = _named(countries, lang)
    land = build_land_layer(build_features(named[~named.geo_code.isin(network)], ["name"], decimals))
    units = _named(admin1[admin1.parent_code.isin(network)], lang)
    layer = build_unit_layer(build_features(units, ["name"], decimals), "units", fill=UNIT_FILL)
    tooltip = {"html": "<b>{name}</b> · {geo_code}"}
    return build_deck([build_sea_layer(), land, layer], fit_view(REGION_BOUNDS), tooltip)
