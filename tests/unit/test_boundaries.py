"""Built boundaries: counts, validity, a clean coverage after simplification, nesting, labels.

Tolerance: after simplification the units still form a clean polygonal coverage —
no overlaps and shared edges identical (``shapely.coverage_is_valid`` with no gap
width) — every hole left in the union is at least ``geodata.build.GAP_WIDTH`` (0.12°,
about 13 km) wide, i.e. a lake such as the Great Lakes, never a sliver between
neighbours — and every pair of units that touched in the cleaned source still touches.
Gaps narrower than ``GAP_WIDTH`` where the three boundary sources disagree are closed
when the coverage is cleaned, before simplification.
"""

from __future__ import annotations

import functools

import pytest
import shapely

import geodata
from geodata.build import DETAILS, GAP_WIDTH, clean_coverage, load_atoms
from tests.unit.test_gazetteer import EXPECTED_ADMIN1

pytestmark = pytest.mark.usefixtures("built_geo")
CASES = [(level, detail) for level in geodata.LEVELS for detail in geodata.DETAILS]


@functools.cache
def _source():
    return clean_coverage(load_atoms())


def _touching(gdf) -> set[tuple[str, str]]:
    tree = shapely.STRtree(gdf.geometry.values)
    left, right = tree.query(gdf.geometry.values, predicate="intersects")
    codes = gdf.geo_code.values
    return {tuple(sorted((codes[a], codes[b]))) for a, b in zip(left, right) if a != b}


@pytest.mark.parametrize("level,detail", CASES)
def test_columns_crs_and_validity(level, detail):
    gdf = geodata.load_boundaries(level, detail)
    assert {"geo_code", "parent_code", "name_es", "name_en", "label_lon", "label_lat", "geometry"} <= set(gdf.columns)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geo_code.is_unique
    assert gdf.is_valid.all()
    assert not gdf.is_empty.any()
    assert gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()


@pytest.mark.parametrize("detail", geodata.DETAILS)
@pytest.mark.parametrize("country,count", sorted(EXPECTED_ADMIN1.items()))
def test_admin1_counts_per_country(detail, country, count):
    gdf = geodata.load_boundaries("admin1", detail)
    assert (gdf.parent_code == country).sum() == count


def test_us_states_and_dc_are_the_destination_units():
    gdf = geodata.load_boundaries("admin1", "region")
    assert (gdf.parent_code == "USA").sum() == 51


def test_countries_of_the_americas_plus_spain():
    codes = set(geodata.load_boundaries("country", "region").geo_code)
    assert {"USA", "CAN", "COL", "VEN", "ECU", "CUB", "HTI", "DOM", "ESP", "GUF", "BRA"} <= codes
    assert set(EXPECTED_ADMIN1) <= codes


@pytest.mark.parametrize("level,detail", CASES)
def test_simplified_units_form_a_clean_coverage_without_slivers(level, detail):
    gdf = geodata.load_boundaries(level, detail)
    assert shapely.coverage_is_valid(gdf.geometry.values)
    union = shapely.union_all(gdf.geometry.values)
    holes = [shapely.Polygon(ring) for poly in shapely.get_parts(union) for ring in poly.interiors]
    widths = [2 * shapely.length(shapely.maximum_inscribed_circle(h, 0.001)) for h in holes]
    assert [w for w in widths if w < GAP_WIDTH] == []


@pytest.mark.parametrize("detail", geodata.DETAILS)
def test_neighbours_keep_their_shared_borders(detail):
    source = _source()
    simple = geodata.load_boundaries("admin1", detail)
    source = source[source.geo_code.isin(simple.geo_code)]
    lost = _touching(source) - _touching(simple)
    assert lost == set()


@pytest.mark.parametrize("detail", geodata.DETAILS)
def test_every_admin1_unit_lies_within_its_drawn_country(detail):
    """Within the built country layer (the union of its units): guards the dissolve and the parents."""
    admin1 = geodata.load_boundaries("admin1", detail)
    countries = geodata.load_boundaries("country", detail).set_index("geo_code").geometry
    outside = [
        r.geo_code for r in admin1.itertuples() if not countries[r.parent_code].buffer(1e-9).contains(r.geometry)
    ]
    assert outside == []


