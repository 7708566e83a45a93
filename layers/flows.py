"""Flow maps: arcs from origin to destination over a light land layer, places with their totals, legends.

Direction is read from colour: each arc starts in ``ORIGIN`` (orange) at the origin and
ends in ``DESTINATION`` (purple) at the destination. Width grows with the square root of
the volume (so areas, not lengths, compare) and opacity with the volume, and the legend
shows three reference widths. Hover text is prepared here as plain strings (the page
passes the words in its language); the deck is a ``CompactDeck`` with sorted keys, so the
same inputs give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from layers.base import build_deck, build_features, build_land_layer, build_sea_layer, fit_view

ORIGIN = (230, 97, 1)  # orange: where a flow starts
DESTINATION = (94, 60, 153)  # purple: where it ends
NET_UNKNOWN = (150, 150, 150)  # places whose net is not known
MAX_WIDTH_PX = 14.0
MIN_WIDTH_PX = 1.0
MIN_ALPHA, MAX_ALPHA = 110, 235
COORD_DECIMALS = 3
TIP_FIELDS = ("tip_title", "tip_1", "tip_2", "tip_3")
TOOLTIP = {
    "html": "<b>{tip_title}</b><br/>{tip_1}<br/>{tip_2}<br/>{tip_3}",
    "style": {"fontSize": "14px", "maxWidth": "360px"},
}
FLOW_TIP_FIELDS = TIP_FIELDS[:3]  # the fourth line of a flow map (measure and source) is the same for all
# Flows reach from Canada and Spain to Chile: the view fits the drawn ends, within these bounds.
WORLD_BOUNDS = (-170.0, -56.0, 10.0, 72.0)
MIN_SPAN_DEG = 8.0


@dataclass(frozen=True)
class WidthScale:
    """Square-root width scale: ``max_value`` is drawn ``max_px`` wide, nothing thinner than ``min_px``."""

    max_value: float
    max_px: float = MAX_WIDTH_PX
    min_px: float = MIN_WIDTH_PX

    def width(self, value: float) -> float:
        if not self.max_value > 0 or not value > 0:
            return self.min_px
        return round(max(self.min_px, self.max_px * math.sqrt(value / self.max_value)), 2)

    def alpha(self, value: float) -> int:
        if not self.max_value > 0 or not value > 0:
            return MIN_ALPHA
        return int(round(MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * math.sqrt(value / self.max_value)))


def compute_nice_number(value: float) -> float:
    """``value`` rounded down to one significant digit of 1, 2 or 5 (a readable legend value)."""
    if not value > 0:
        return 0.0
    exponent = math.floor(math.log10(value))
    base = 10**exponent
    for step in (5, 2, 1):
        if value >= step * base:
            return float(step * base)
    return float(base)


def compute_legend_values(max_value: float) -> list[float]:
    """Three distinct readable reference values for the width legend, largest first (empty if no flows)."""
    if not max_value > 0:
        return []
    values: list[float] = []
    for fraction in (1.0, 0.25, 0.04):
        nice = compute_nice_number(max_value * fraction)
        if nice > 0 and nice not in values:
            values.append(nice)
    return values


def _position(points: pd.DataFrame, code: str) -> list[float]:
    p = points.loc[code]
    return [round(float(p["label_lon"]), COORD_DECIMALS), round(float(p["label_lat"]), COORD_DECIMALS)]


def build_arc_records(
    drawn: pd.DataFrame, points: pd.DataFrame, scale: WidthScale, tips: Callable[[Mapping], Sequence[str]]
) -> list[dict]:
    """One record per drawn flow: ends, width, colours at both ends and hover lines.

    ``points`` is indexed by ``geo_code`` (``label_lon``, ``label_lat``); ``tips(row)``
    returns the four hover lines for one flow row. Largest flows come last, so they are
    drawn on top.
    """
    records = []
    for row in drawn.iloc[::-1].to_dict("records"):
        alpha = scale.alpha(row["value"])
        lines = list(tips(row))[: len(FLOW_TIP_FIELDS)]
        records.append(
            {
                "from": _position(points, row["origin"]),
                "to": _position(points, row["destination"]),
                "w": scale.width(row["value"]),
                "sc": [*ORIGIN, alpha],
                "tc": [*DESTINATION, alpha],
                "o": row["origin"],
                "d": row["destination"],
                "v": row["value"],
                **dict(zip(FLOW_TIP_FIELDS, lines)),
            }
        )
    return records


def build_place_records(
    totals: pd.DataFrame, points: pd.DataFrame, focus: str | None, tips: Callable[[Mapping], Sequence[str]]
) -> list[dict]:
    """One record per place that has a label point: position, colour by the sign of net, hover lines.

    Net inflow is drawn in the destination colour, net outflow in the origin colour,
    unknown net in grey; the focused place is larger and outlined.
    """
    records = []
    for row in totals[totals["place"].isin(points.index)].to_dict("records"):
        net = row["net"]
        colour = (
            NET_UNKNOWN
            if net is None or (isinstance(net, float) and math.isnan(net))
            else (DESTINATION if net >= 0 else ORIGIN)
        )
        records.append(
            {
                "code": row["place"],
                "pos": _position(points, row["place"]),
                "fill": [*colour, 230],
                "r": 9 if row["place"] == focus else 5,
                **dict(zip(FLOW_TIP_FIELDS, tips(row))),
            }
        )
    return records


def build_arc_layer(records: list[dict], layer_id: str = "flows") -> pdk.Layer:
    """Arcs with the origin colour at the source and the destination colour at the target.

    Tilted flat onto the map (``get_tilt=90``) so that each arc reads as a curve on a map
    seen from above; A -> B and B -> A bend to opposite sides.
    """
    return pdk.Layer(
        "ArcLayer",
        id=layer_id,
        data=records,
        get_source_position="from",
        get_target_position="to",
        get_source_color="sc",
        get_target_color="tc",
        get_width="w",
        width_units="'pixels'",
        get_height=0.35,
        get_tilt=90,
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 200, 0, 200],
    )


def build_place_layer(
    records: list[dict], layer_id: str = "places", highlight_color: list[int] | None = (255, 200, 0, 220)
) -> pdk.Layer:
    """Pickable place markers with a white outline (flow places; corridor nodes with deck.gl's own highlight)."""
    extra = {"highlight_color": list(highlight_color)} if highlight_color else {}
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=records,
        get_position="pos",
        get_fill_color="fill",
        get_radius="r",
        radius_units="'pixels'",
        stroked=True,
        get_line_color=[255, 255, 255],
        line_width_min_pixels=1.5,
        pickable=True,
        auto_highlight=True,
        **extra,
    )


