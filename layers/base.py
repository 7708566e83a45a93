"""Pure builders shared by every map: features, sea and land layers, view state, the deck.

No basemap tiles: the deck is drawn with ``map_provider=None`` and ``map_style`` left
unset, so the browser makes no request outside the machine. Output is deterministic:
the same inputs give byte-identical deck JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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

# Map size assumed when fitting a view to bounds (the page's default map height). A page that knows the width its
# map really has in the browser (atlas.core.viewport) fits to that instead, never wider than this.
VIEW_WIDTH_PX = 900
VIEW_HEIGHT_PX = 520
FIT_MARGIN_PX = 16  # room between the outermost drawn mark and the map's edge


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


@dataclass(frozen=True)
class Mark:
    """Something drawn at ``(lon, lat)`` that reaches ``left``, ``right``, ``up`` and ``down`` screen pixels from
    that point whatever the zoom (a marker's radius, half a line's width, a name's box); a bare point has none."""

    lon: float
    lat: float
    left: float = 0.0
    right: float = 0.0
    up: float = 0.0
    down: float = 0.0


def compute_world_pixel(lon: float, lat: float, zoom: float = 0.0) -> tuple[float, float]:
    """Web-Mercator pixel of ``(lon, lat)`` at ``zoom`` (512-pixel world at zoom 0, as deck.gl; y grows southward)."""
    scale = 512 * 2**zoom
    lat = max(min(lat, 85.0), -85.0)
    x = (lon + 180.0) / 360.0 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * scale
    return x, y


def compute_lon_lat(x: float, y: float, zoom: float = 0.0) -> tuple[float, float]:
    """The inverse of ``compute_world_pixel``: ``(lon, lat)`` of a world pixel at ``zoom``."""
    scale = 512 * 2**zoom
    lon = x / scale * 360.0 - 180.0
    lat = math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * y / scale))) - math.pi / 2)
    return lon, lat


def compute_fitted_view(
    marks: Sequence[Mark],
    width: float = VIEW_WIDTH_PX,
    height: float = VIEW_HEIGHT_PX,
    margin: float = FIT_MARGIN_PX,
    max_zoom: float = 9.0,
) -> pdk.ViewState:
    """The closest Web-Mercator view in which every mark, with its pixel reach, lies inside a ``width`` × ``height``
    map, ``margin`` pixels from its edges (zoom 0 at most; rounded down, so the rounding never crops).

    ``fit_view`` fits bounds with a proportional padding; here markers, line widths and names keep their size in
    pixels while the map zooms, which matters on a narrow phone, where a name is a third of the map's width.
    """
    if not marks:
        raise ValueError("compute_fitted_view needs at least one mark, got none")
    if not (width > 2 * margin and height > 2 * margin):
        raise ValueError(f"the map must be larger than its margins, got {width} × {height} with margin {margin}")
    lon_lat = np.array([(m.lon, m.lat) for m in marks], float)
    lat = np.radians(np.clip(lon_lat[:, 1], -85.0, 85.0))  # compute_world_pixel at zoom 0, for every mark at once
    world = np.column_stack(
        [(lon_lat[:, 0] + 180.0) / 360.0 * 512, (1 - np.log(np.tan(np.pi / 4 + lat / 2)) / np.pi) / 2 * 512]
    )
    reach = np.array([(m.left, m.up, m.right, m.down) for m in marks], float)

    def extent(zoom: float) -> tuple[float, float, float, float]:
        xy = world * 2**zoom
        return (
            float((xy[:, 0] - reach[:, 0]).min()),
            float((xy[:, 1] - reach[:, 1]).min()),
            float((xy[:, 0] + reach[:, 2]).max()),
            float((xy[:, 1] + reach[:, 3]).max()),
        )

    def fits(zoom: float) -> bool:
        x0, y0, x1, y1 = extent(zoom)
        return x1 - x0 <= width - 2 * margin and y1 - y0 <= height - 2 * margin

    low, high = 0.0, max_zoom  # the extent grows with the zoom: bisect for the largest zoom that fits
    if fits(high):
        low = high
    for _ in range(40):
        if low == high:
            break
        mid = (low + high) / 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    zoom = math.floor(low * 100) / 100
    x0, y0, x1, y1 = extent(zoom)
    lon, lat = compute_lon_lat((x0 + x1) / 2, (y0 + y1) / 2, zoom)
    return pdk.ViewState(longitude=round(lon, 4), latitude=round(lat, 4), zoom=zoom, pitch=0, bearing=0)


def compute_frame(view: pdk.ViewState, width: float, height: float) -> tuple[float, float, float, float]:
    """The world pixels ``(left, top, right, bottom)`` a ``width`` × ``height`` map shows at ``view``."""
    x, y = compute_world_pixel(view.longitude, view.latitude, view.zoom)
    return (x - width / 2, y - height / 2, x + width / 2, y + height / 2)


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