# Independent of the build: each unit against its country's own outline in the Natural Earth
# 50 m world-atlas file (which the admin-1 units were not cut from). The two sources are
# simplified differently and 50 m drops small islands (Honduras's Bay Islands lose about a
# fifth of their area to the sea), so a unit passes when at least 75 % of its area lies within
# 11 km (about 0.1°) of its country's outline; a unit attached to the wrong country has almost none.
# Buffers and areas are computed in an equal-area projection (metres), never in degrees.
OWN_OUTLINE_SHARE = 0.75
OUTLINE_BUFFER_M = 11_000
EQUAL_AREA = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global (cylindrical equal-area)


def test_every_admin1_unit_lies_mostly_within_its_country_in_an_independent_source():
    import geopandas as gpd
    import pandas as pd

    from geodata import paths

    ref = pd.read_csv(paths.COUNTRY_NAMES, keep_default_na=False, dtype=str)
    ids = {f"{int(float(m)):03d}": iso3 for m, iso3 in zip(ref.m49, ref.iso3) if m}
    world = gpd.read_file(paths.WORLD_ATLAS_50M, layer="countries").set_crs(4326, allow_override=True)
    world["geo_code"] = world["id"].map(ids)
    admin1 = geodata.load_boundaries("admin1", "country")
    world = world[world.geo_code.isin({*admin1.parent_code, "GTM"})]
    admin1 = admin1.to_crs(EQUAL_AREA)
    outline = world.set_index("geo_code").geometry.make_valid().to_crs(EQUAL_AREA).buffer(OUTLINE_BUFFER_M)
    shares = {
        r.geo_code: r.geometry.intersection(outline[r.parent_code]).area / r.geometry.area for r in admin1.itertuples()
    }
    assert {c: round(v, 2) for c, v in shares.items() if v < OWN_OUTLINE_SHARE} == {}
    # and the check can fail: a Mexican state is not within Guatemala
    mx_son = admin1.set_index("geo_code").geometry["MX-SON"]
    assert mx_son.intersection(outline["GTM"]).area / mx_son.area < 0.01


@pytest.mark.parametrize("level", geodata.LEVELS)
def test_label_points_lie_inside_their_unit(level):
    gdf = geodata.load_boundaries(level, "country")
    points = shapely.points(gdf.label_lon.values, gdf.label_lat.values)
    inside = shapely.contains(shapely.buffer(gdf.geometry.values, 1e-4), points)
    assert [c for c, ok in zip(gdf.geo_code, inside) if not ok] == []


def test_region_detail_is_lighter_than_country_detail():
    coords = {
        d: shapely.get_num_coordinates(geodata.load_boundaries("admin1", d).geometry.values).sum()
        for d in geodata.DETAILS
    }
    assert coords["region"] < coords["country"]
    assert DETAILS["region"].tolerance > DETAILS["country"].tolerance


@pytest.mark.parametrize(
    "level,detail,message",
    [
        ("province", "region", "level must be one of"),
        ("admin1", "world", "detail must be one of"),
    ],
)
def test_bad_arguments_say_what_is_allowed(level, detail, message):
    with pytest.raises(ValueError, match=message):
        geodata.load_boundaries(level, detail)


def test_missing_build_says_how_to_build(tmp_path, monkeypatch):
    from geodata import DataNotBuiltError

    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotBuiltError, match="make data"):
        geodata.load_boundaries("admin1", "region")


def test_a_rebuilt_file_is_read_again(tmp_path, monkeypatch, built_geo):
    import shutil

    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path))
    (tmp_path / "geo").mkdir()
    target = tmp_path / "geo" / "country_region.parquet"
    shutil.copy(built_geo / "country_region.parquet", target)
    before = geodata.load_boundaries("country", "region")
    before.iloc[:3].to_parquet(target)  # a "rebuild" that replaces the file
    assert len(geodata.load_boundaries("country", "region")) == 3


def test_loaded_frames_are_copies():
    a = geodata.load_boundaries("country", "region")
    a.loc[:, "name_en"] = "changed"
    assert (geodata.load_boundaries("country", "region").name_en != "changed").all()
