"""Deck building blocks: rounding, views, determinism, nothing fetched from outside."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from layers.base import (
    Mark,
    build_deck,
    build_features,
    build_sea_layer,
    build_unit_layer,
    compute_fitted_view,
    compute_frame,
    compute_lon_lat,
    compute_world_pixel,
    fit_view,
    geojson_geometry,
)


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


@pytest.mark.parametrize("lon,lat", [(-106.5, 31.8), (-3.7, 40.4), (0.0, 0.0), (-61.0, -34.0)])
def test_world_pixels_and_lon_lat_are_inverse(lon, lat):
    assert compute_lon_lat(*compute_world_pixel(lon, lat, 2.5), 2.5) == pytest.approx((lon, lat), abs=1e-9)


def _inside(view, marks, width, height, margin=0.0):
    left, top, right, bottom = compute_frame(view, width, height)
    for m in marks:
        x, y = compute_world_pixel(m.lon, m.lat, view.zoom)
        if not (left + margin <= x - m.left and x + m.right <= right - margin):
            return False
        if not (top + margin <= y - m.up and y + m.down <= bottom - margin):
            return False
    return True


# Mexico's north-west to Guyana and Suriname, with a long name at each end: the region on a phone's map.
REGION_MARKS = [Mark(-117.0, 32.5, 101, 101, 30, 0), Mark(-55.2, 4.0, 40, 40, 30, 0), Mark(-86.0, 12.0, 9, 9, 9, 9)]


@pytest.mark.parametrize("width,height", [(360, 520), (340, 480), (900, 520), (1200, 700), (600, 300)])
def test_a_fitted_view_shows_every_mark_whole_inside_its_margin(width, height):
    view = compute_fitted_view(REGION_MARKS, width, height, margin=16)
    assert _inside(view, REGION_MARKS, width, height, margin=16 - 0.5)
    assert not _inside(compute_fitted_view(REGION_MARKS, width, height, margin=16), REGION_MARKS, width, height, 40)


def test_a_narrower_map_is_zoomed_out_and_the_zoom_is_capped():
    phone, desktop = compute_fitted_view(REGION_MARKS, 360, 520), compute_fitted_view(REGION_MARKS, 900, 520)
    assert phone.zoom < desktop.zoom
    assert not _inside(desktop, REGION_MARKS, 360, 520)  # a desktop's view crops the region on a phone
    assert compute_fitted_view([Mark(-86.0, 12.0)], 360, 520, max_zoom=7.5).zoom == 7.5  # a lone point


@pytest.mark.parametrize("marks,size", [([], (360, 520)), ([Mark(0, 0)], (20, 520)), ([Mark(0, 0)], (360, 30))])
def test_a_fitted_view_needs_marks_and_room(marks, size):
    with pytest.raises(ValueError, match="got"):
        compute_fitted_view(marks, *size)
