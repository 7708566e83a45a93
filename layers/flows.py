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

from layers.base import (
    VIEW_HEIGHT_PX,
    VIEW_WIDTH_PX,
    Mark,
    build_deck,
    build_features,
    build_land_layer,
    build_sea_layer,
    compute_fitted_view,
    compute_frame,
    compute_lon_lat,
    compute_world_pixel,
)

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
ARC_HEIGHT = 0.35  # an arc bends away from its chord by half this share of the chord's length (deck.gl ArcLayer)
ARC_TILT = 90  # laid flat on the map, bending to the left of its direction of travel


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
        get_height=ARC_HEIGHT,
        get_tilt=ARC_TILT,
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
LABEL_OFFSET_PX = 8  # a name's last line ends this far above its marker's centre
LABEL_LINE_CHARS = 18  # a longer name is broken into lines at spaces ("Frontera suroeste / de EE. UU.")


def compute_label_text(text: str, line_chars: int = LABEL_LINE_CHARS) -> str:
    """``text`` broken at spaces into lines of at most ``line_chars`` characters where it can be (a longer word
    keeps its own line): a long name takes less of a phone's narrow map."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= line_chars:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def compute_label_mark(label: Mapping, size_px: int = LABEL_SIZE_PX) -> Mark:
    """The screen box of a place name (``text``, its lines split by newlines, at ``pos``) drawn above its marker,
    with a small gap around it."""
    lines = str(label["text"]).split("\n")
    half_w = max(len(line) for line in lines) * LABEL_CHAR_PX / 2 + LABEL_GAP_PX
    up = LABEL_OFFSET_PX + len(lines) * size_px + LABEL_GAP_PX
    down = -(LABEL_OFFSET_PX - LABEL_GAP_PX)  # the box ends above the point
    return Mark(float(label["pos"][0]), float(label["pos"][1]), half_w, half_w, up, down)


def compute_label_placement(
    labels: Sequence[dict],
    zoom: float,
    size_px: int = LABEL_SIZE_PX,
    frame: Sequence[float] | None = None,
) -> list[dict]:
    """The labels that fit without overlapping, most important first (``labels`` come in that order).

    Each label's box is estimated in screen pixels at ``zoom`` (centred above its marker, as drawn);
    a label whose box would touch a kept one is left out (its place still has its marker and its
    hover text), so names never pile up over Central America or the Antilles. With ``frame``, the
    world pixels ``(left, top, right, bottom)`` the map shows, a name that would be cut by the map's
    edge is left out too.
    """
    kept: list[dict] = []
    boxes: list[tuple[float, float, float, float]] = []
    for label in labels:
        mark = compute_label_mark(label, size_px)
        x, y = compute_world_pixel(mark.lon, mark.lat, zoom)
        box = (x - mark.left, y - mark.up, x + mark.right, y + mark.down)
        if frame is not None and not (
            frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
        ):
            continue
        marker = (x - 6, y - 6, x + 6, y + 6)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        kept.append(label)
        boxes += [box, marker]
    return kept


def build_label_layer(labels: list[dict], layer_id: str = "labels", size: int = LABEL_SIZE_PX) -> pdk.Layer:
    """Place names above their markers (``text``, ``pos``; lines split by newlines, the last one just above the
    marker); accents drawn (character set ``auto``).

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
        get_pixel_offset=[0, -LABEL_OFFSET_PX],
        get_alignment_baseline="'bottom'",
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


def compute_arc_marks(record: Mapping, samples: int = 17) -> list[Mark]:
    """Points along an arc as deck.gl draws it (``from`` → ``to``, bent sideways by ``ARC_HEIGHT``), each reaching
    half the arc's width: an arc between two places bulges well beyond the box of its two ends."""
    (sx, sy), (tx, ty) = (compute_world_pixel(*record["from"]), compute_world_pixel(*record["to"]))
    sy, ty = -sy, -ty  # deck.gl bends the arc in its common space, where y grows northward
    dx, dy = tx - sx, ty - sy
    length = math.hypot(dx, dy)
    half = float(record.get("w", MIN_WIDTH_PX)) / 2
    if length == 0:
        return [Mark(*record["from"], half, half, half, half)]
    nx, ny = -dy / length, dx / length  # the left of the direction of travel
    bend = length * ARC_HEIGHT * math.sin(math.radians(ARC_TILT))
    marks = []
    for r in np.linspace(0.0, 1.0, samples):
        offset = math.sqrt(max(r * (1 - r), 0.0)) * bend
        lon, lat = compute_lon_lat(sx + r * dx + nx * offset, -(sy + r * dy + ny * offset))
        marks.append(Mark(lon, lat, half, half, half, half))
    return marks


def compute_place_mark(record: Mapping, outline_px: float = 2.0) -> Mark:
    """A place marker: its radius and its white outline, in pixels, around ``pos``."""
    reach = float(record.get("r", 5)) + outline_px
    return Mark(float(record["pos"][0]), float(record["pos"][1]), reach, reach, reach, reach)


def compute_span_marks(bounds: Sequence[float]) -> list[Mark]:
    """The corners of ``bounds``: the least a view shows (a short flow is not zoomed in to the street)."""
    minx, miny, maxx, maxy = bounds
    return [Mark(minx, miny), Mark(maxx, maxy)]


def compute_labelled_view(
    marks: Sequence[Mark], labels: Sequence[dict], width: float, height: float
) -> tuple[pdk.ViewState, list[dict]]:
    """The first view of a ``width`` × ``height`` map that shows ``marks`` and the names it can draw whole, and
    those names (most important first, as ``labels`` come).

    The names that fit without overlapping at the zoom the marks alone allow are fitted too (a long name at the
    map's edge zooms it out a little rather than being cut); at that final zoom a name that now collides or would
    still be cut is left out.
    """
    first = compute_fitted_view(marks, width, height)
    named = compute_label_placement(labels, first.zoom)
    view = compute_fitted_view([*marks, *(compute_label_mark(label) for label in named)], width, height)
    return view, compute_label_placement(labels, view.zoom, frame=compute_frame(view, width, height))


def build_flow_deck(
    land: pdk.Layer,
    arcs: list[dict],
    places: list[dict],
    labels: list[dict],
    default_bounds: Sequence[float],
    footer: str = "",
    width: float = VIEW_WIDTH_PX,
    height: float = VIEW_HEIGHT_PX,
) -> pdk.Deck:
    """Sea, land, arcs, places and labels; the first view of a ``width`` × ``height`` map shows every drawn arc,
    place and name whole (no arcs: ``default_bounds``, the whole region); names that collide are left out."""
    ends = [r["from"] for r in arcs] + [r["to"] for r in arcs]
    marks = compute_span_marks(compute_view_bounds(ends, default_bounds))
    marks += [m for r in arcs for m in compute_arc_marks(r)]
    marks += [compute_place_mark(p) for p in places]
    labels = [{**label, "text": compute_label_text(label["text"])} for label in labels]
    view, shown = compute_labelled_view(marks, labels, width, height)
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
