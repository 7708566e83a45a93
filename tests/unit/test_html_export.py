"""The standalone HTML map (folium): features with their colours and tooltips, the legend, the sources
with licences, dates and attribution, the online note, and byte-identical output. Values below are
SYNTHETIC on real boundaries, plus one real view of the dead and missing migrants."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import indicators
from geodata import load_boundaries
from indicators.store import load_datasets
from layers.classify import compute_classification
from layers.exports import build_export_frame
from layers.html_export import (
    HtmlText,
    SourceNote,
    build_html_map,
    compute_status_text,
    parse_html_features,
    renumber_ids,
    validate_html_frame,
)
from layers.legend import build_legend, build_legend_html
from layers.palettes import get_palette
from tests.store_fixture import built_store  # noqa: F401  (fixture)

TEXT = HtmlText(
    lang="en",
    title="Synthetic indicator, 2020 — Whole region",
    name="Name",
    value="Value",
    unit="Unit",
    period="Period",
    status="Status",
    no_data="No data",
    sources_heading="Sources of these numbers",
    online_note="Open this file online: it loads Leaflet from cdn.jsdelivr.net.",
    licence="Licence",
    attribution="Attribution",
    retrieved="Retrieved",
    revision="Revision",
    nearest="value for {period} (nearest year to {requested})",
    partial="partial period: {months} of 12 months",
    statuses={"A": "normal", "E": "estimated"},
)
SOURCE = SourceNote(
    "Synthetic data <test>",
    "Nobody",
    "CC BY 4.0",
    "https://example.org/licence",
    "IOM's Missing Migrants Project",
    "2026-11",
    "synthetic release 1",
)


def synthetic_values() -> pd.DataFrame:
    """SYNTHETIC indicator rows (not real numbers) in the shape ``indicators.compute`` returns."""
    return pd.DataFrame(
        {
            "indicator_id": "synthetic",
            "geo_code": ["CRI", "PAN", "NIC"],
            "period": ["2020", "2020", "2019"],
            "value": [1500.5, np.nan, 3.25],
            "unit": "persons",
            "obs_status": ["A", "A", "E"],
            "months": [12.0, 12.0, 7.0],
            "dataset_id": "synthetic_ds",
            "title_es": "Datos sintéticos",
            "title_en": "Synthetic data",
            "publisher": "Nobody (test)",
            "licence": "CC BY 4.0",
            "licence_url": "https://example.org/licence",
            "attribution": "IOM's Missing Migrants Project",
            "requested_period": "2020",
            "nearest": [False, False, True],
            "retrieved": "2026-11",
            "revision": "synthetic release 1",
        }
    )


@pytest.fixture(scope="module")
def page(built_geo) -> bytes:
    frame = build_export_frame(synthetic_values(), load_boundaries("country", "region"), "en", "Synthetic", "persons")
    return build_html_map(
        frame,
        {"CRI": "#ffffcc", "NIC": "#253494"},
        TEXT,
        '<div class="atlas-legend">legend: 3.2 – 1,500.5</div>',
        [SOURCE],
        1,
    )


def test_every_unit_is_a_feature_with_its_class_colour_or_the_no_data_grey(page):
    data = parse_html_features(page)
    props = {f["properties"]["geo_code"]: f["properties"] for f in data["features"]}
    assert set(props) == {"CRI", "NIC", "PAN"}
    assert props["CRI"]["style"]["fillColor"] == "#ffffcc" and props["NIC"]["style"]["fillColor"] == "#253494"
    assert props["PAN"]["style"]["fillColor"] == "#cdcdcd" and props["PAN"]["value"] == "No data"  # never 0
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])


def test_tooltips_carry_name_value_unit_year_and_status(page):
    props = {f["properties"]["geo_code"]: f["properties"] for f in parse_html_features(page)["features"]}
    assert props["CRI"] == {
        **props["CRI"],
        "name": "Costa Rica",
        "value": "1,500.5",
        "unit": "persons",
        "period": "2020",
        "status": "normal",
    }
    assert props["NIC"]["status"] == (
        "estimated · value for 2019 (nearest year to 2020) · partial period: 7 of 12 months"
    )
    text = page.decode()
    assert "L.geoJson(" in text and ".bindTooltip(" in text
    assert '"name", "value", "unit", "period", "status"' in text


def test_the_page_has_the_legend_the_sources_the_licences_and_the_online_note(page):
    text = page.decode()
    assert '<div class="atlas-legend">legend: 3.2 – 1,500.5</div>' in text
    assert "Synthetic data &lt;test&gt;" in text and "<test>" not in text  # escaped
    assert 'href="https://example.org/licence"' in text and "CC BY 4.0" in text
    assert "Attribution: IOM's Missing Migrants Project." in text
    assert "Retrieved: 2026-11; Revision: synthetic release 1" in text
    assert TEXT.online_note in text
    assert "<title>Synthetic indicator, 2020 — Whole region</title>" in text


def test_only_leaflet_is_loaded_from_outside_and_no_tiles(page):
    urls = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', page.decode()))
    assert urls == {
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        "https://example.org/licence",
    }
    assert "L.tileLayer" not in page.decode()


def test_the_same_inputs_give_the_same_bytes(built_geo, page):
    frame = build_export_frame(synthetic_values(), load_boundaries("country", "region"), "en", "Synthetic", "persons")
    again = build_html_map(
        frame,
        {"CRI": "#ffffcc", "NIC": "#253494"},
        TEXT,
        '<div class="atlas-legend">legend: 3.2 – 1,500.5</div>',
        [SOURCE],
        1,
    )
    assert again == page
    assert renumber_ids("a_0123456789abcdef0123456789abcdef b_0123456789abcdef0123456789abcdef_add") == (
        f"a_{1:032d} b_{1:032d}_add"
    )


def test_bad_inputs_say_what_is_wrong(built_geo):
    frame = build_export_frame(synthetic_values(), load_boundaries("country", "region"), "en", "Synthetic", "persons")
    assert validate_html_frame(frame) == []
    with pytest.raises(ValueError, match="missing \\['value'\\]"):
        build_html_map(frame.drop(columns="value"), {}, TEXT, "", [SOURCE], 1)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        build_html_map(pd.DataFrame(frame), {}, TEXT, "", [SOURCE], 1)
    with pytest.raises(ValueError, match="no embedded GeoJSON"):
        parse_html_features(b"<html></html>")


@pytest.mark.parametrize(
    "row,expected",
    [
        ({"obs_status": "A"}, "normal"),
        ({"obs_status": "E", "months_covered": 12.0}, "estimated"),
        ({"obs_status": "X"}, "X"),
        (
            {"obs_status": "A", "nearest_year": True, "period": "2019", "requested_period": "2020"},
            "normal · value for 2019 (nearest year to 2020)",
        ),
        ({"obs_status": "A", "months_covered": 4.0}, "normal · partial period: 4 of 12 months"),
    ],
)
def test_status_text(row, expected):
    assert compute_status_text(row, TEXT) == expected


@pytest.mark.usefixtures("built_store")
def test_a_real_view_of_dead_and_missing_migrants_carries_the_attribution():
    view = indicators.compute("dead_missing", "country", "2023")
    units = load_boundaries("country", "region")
    frame = build_export_frame(
        units[["geo_code"]].merge(view, on="geo_code", how="left").assign(indicator_id="dead_missing", unit="persons"),
        units,
        "es",
        "Personas migrantes muertas y desaparecidas",
        "personas",
    )
    classes = compute_classification(frame["value"], "quantiles", 5)
    palette = get_palette("YlOrBr")
    legend = build_legend_html(
        build_legend(classes, palette, int(frame["value"].isna().sum())), "es", 0, "Muertes", "Sin datos", str
    )
    have = frame[frame["value"].notna()]
    fills = dict(zip(have["geo_code"], ["#fe9929"] * len(have)))
    meta = load_datasets().set_index("dataset_id").loc["iom_missing_migrants"]
    note = SourceNote(
        meta["title_es"],
        meta["publisher"],
        meta["licence"],
        meta["licence_url"],
        meta["attribution"],
        str(meta["retrieved"]),
        meta["revision"],
    )
    page = build_html_map(frame, fills, TEXT, legend, [note], 0)
    text = page.decode()
    assert "Attribution: IOM's Missing Migrants Project" in text and "CC BY 4.0" in text
    props = {f["properties"]["geo_code"]: f["properties"] for f in parse_html_features(page)["features"]}
    mex = view.set_index("geo_code").loc["MEX", "value"]
    assert props["MEX"]["value"] == f"{mex:,.0f}" and props["MEX"]["style"]["fillColor"] == "#fe9929"
    assert sum(p["value"] == "No data" for p in props.values()) == int(frame["value"].isna().sum())
