"""Choropleth decks: units coloured by class, missing values in the no-data grey.

Geometry is turned into GeoJSON features once (``build_base_features``, cached by the
page per level, detail and country); a rerun only joins colours and tooltip text to
those features (``build_choropleth_deck``), so changing indicator, year or language
costs a dictionary join and the JSON of the deck. Per-feature properties are lean:
``geo_code``, ``name``, ``tip`` (tooltip text) and ``fill``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from layers.base import VIEW_WIDTH_PX, CompactDeck, build_features, build_sea_layer, fit_view
from layers.classify import Classification, assign_classes
from layers.palettes import NO_DATA, NO_DATA_LINE, Palette, compute_class_colors, hex_to_rgb

CONTEXT_LAND = [238, 236, 230]  # land around the mapped units: paler than the no-data grey, no outline
UNIT_LINE = [255, 255, 255]
SELECTED_LINE = [20, 20, 20]
FILL_ALPHA = 235
REGION_BOUNDS = (-118.0, 0.5, -52.0, 33.0)
UNITS_LAYER = "units"


class FrozenDeck(CompactDeck):
    """A ``CompactDeck`` that serialises once: built decks are cached and never changed afterwards,
    so Streamlit's per-rerun ``to_json`` returns the same string without encoding it again."""

    def to_json(self) -> str:
        cached = self.__dict__.get("_json_cache")
        if cached is None:
            cached = super().to_json()
            self.__dict__["_json_cache"] = cached
        return cached


def build_base_features(gdf: gpd.GeoDataFrame, decimals: int) -> list[dict]:
    """GeoJSON features with ``geo_code``, ``name_es`` and ``name_en`` only, sorted by code."""
    ordered = gdf.sort_values("geo_code")
    return build_features(ordered, ["name_es", "name_en"], decimals)


def compute_fills(
    values: Mapping[str, float], codes: Sequence[str], classification: Classification, palette: Palette
) -> dict[str, list[int]]:
    """RGBA fill for every code: its class colour, or the no-data grey when it has no value."""
    series = pd.Series([values.get(c, np.nan) for c in codes], index=list(codes), dtype="float64")
    classes = assign_classes(series, classification)
    colors = [
        list(hex_to_rgb(c)) for c in compute_class_colors(palette, list(classification.uppers), classification.lower)
    ]
    no_data = [*NO_DATA, FILL_ALPHA]
    return {code: ([*colors[k], FILL_ALPHA] if k >= 0 else no_data) for code, k in zip(series.index, classes)}


def build_units_layer(
    base: Sequence[dict], fills: Mapping[str, list[int]], tips: Mapping[str, str], lang: str, no_data_tip: str
) -> pdk.Layer:
    """The pickable choropleth layer: every base feature with its fill, name and tooltip text."""
    name_key = f"name_{lang}"
    no_data_fill = [*NO_DATA, FILL_ALPHA]
    features = []
    for f in base:
        props = f["properties"]
        code = props["geo_code"]
        features.append(
            {
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {
                    "geo_code": code,
                    "name": props[name_key],
                    "tip": tips.get(code, no_data_tip),
                    "fill": fills.get(code, no_data_fill),
                    "line": UNIT_LINE if code in tips else list(NO_DATA_LINE),
                },
            }
        )
    return pdk.Layer(
        "GeoJsonLayer",
        id=UNITS_LAYER,
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        line_width_min_pixels=0.6,
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 200, 0, 140],
    )


def build_context_layer(base: Sequence[dict]) -> pdk.Layer:
    """Pale land around the mapped units (not pickable, no tooltip)."""
    features = [{"type": "Feature", "geometry": f["geometry"], "properties": {}} for f in base]
    return pdk.Layer(
        "GeoJsonLayer",
        id="land",
        data={"type": "FeatureCollection", "features": features},
        get_fill_color=CONTEXT_LAND,
        get_line_color=[255, 255, 255],
        line_width_min_pixels=0.5,
        stroked=True,
        filled=True,
        pickable=False,
    )


def build_selected_layer(base: Sequence[dict], selected: str | None) -> pdk.Layer | None:
    """A thick dark outline around the selected unit, or None when nothing is selected."""
    chosen = [
        {"type": "Feature", "geometry": f["geometry"], "properties": {}}
        for f in base
        if selected and f["properties"]["geo_code"] == selected
    ]
    if not chosen:
        return None
    return pdk.Layer(
        "GeoJsonLayer",
        id="selected",
        data={"type": "FeatureCollection", "features": chosen},
        get_line_color=SELECTED_LINE,
        line_width_min_pixels=2.5,
        stroked=True,
        filled=False,
        pickable=False,
    )


def compute_bounds(base: Sequence[dict]) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of the features' coordinates."""
    xs: list[float] = []
    ys: list[float] = []
    for f in base:
        coords = f["geometry"]["coordinates"]
        polys = [coords] if f["geometry"]["type"] == "Polygon" else coords
        for poly in polys:
            arr = np.asarray(poly[0])
            xs += [arr[:, 0].min(), arr[:, 0].max()]
            ys += [arr[:, 1].min(), arr[:, 1].max()]
    if not xs:
        raise ValueError("compute_bounds needs at least one feature with geometry")
    return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))


def build_choropleth_deck(
    units: Sequence[dict],
    fills: Mapping[str, list[int]],
    tips: Mapping[str, str],
    lang: str,
    no_data_tip: str,
    context: Sequence[dict] = (),
    selected: str | None = None,
    bounds: Sequence[float] | None = None,
    width: int = VIEW_WIDTH_PX,
) -> pdk.Deck:
    """Sea, pale context land, the choropleth units and the selected outline, fitted to ``bounds`` in a map
    ``width`` pixels wide (the width the page has in the browser, atlas.core.viewport; a desktop's by default)."""
    layers = [build_sea_layer()]
    if context:
        layers.append(build_context_layer(context))
    layers.append(build_units_layer(units, fills, tips, lang, no_data_tip))
    outline = build_selected_layer(units, selected)
    if outline is not None:
        layers.append(outline)
    view = fit_view(bounds or compute_bounds(units), width=width)
    return FrozenDeck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,
        tooltip={"html": "<b>{name}</b><br/>{tip}"},
        views=[pdk.View(type="MapView", controller=True)],
    )


def compute_tips(
    view: pd.DataFrame,
    lang: str,
    decimals: int,
    unit_label: str,
    status_labels: Mapping[str, str],
    nearest_label: str,
    partial_label: str,
) -> dict[str, str]:
    """Tooltip text per territory with a value: value and unit, period, and any quality mark.

    ``nearest_label`` and ``partial_label`` are templates with ``{period}``/``{requested}``
    and ``{months}``; ``status_labels`` names the statuses (A is not shown).
    """
    from etl.formatting import format_number

    tips: dict[str, str] = {}
    for row in view.itertuples(index=False):
        if pd.isna(row.value):
            continue
        parts = [f"{format_number(row.value, lang, decimals)} {unit_label}", str(row.period)]
        if getattr(row, "nearest", False):
            parts.append(nearest_label.format(period=row.period, requested=row.requested_period))
        months = getattr(row, "months", np.nan)
        if pd.notna(months) and months < 12:
            parts.append(partial_label.format(months=int(months)))
        if row.obs_status != "A" and row.obs_status in status_labels:
            parts.append(status_labels[row.obs_status])
        tips[row.geo_code] = " · ".join(parts)
    return tips
