"""Choropleth layers: fills by class, no-data grey, tooltips with quality marks, lean and deterministic decks.
Values below are SYNTHETIC."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from layers.choropleth import (
    FrozenDeck,
    build_base_features,
    build_choropleth_deck,
    compute_fills,
    compute_tips,
)
from layers.classify import compute_classification
from layers.palettes import NO_DATA, get_palette, hex_to_rgb

UNITS = gpd.GeoDataFrame(
    {"geo_code": ["C", "A", "B"], "name_es": ["Ce", "A", "Be"], "name_en": ["Cee", "Ay", "Bee"]},
    geometry=[box(2, 0, 3, 1), box(0, 0, 1, 1), box(1, 0, 2, 1)],
    crs=4326,
)


def test_fills_follow_classes_and_missing_is_grey():
    values = {"A": 1.0, "B": 9.0}
    classes = compute_classification(list(values.values()), "equal_interval", 2)
    fills = compute_fills(values, ["A", "B", "C"], classes, get_palette("YlGnBu"))
    assert fills["C"][:3] == list(NO_DATA)
    assert fills["A"][:3] != fills["B"][:3] and fills["A"][:3] != list(NO_DATA)
    assert tuple(fills["B"][:3]) == hex_to_rgb(get_palette("YlGnBu").colors[-1])


def test_tips_mark_nearest_years_partial_periods_and_statuses():
    view = pd.DataFrame(
        {
            "geo_code": ["A", "B", "C", "D"],
            "value": [1234.5, 2.0, 3.0, np.nan],
            "period": ["2019", "FY2025", "2020", "2020"],
            "requested_period": "2020",
            "nearest": [True, False, False, False],
            "months": [12.0, 8.0, 12.0, 12.0],
            "obs_status": ["A", "A", "F", "A"],
        }
    )
    tips = compute_tips(
        view,
        "en",
        1,
        "persons",
        {"F": "projection"},
        "value for {period} (nearest to {requested})",
        "partial period: {months} of 12 months",
    )
    assert tips["A"] == "1,234.5 persons · 2019 · value for 2019 (nearest to 2020)"
    assert "partial period: 8 of 12 months" in tips["B"] and tips["C"].endswith("projection")
    assert "D" not in tips


def test_deck_is_lean_sorted_deterministic_and_fetches_nothing():
    base = build_base_features(UNITS, 2)
    assert [f["properties"]["geo_code"] for f in base] == ["A", "B", "C"]

    def make():
        return build_choropleth_deck(base, {"A": [1, 2, 3, 235]}, {"A": "1 · 2020"}, "en", "No data", selected="B")

    first, second = make().to_json(), make().to_json()
    assert first == second and isinstance(make(), FrozenDeck)
    spec = json.loads(first)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    props = [f["properties"] for f in layers["units"]["data"]["features"]]
    assert set(props[0]) == {"geo_code", "name", "tip", "fill", "line"}
    assert props[1]["tip"] == "No data" and props[0]["name"] == "Ay"
    assert len(layers["selected"]["data"]["features"]) == 1
    assert "http" not in first and spec.get("mapProvider") in (None, "")


def test_a_narrower_map_is_zoomed_out_and_900_pixels_is_the_desktop_view():
    """Issue 16: every region and country deck is fitted to the width the page has; 900 is the old view."""
    from layers.base import fit_view
    from layers.boundaries import REGION_BOUNDS, build_country_deck, build_region_deck

    base = build_base_features(UNITS, 2)
    countries = UNITS.assign(parent_code="X")

    def views(width: int) -> list[dict]:
        decks = [
            build_choropleth_deck(base, {}, {}, "en", "No data", bounds=REGION_BOUNDS, width=width),
            build_region_deck(UNITS, ["A"], "en", width=width),
            build_country_deck(countries, UNITS, "X", "en", width=width),
        ]
        return [json.loads(deck.to_json())["initialViewState"] for deck in decks]

    old = [fit_view(REGION_BOUNDS), fit_view(REGION_BOUNDS), fit_view(tuple(UNITS.total_bounds))]
    for view, before in zip(views(900), old):
        assert (view["longitude"], view["latitude"], view["zoom"]) == (before.longitude, before.latitude, before.zoom)
    for desktop, phone in zip(views(900), views(340)):
        assert phone["zoom"] < desktop["zoom"] - 0.5
