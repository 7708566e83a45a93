"""Deck building blocks: rounding, views, determinism, nothing fetched from outside."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from layers.base import build_deck, build_features, build_sea_layer, build_unit_layer, fit_view, geojson_geometry


def test_geojson_geometry_rounds_and_drops_repeated_points():
    poly = Polygon([(0, 0), (1.00001, 0), (1.00002, 0), (1, 1), (0, 1)])
    geo = geojson_geometry(poly, 3)
    assert geo["type"] == "Polygon"
    assert geo["coordinates"][0] == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]


def test_parts_that_collapse_when_rounded_are_dropped():
    tiny = box(5, 5, 5.0001, 5.0001)
    geo = geojson_geometry(MultiPolygon([box(0, 0, 1, 1), tiny]), 2)
    assert geo["type"] == "Polygon"
    assert geojson_geometry(tiny, 2) is None
    assert geojson_geometry(Polygon(), 2) is None


def test_features_need_codes_and_carry_extra_properties():
    gdf = gpd.GeoDataFrame({"geo_code": ["A"], "name": ["Aa"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    [feature] = build_features(gdf, ["name"], 2, extra={"A": {"value": float("nan"), "fill": [1, 2, 3]}})
    assert feature["properties"] == {"geo_code": "A", "name": "Aa", "value": None, "fill": [1, 2, 3]}
    with pytest.raises(ValueError, match="geo_code"):
        build_features(gdf.rename(columns={"geo_code": "code"}), ["name"], 2)


@pytest.mark.parametrize("bounds", [(-92.3, 13.7, -88.2, 17.8), (-118, 0.5, -52, 33), (-61.1, 13.7, -60.8, 14.2)])
def test_fit_view_centres_on_the_bounds_and_zooms_to_fit(bounds):
    view = fit_view(bounds)
    assert bounds[0] < view.longitude < bounds[2]
    assert bounds[1] < view.latitude < bounds[3]
    smaller = fit_view((bounds[0], bounds[1], (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2))
    assert smaller.zoom > view.zoom or view.zoom == smaller.zoom == 9.0  # capped at max_zoom


def test_fit_view_rejects_inverted_bounds():
    with pytest.raises(ValueError, match="minx"):
        fit_view((10, 0, 0, 1))


def test_deck_json_is_compact_deterministic_and_fetches_nothing():
    gdf = gpd.GeoDataFrame({"geo_code": ["B", "A"]}, geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)], crs=4326)

    def make():
        layer = build_unit_layer(build_features(gdf, [], 2), "units", fill=[1, 2, 3])
        return build_deck([build_sea_layer(), layer], fit_view(tuple(gdf.total_bounds)), {"html": "{geo_code}"})

    first, second = make().to_json(), make().to_json()
    assert first == second
    assert "\n" not in first
    spec = json.loads(first)
    assert spec.get("mapProvider") in (None, "")  # no basemap tiles; map_style left unset
    assert "http" not in first