LABEL_SIZE_PX = 13
LABEL_CHAR_PX = 7.2  # average advance of a character at 13 px, sans-serif, semibold (a little generous)
LABEL_GAP_PX = 3


def _pixel(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-Mercator world pixel of ``(lon, lat)`` at ``zoom`` (512-pixel tiles, as deck.gl)."""
    scale = 512 * 2**zoom
    lat = max(min(lat, 85.0), -85.0)
    x = (lon + 180.0) / 360.0 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * scale
    return x, y


def compute_label_placement(labels: Sequence[dict], zoom: float, size_px: int = LABEL_SIZE_PX) -> list[dict]:
    """The labels that fit without overlapping, most important first (``labels`` come in that order).

    Each label's box is estimated in screen pixels at ``zoom`` (centred above its marker, as drawn);
    a label whose box would touch a kept one is left out (its place still has its marker and its
    hover text), so names never pile up over Central America or the Antilles.
    """
    kept: list[dict] = []
    boxes: list[tuple[float, float, float, float]] = []
    for label in labels:
        x, y = _pixel(float(label["pos"][0]), float(label["pos"][1]), zoom)
        half_w = len(str(label["text"])) * LABEL_CHAR_PX / 2 + LABEL_GAP_PX
        box = (x - half_w, y - 14 - size_px / 2 - LABEL_GAP_PX, x + half_w, y - 14 + size_px / 2 + LABEL_GAP_PX)
        marker = (x - 6, y - 6, x + 6, y + 6)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        kept.append(label)
        boxes += [box, marker]
    return kept


def build_label_layer(labels: list[dict], layer_id: str = "labels", size: int = LABEL_SIZE_PX) -> pdk.Layer:
    """Place names next to their markers (``text``, ``pos``); accents drawn (character set ``auto``).

    Semibold type and a generous signed-distance-field atlas keep thin letters (the "i" of "México",
    "Costa Rica") whole at small sizes, where the default atlas dropped them.
    """
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=labels,
        get_position="pos",
        get_text="text",
        get_size=size,
        size_units="'pixels'",
        get_color=[30, 30, 30],
        get_pixel_offset=[0, -14],
        character_set="'auto'",
        font_family="'sans-serif'",
        font_weight=600,
        outline_width=3,
        outline_color=[255, 255, 255],
        font_settings={"sdf": True, "fontSize": 64, "buffer": 8, "radius": 16, "cutoff": 0.22},
        pickable=False,
    )


def compute_view_bounds(positions: Sequence[Sequence[float]], default: Sequence[float]) -> tuple[float, ...]:
    """Bounds around ``positions`` (at least ``MIN_SPAN_DEG`` wide and high, within ``WORLD_BOUNDS``)."""
    if not positions:
        return tuple(default)
    xy = np.asarray(positions, float)
    minx, miny = xy.min(axis=0)
    maxx, maxy = xy.max(axis=0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = max(maxx - minx, MIN_SPAN_DEG) / 2, max(maxy - miny, MIN_SPAN_DEG) / 2
    wx0, wy0, wx1, wy1 = WORLD_BOUNDS
    return (max(cx - half_w, wx0), max(cy - half_h, wy0), min(cx + half_w, wx1), min(cy + half_h, wy1))


def compute_light_geometry(geom: shapely.Geometry, tolerance: float = 0.1) -> shapely.Geometry:
    """A backdrop version of a country: small Arctic islands dropped, simplified to ``tolerance`` degrees.

    Flows only need land for orientation; the Canadian archipelago alone would otherwise
    be most of the deck's bytes. Caribbean islands are kept whatever their size.
    """
    parts = [p for p in shapely.get_parts(geom) if not (p.area < 2.0 and p.centroid.y > 50.0)]
    return shapely.simplify(shapely.MultiPolygon(parts), tolerance, preserve_topology=True)


def build_land(countries: gpd.GeoDataFrame, decimals: int = 1) -> pdk.Layer:
    """The light land layer under flows and corridors: simplified country shapes, no names."""
    light = countries.assign(geometry=[compute_light_geometry(g) for g in countries.geometry])
    return build_land_layer(build_features(light, [], decimals))


def build_flow_tooltip(footer: str) -> dict:
    """Hover template: three lines of the object, then ``footer`` (the measure and source, the same for all).

    Keeping the common line in the template rather than in every arc keeps the deck small
    when every flow of a year is drawn.
    """
    return {
        "html": "<b>{tip_title}</b><br/>{tip_1}<br/>{tip_2}<br/><i>" + _escape(footer) + "</i>",
        "style": TOOLTIP["style"],
    }


def build_flow_deck(
    land: pdk.Layer,
    arcs: list[dict],
    places: list[dict],
    labels: list[dict],
    default_bounds: Sequence[float],
    footer: str = "",
) -> pdk.Deck:
    """Sea, land, arcs, places and labels; the view fits the drawn flows (or ``default_bounds``)."""
    ends = [r["from"] for r in arcs] + [r["to"] for r in arcs]
    view = fit_view(compute_view_bounds(ends, default_bounds))  # no arcs: the whole region
    shown = compute_label_placement(labels, view.zoom)
    layers = [build_sea_layer(), land, build_arc_layer(arcs), build_place_layer(places), build_label_layer(shown)]
    return build_deck(layers, view, build_flow_tooltip(footer))


def build_width_legend_svg(
    values: Sequence[float], scale: WidthScale, labels: Sequence[str], origin_label: str, destination_label: str
) -> str:
    """An SVG legend: a gradient bar for direction and one line per reference width, with its label."""
    rows = len(values)
    height = 46 + rows * 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="{height}" role="img" '
        f'aria-label="{_escape(origin_label)} → {_escape(destination_label)}">',
        '<defs><linearGradient id="flowdir" x1="0" x2="1" y1="0" y2="0">'
        f'<stop offset="0" stop-color="rgb{ORIGIN}"/><stop offset="1" stop-color="rgb{DESTINATION}"/>'
        "</linearGradient></defs>",
        '<rect x="4" y="8" width="120" height="10" rx="5" fill="url(#flowdir)"/>',
        f'<text x="4" y="34" font-size="13">{_escape(origin_label)}</text>',
        f'<text x="124" y="34" font-size="13" text-anchor="end">{_escape(destination_label)}</text>',
    ]
    for i, (value, label) in enumerate(zip(values, labels)):
        y = 56 + i * 30
        width = scale.width(value)
        parts.append(
            f'<line x1="4" x2="120" y1="{y}" y2="{y}" stroke="rgb{DESTINATION}" '
            f'stroke-width="{width}" stroke-linecap="round" stroke-opacity="0.8"/>'
        )
        parts.append(f'<text x="134" y="{y + 5}" font-size="13">{_escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
