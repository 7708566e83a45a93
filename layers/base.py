"""Pure builders shared by every map: features, sea and land layers, view state, the deck.

No basemap tiles: the deck is drawn with ``map_provider=None`` and ``map_style`` left
unset, so the browser makes no request outside the machine. Output is deterministic:
the same inputs give byte-identical deck JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

SEA = [234, 241, 247]
LAND = [218, 218, 212]
LAND_NETWORK = [200, 206, 214]
BORDER = [255, 255, 255]
OUTLINE = [90, 90, 90]

# Map size assumed when fitting a view to bounds (the page's default map height).
VIEW_WIDTH_PX = 900
VIEW_HEIGHT_PX = 520


def build_features(
    gdf: gpd.GeoDataFrame,
    properties: Sequence[str],
    decimals: int,
    extra: Mapping[str, Mapping[str, object]] | None = None,
) -> list[dict]:
    """GeoJSON features with coordinates rounded to ``decimals`` and the listed properties.

    ``extra`` maps a ``geo_code`` to more properties for that feature (values, colours).
    """
    if "geo_code" not in gdf.columns:
        raise ValueError(f"build_features needs a geo_code column, got {list(gdf.columns)}")
    records = gdf[list(dict.fromkeys(["geo_code", *properties]))].to_dict("records")
    extra = extra or {}
    features = []
    for geom, props in zip(gdf.geometry.values, records):
        geometry = geojson_geometry(geom, decimals)
        if geometry is None:
            continue
        props = {k: _plain(v) for k, v in props.items()}
        props.update({k: _plain(v) for k, v in extra.get(props["geo_code"], {}).items()})
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return features


def geojson_geometry(geom: shapely.Geometry | None, decimals: int) -> dict | None:
    """A (Multi)Polygon as a GeoJSON dict with rounded coordinates and no repeated points.

    Rings that collapse below four points after rounding are dropped (holes) or drop
    their polygon (shells); ``None`` when nothing is left.
    """
    if geom is None or geom.is_empty:
        return None
    polygons = []
    for poly in shapely.get_parts(geom):
        rings = []
        for i, ring in enumerate([poly.exterior, *poly.interiors]):
            xy = np.round(shapely.get_coordinates(ring), decimals)
            keep = np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]
            xy = xy[keep]
            if len(xy) < 4:
                if i == 0:
                    break
                continue
            rings.append(xy.tolist())
        if rings and len(rings[0]) >= 4:
            polygons.append(rings)
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _plain(value: object) -> object:
    """A JSON-ready Python value (numpy scalars become Python; NaN becomes None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def build_sea_layer() -> pdk.Layer:
    """A plain sea rectangle under everything, so the map reads as a map without tiles."""
    return pdk.Layer(
        "PolygonLayer",
        id="sea",
        data=[{"polygon": [[-179.9, -70], [179.9, -70], [179.9, 80], [-179.9, 80]]}],
        get_polygon="polygon",
        get_fill_color=SEA,
        stroked=False,
        pickable=False,
    )


def build_land_layer(features: list[dict], layer_id: str = "land", highlight: Iterable[str] = ()) -> pdk.Layer:
    """Grey land with white borders; ``highlight`` codes get a slightly darker grey."""
    highlight = set(highlight)
    data = [
        {
            **f,
            "properties": {
                **f["properties"],
                "fill": LAND_NETWORK if f["properties"]["geo_code"] in highlight else LAND,
            },
        }
        for f in features
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data={"type": "FeatureCollection", "features": data},
        get_fill_color="properties.fill",
        get_line_color=BORDER,
        line_width_min_pixels=0.5,
        stroked=True,
        filled=True,
        pickable=False,
    )


def build_unit_layer(
    features: list[dict],
    layer_id: str,
    fill: Sequence[int] | str = "properties.fill",
    line: Sequence[int] = OUTLINE,
    pickable: bool = True,
) -> pdk.Layer:
    """Pickable units (countries or admin-1) with a thin outline."""
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data={"type": "FeatureCollection", "features": features},
        get_fill_color=fill,
        get_line_color=list(line),
        line_width_min_pixels=0.6,
        stroked=True,
        filled=True,
        pickable=pickable,
        auto_highlight=pickable,
        highlight_color=[255, 200, 0, 120],
    )


def fit_view(
    bounds: Sequence[float],
    width: int = VIEW_WIDTH_PX,
    height: int = VIEW_HEIGHT_PX,
    padding: float = 0.08,
    max_zoom: float = 9.0,
) -> pdk.ViewState:
    """A Web-Mercator view that shows ``bounds`` (minx, miny, maxx, maxy) in a map of that size."""
    minx, miny, maxx, maxy = bounds
    if not (minx <= maxx and miny <= maxy):
        raise ValueError(f"bounds must be (minx, miny, maxx, maxy), got {tuple(bounds)}")

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(maxx - minx, 1e-6) / 360.0
    span_y = max(merc(maxy) - merc(miny), 1e-6) / (2 * math.pi)
    zoom_x = math.log2(width * (1 - 2 * padding) / (512 * span_x))
    zoom_y = math.log2(height * (1 - 2 * padding) / (512 * span_y))
    centre_y = math.degrees(math.atan(math.sinh((merc(maxy) + merc(miny)) / 2)))
    return pdk.ViewState(
        longitude=round((minx + maxx) / 2, 4),
        latitude=round(centre_y, 4),
        zoom=round(min(zoom_x, zoom_y, max_zoom), 2),
        pitch=0,
        bearing=0,
    )


class CompactDeck(pdk.Deck):
    """A ``pdk.Deck`` whose JSON has no indentation and sorted keys.

    pydeck indents its JSON by two spaces, which more than quadruples what Streamlit
    sends for a map of polygons; the deck itself is unchanged.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def build_deck(layers: Sequence[pdk.Layer], view_state: pdk.ViewState, tooltip: Mapping | bool = False) -> pdk.Deck:
    """The deck, with no basemap provider (nothing is fetched from outside)."""
    return CompactDeck(
        layers=list(layers),
        initial_view_state=view_state,
        map_provider=None,
        tooltip=tooltip,
        views=[pdk.View(type="MapView", controller=True)],
    )


def deck_bytes(deck: pdk.Deck) -> int:
    """Size of the deck JSON sent to the browser, in bytes."""
    return len(deck.to_json().encode("utf-8"))
