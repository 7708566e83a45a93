"""Flow and corridor layers: widths, legend values, records, determinism, no outside requests (SYNTHETIC flows)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pydeck as pdk
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from layers.base import compute_frame, compute_world_pixel, deck_bytes
from layers.corridors import build_corridor_deck, build_incident_records, build_node_records, compute_incident_radius
from layers.flow_exports import (
    PROVENANCE_COLUMNS,
    MissingProvenanceError,
    UnknownDownloadFormatError,
    build_table_download,
)
from layers.flows import (
    DESTINATION,
    NET_UNKNOWN,
    ORIGIN,
    WidthScale,
    build_arc_records,
    build_flow_deck,
    build_land,
    build_place_records,
    build_width_legend_svg,
    compute_arc_marks,
    compute_label_mark,
    compute_label_placement,
    compute_label_text,
    compute_legend_values,
    compute_light_geometry,
    compute_nice_number,
    compute_view_bounds,
)

POINTS = pd.DataFrame(
    {
        "geo_code": ["VEN", "COL", "PAN", "USA"],
        "label_lon": [-66.12345, -73.1, -80.2, -98.0],
        "label_lat": [7.0, 4.0, 8.5, 39.0],
    }
).set_index("geo_code")


def _drawn():
    return pd.DataFrame(
        {
            "origin": ["VEN", "VEN", "COL"],
            "destination": ["COL", "USA", "PAN"],
            "value": [400.0, 100.0, 25.0],
            "period": "2024",
        }
    )


def _tips(row):
    return [f"{row['origin']}>{row['destination']}", str(row["value"]), "m", "s"]


@pytest.mark.parametrize(
    "value,nice", [(0, 0.0), (7, 5.0), (1234, 1000.0), (2500, 2000.0), (9999, 5000.0), (52_000, 50_000.0), (1, 1.0)]
)
def test_nice_numbers_are_one_two_or_five_times_a_power_of_ten(value, nice):
    assert compute_nice_number(value) == nice


def test_legend_has_three_distinct_values_below_the_maximum():
    values = compute_legend_values(2_875_000)
    assert values == [2_000_000.0, 500_000.0, 100_000.0]
    assert compute_legend_values(0) == [] and compute_legend_values(float("nan")) == []
    assert len(compute_legend_values(3)) == len(set(compute_legend_values(3)))


def test_width_grows_with_the_square_root_of_volume():
    scale = WidthScale(400.0, max_px=20.0, min_px=1.0)
    assert scale.width(400) == 20.0 and scale.width(100) == 10.0 and scale.width(0.0001) == 1.0
    assert scale.width(float("nan")) == 1.0
    assert scale.alpha(400) > scale.alpha(100) > scale.alpha(1)
    assert WidthScale(0.0).width(5) == 1.0


def test_arcs_carry_direction_colours_width_and_hover_lines():
    arcs = build_arc_records(_drawn(), POINTS, WidthScale(400.0), _tips)
    assert [(a["o"], a["d"]) for a in arcs] == [("COL", "PAN"), ("VEN", "USA"), ("VEN", "COL")]  # largest on top
    big = arcs[-1]
    assert big["from"] == [-66.123, 7.0] and big["to"] == [-73.1, 4.0]
    assert big["sc"][:3] == list(ORIGIN) and big["tc"][:3] == list(DESTINATION)
    assert big["tip_title"] == "VEN>COL" and set(big) >= {"tip_1", "tip_2"} and "tip_3" not in big


def test_places_are_coloured_by_the_sign_of_net_and_the_focus_is_larger():
    totals = pd.DataFrame(
        {
            "place": ["VEN", "COL", "PAN", "IND"],
            "incoming": [float("nan"), 400.0, 25.0, 1.0],
            "outgoing": [500.0, 25.0, float("nan"), 3.0],
            "net": [float("nan"), 375.0, float("nan"), -2.0],
        }
    )
    places = {p["code"]: p for p in build_place_records(totals, POINTS, "COL", _tips_place)}
    assert set(places) == {"VEN", "COL", "PAN"}  # IND has no label point
    assert places["COL"]["fill"][:3] == list(DESTINATION) and places["COL"]["r"] > places["PAN"]["r"]
    assert places["VEN"]["fill"][:3] == list(NET_UNKNOWN)


def _tips_place(row):
    return [row["place"], "", "", ""]


def test_the_deck_is_deterministic_small_and_fetches_nothing():
    countries = pd.DataFrame({"geo_code": ["A"]})
    import geopandas as gpd

    land = build_land(gpd.GeoDataFrame(countries, geometry=[box(-80, 0, -60, 10)], crs=4326))
    arcs = build_arc_records(_drawn(), POINTS, WidthScale(400.0), _tips)
    deck = build_flow_deck(land, arcs, [], [], (-118, 0.5, -52, 33))
    text = deck.to_json()
    assert text == build_flow_deck(land, arcs, [], [], (-118, 0.5, -52, 33)).to_json()
    spec = json.loads(text)
    assert [layer["id"] for layer in spec["layers"]] == ["sea", "land", "flows", "places", "labels"]
    assert spec.get("mapProvider") in (None, "") and "http" not in text
    assert deck_bytes(deck) < 20_000


def test_view_bounds_fit_the_ends_with_a_minimum_span():
    assert compute_view_bounds([], (1, 2, 3, 4)) == (1, 2, 3, 4)
    minx, miny, maxx, maxy = compute_view_bounds([[-80, 8], [-79, 9]], (0, 0, 1, 1))
    assert maxx - minx >= 8 and maxy - miny >= 8


def test_light_land_drops_small_arctic_islands_but_keeps_caribbean_ones():
    arctic = box(-100, 70, -99.5, 70.5)
    caribbean = box(-61.0, 13.7, -60.9, 14.1)
    kept = compute_light_geometry(MultiPolygon([box(-100, 40, -90, 50), arctic, caribbean]))
    parts = shapely.get_parts(kept)
    assert len(parts) == 2 and not any(p.equals(arctic) for p in parts)


def test_legend_svg_names_the_ends_and_every_reference_width():
    svg = build_width_legend_svg(
        [1000.0, 250.0], WidthScale(1000.0), ["1,000 persons", "250 persons"], "origin", "destination <b>"
    )
    assert svg.startswith("<svg") and "1,000 persons" in svg and "250 persons" in svg
    assert "destination &lt;b&gt;" in svg and svg.count("<line ") == 2


def test_incident_radius_has_area_proportional_to_the_count():
    assert compute_incident_radius(100, 100) == 18.0
    assert compute_incident_radius(25, 100) == 9.0
    assert compute_incident_radius(1, 10_000) == 3.0 and compute_incident_radius(float("nan"), 5) == 3.0


def test_corridor_deck_draws_chain_nodes_and_incidents():
    points = pd.DataFrame(
        {
            "node_id": ["COL", "PA-5", "swb"],
            "geo_code": ["COL", "PA-5", None],
            "lon": [-73.0, -77.8, -106.5],
            "lat": [4.0, 8.0, 31.8],
        }
    )
    nodes = build_node_records(points, ["PA-5"], {"PA-5": "Darién"}, lambda n: [n, "", "", ""])
    assert [n["r"] for n in nodes] == [6, 9, 6] and nodes[1]["text"] == "Darién"
    incidents = pd.DataFrame({"lon": [-77.5], "lat": [8.2], "dead_and_missing": [4.0]})
    records = build_incident_records(incidents, lambda row: ["a", "b", "c", "d"])
    spec = json.loads(build_corridor_deck(build_land(_one_country()), points, nodes, records).to_json())
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["sea", "land", "incidents", "chain", "nodes", "labels"]
    chain = next(layer for layer in spec["layers"] if layer["id"] == "chain")
    assert chain["data"][0]["path"] == [[-73.0, 4.0], [-77.8, 8.0], [-106.5, 31.8]]
    assert build_incident_records(incidents.iloc[:0], lambda row: []) == []


def _one_country():
    import geopandas as gpd

    return gpd.GeoDataFrame({"geo_code": ["A"]}, geometry=[box(-80, 0, -60, 10)], crs=4326)


ABOUT = [
    {
        "dataset_id": "undesa_ims2024",
        "title_es": "Stock de migrantes 2024",
        "title_en": "Migrant stock 2024",
        "publisher": "UN DESA",
        "licence": "CC BY 3.0 IGO",
        "licence_url": "https://creativecommons.org/licenses/by/3.0/igo/",
        "attribution": "United Nations, DESA, Population Division (2024)",
        "retrieved": "2025-01",
        "revision": "2024",
        "caveats_en": "Stocks, not flows.",
    },
    {
        "dataset_id": "darien_transit",
        "title_es": "Tránsito por el Darién",
        "title_en": "Darién transit",
        "publisher": "Servicio Nacional de Migración",
        "licence": "Public information",
        "licence_url": "",
        "attribution": "SNM Panamá",
        "retrieved": "2025-02",
        "revision": "2025-01",
    },
]


def _flows_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": ["VEN", "HTI", "VEN"],
            "value": [1.5, None, 3.0],
            "unit": "persons",
            "dataset_id": ["undesa_ims2024", "darien_transit", "undesa_ims2024"],
        }
    )


@pytest.mark.parametrize("lang,source", [("en", "Migrant stock 2024"), ("es", "Stock de migrantes 2024")])
def test_csv_downloads_carry_source_licence_attribution_and_date_on_every_row(lang, source):
    import io

    csv = pd.read_csv(
        io.BytesIO(build_table_download(_flows_frame(), "csv", ABOUT, lang)),
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    assert list(csv.columns) == ["origin", "value", "unit", "dataset_id", *PROVENANCE_COLUMNS]
    assert csv["origin"].tolist() == ["VEN", "HTI", "VEN"]  # rows stay in order
    first, second = csv.iloc[0], csv.iloc[1]
    assert (first["source"], first["licence"], first["retrieved"]) == (source, "CC BY 3.0 IGO", "2025-01")
    assert first["attribution"] == "United Nations, DESA, Population Division (2024)"
    assert (second["publisher"], second["retrieved"], second["revision"]) == (
        "Servicio Nacional de Migración",
        "2025-02",
        "2025-01",
    )
    assert second["value"] == ""  # missing stays missing, not 0


def test_xlsx_downloads_carry_provenance_on_every_row_and_an_about_sheet():
    import io

    xlsx = build_table_download(_flows_frame(), "xlsx", ABOUT, "en")
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None, engine="openpyxl")
    assert set(sheets) == {"data", "about"} and sheets["about"]["caveats_en"].iloc[0] == "Stocks, not flows."
    assert sheets["data"]["licence"].tolist() == ["CC BY 3.0 IGO", "Public information", "CC BY 3.0 IGO"]
    assert not math.isnan(sheets["data"]["value"].iloc[0]) and math.isnan(sheets["data"]["value"].iloc[1])


def test_downloads_refuse_unknown_formats_and_rows_without_a_source():
    frame = _flows_frame()
    with pytest.raises(UnknownDownloadFormatError, match="valid"):
        build_table_download(frame, "pdf", ABOUT)
    with pytest.raises(ValueError, match="dataset_id"):
        build_table_download(frame.drop(columns="dataset_id"), "csv", ABOUT)
    with pytest.raises(MissingProvenanceError, match="darien_transit"):
        build_table_download(frame, "csv", ABOUT[:1])
    with pytest.raises(MissingProvenanceError, match="undesa_ims2024"):
        build_table_download(frame, "xlsx")
    assert build_table_download(frame.iloc[:0], "csv", ()).decode("utf-8-sig").splitlines() == [
        ",".join(["origin", "value", "unit", "dataset_id", *PROVENANCE_COLUMNS])
    ]


@pytest.mark.parametrize(
    "selection,code",
    [
        ({"objects": {"places": [{"code": "PAN", "pos": [0, 0]}]}}, "PAN"),
        ({"objects": {"flows": [{"o": "VEN", "d": "COL"}]}}, None),
        ({"objects": {}}, None),
        (None, None),
        ({"objects": {"places": [{"code": ""}]}}, None),
    ],
)
def test_a_click_on_a_place_picks_its_code(selection, code):
    from atlas.flows.params import compute_picked_place

    assert compute_picked_place(selection) == code


def test_labels_never_overlap_and_the_most_important_are_kept():
    from layers.base import compute_world_pixel as _pixel
    from layers.flows import compute_label_placement

    labels = [
        {"pos": [-86.2, 15.2], "text": "Honduras"},
        {"pos": [-88.9, 13.8], "text": "El Salvador"},
        {"pos": [-90.3, 15.7], "text": "Guatemala"},
        {"pos": [-85.0, 12.8], "text": "Nicaragua"},
        {"pos": [-102.0, 23.0], "text": "México"},
    ]
    kept = compute_label_placement(labels, zoom=3.0)
    assert kept[0]["text"] == "Honduras"  # first in importance, always kept
    assert "México" in [k["text"] for k in kept]  # far from the others: kept
    assert len(kept) < len(labels)  # Central America at zoom 3 cannot hold every name
    boxes = []
    for k in kept:
        x, y = _pixel(*k["pos"], 3.0)
        half = len(k["text"]) * 7.2 / 2
        boxes.append((x - half, y - 20, x + half, y - 8))
    assert not any(
        a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for i, a in enumerate(boxes) for b in boxes[i + 1 :]
    )
    assert len(compute_label_placement(labels, zoom=7.0)) == len(labels)  # zoomed in, all fit


@pytest.mark.parametrize(
    "text,expected",
    [
        ("México", "México"),
        ("Frontera suroeste de EE. UU.", "Frontera suroeste\nde EE. UU."),
        ("US south-west border", "US south-west\nborder"),
        ("República Dominicana", "República\nDominicana"),
        ("San Vicente y las Granadinas", "San Vicente y las\nGranadinas"),
        ("", ""),
    ],
)
def test_long_names_are_broken_into_short_lines(text, expected):
    assert compute_label_text(text) == expected


def test_a_label_box_is_as_wide_as_its_longest_line_and_as_tall_as_its_lines():
    one = compute_label_mark({"pos": [0, 0], "text": "Frontera suroeste"})
    two = compute_label_mark({"pos": [0, 0], "text": "Frontera suroeste\nde EE. UU."})
    assert one.left == two.left == one.right and two.up > one.up and one.down <= 0


def test_an_arc_bends_to_the_left_of_its_direction_as_deck_gl_draws_it():
    east = compute_arc_marks({"from": [-90.0, 10.0], "to": [-30.0, 10.0], "w": 6.0})
    west = compute_arc_marks({"from": [-30.0, 10.0], "to": [-90.0, 10.0], "w": 6.0})
    assert east[0].lon == pytest.approx(-90.0) and east[-1].lon == pytest.approx(-30.0)
    assert max(m.lat for m in east) > 20 and min(m.lat for m in east) >= 10 - 1e-9  # eastward: bends north
    assert min(m.lat for m in west) < 0 and max(m.lat for m in west) <= 10 + 1e-9  # westward: bends south
    assert all(m.left == m.up == 3.0 for m in east)  # half the arc's width


def test_a_label_the_map_edge_would_cut_is_left_out():
    labels = [{"pos": [-86.2, 15.2], "text": "Honduras"}, {"pos": [-60.0, 15.0], "text": "Far east"}]
    x, y = compute_world_pixel(-86.2, 15.2, 5.0)
    frame = (x - 200, y - 200, x + 200, y + 200)
    assert [k["text"] for k in compute_label_placement(labels, 5.0, frame=frame)] == ["Honduras"]
    assert len(compute_label_placement(labels, 5.0)) == 2


@pytest.mark.parametrize("width,height", [(360, 520), (900, 520), (900, 480)])
def test_the_flow_deck_shows_every_arc_place_and_name_whole_at_the_width_it_is_given(width, height):
    import geopandas as gpd

    points = pd.concat(
        [POINTS, pd.DataFrame({"label_lon": [-3.7, -117.0], "label_lat": [40.4, 32.5]}, index=["ESP", "MEX"])]
    )
    drawn = pd.DataFrame(
        {"origin": ["VEN", "MEX", "COL"], "destination": ["ESP", "USA", "PAN"], "value": [400.0, 900.0, 25.0]}
    ).assign(period="2024")
    totals = pd.DataFrame({"place": list(points.index), "incoming": 1.0, "outgoing": 1.0, "net": 0.0})
    land = build_land(gpd.GeoDataFrame({"geo_code": ["A"]}, geometry=[box(-80, 0, -60, 10)], crs=4326))
    arcs = build_arc_records(drawn, points, WidthScale(900.0), _tips)
    places = build_place_records(totals, points, None, _tips_place)
    names = {"ESP": "España", "MEX": "Frontera suroeste de EE. UU."}
    ranked = sorted(places, key=lambda p: p["code"] not in names)  # the names at both ends first: always kept
    labels = [{"pos": p["pos"], "text": names.get(p["code"], p["code"])} for p in ranked]
    spec = json.loads(build_flow_deck(land, arcs, places, labels, (-118, 0.5, -52, 33), "", width, height).to_json())
    view = spec["initialViewState"]
    left, top, right, bottom = compute_frame(pdk.ViewState(**view), width, height)
    for r in arcs:
        for m in compute_arc_marks(r):
            x, y = compute_world_pixel(m.lon, m.lat, view["zoom"])
            assert left <= x - m.left and x + m.right <= right and top <= y - m.up and y + m.down <= bottom
    shown = next(layer for layer in spec["layers"] if layer["id"] == "labels")["data"]
    assert {"España", "Frontera suroeste\nde EE. UU."} <= {label["text"] for label in shown}
    for label in shown:
        m = compute_label_mark(label)
        x, y = compute_world_pixel(m.lon, m.lat, view["zoom"])
        assert left <= x - m.left and x + m.right <= right and top <= y - m.up and y + m.down <= bottom, label
