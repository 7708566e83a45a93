"""Stages of the geometry build on small hand-made inputs."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import box

from geodata.build import Detail, clean_coverage, compute_label_points, dissolve_countries, simplify


def _frame(rows):
    return gpd.GeoDataFrame(rows, crs=4326)


def test_clean_coverage_gives_overlaps_to_the_first_unit_and_closes_slivers():
    atoms = _frame(
        [
            {"geo_code": "A-1", "parent_code": "A", "level": "admin1", "geometry": box(0, 0, 1, 1)},
            {"geo_code": "B", "parent_code": "B", "level": "country", "geometry": box(0.9, 0, 2, 1)},
            {"geo_code": "C", "parent_code": "C", "level": "country", "geometry": box(0, 1, 3, 2)},
            {"geo_code": "D", "parent_code": "D", "level": "country", "geometry": box(0, -1, 3, 0)},
            {"geo_code": "E", "parent_code": "E", "level": "country", "geometry": box(2.01, 0, 3, 1)},
        ]
    )
    out = clean_coverage(atoms, gap_width=0.05)
    assert shapely.coverage_is_valid(out.geometry.values)
    assert abs(out.geometry[0].area - 1.0) < 1e-9  # A keeps the overlap
    union = shapely.union_all(out.geometry.values)
    assert abs(union.area - 9.0) < 1e-6  # the 0.01-wide enclosed sliver is closed
    assert all(not p.interiors for p in shapely.get_parts(union))


def test_simplify_keeps_shared_borders_and_units():
    wiggly = shapely.Polygon([(0, 0), (1, 0), (1, 0.5), (1.001, 0.6), (1, 0.7), (1, 1), (0, 1)])
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.7), (1.001, 0.6), (1, 0.5)])
    atoms = _frame(
        [
            {"geo_code": "L", "parent_code": "X", "level": "admin1", "geometry": wiggly},
            {"geo_code": "R", "parent_code": "X", "level": "admin1", "geometry": right},
        ]
    )
    out = simplify(atoms, Detail(tolerance=0.01, quantize=1e5, decimals=3))
    assert shapely.coverage_is_valid(out.geometry.values)
    assert out.geometry[0].intersection(out.geometry[1]).length > 0.99
    assert shapely.get_num_coordinates(out.geometry[0]) < shapely.get_num_coordinates(wiggly)


def test_dissolve_and_label_points():
    atoms = _frame(
        [
            {"geo_code": "X-1", "parent_code": "X", "level": "admin1", "geometry": box(0, 0, 1, 1)},
            {"geo_code": "X-2", "parent_code": "X", "level": "admin1", "geometry": box(1, 0, 3, 1)},
        ]
    )
    countries = dissolve_countries(atoms)
    assert list(countries.geo_code) == ["X"]
    assert abs(countries.geometry[0].area - 3.0) < 1e-9
    labels = compute_label_points(atoms).set_index("geo_code")
    assert box(1, 0, 3, 1).contains(shapely.Point(labels.loc["X-2", "label_lon"], labels.loc["X-2", "label_lat"]))
