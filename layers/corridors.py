"""Corridor maps: the chain as a line through its places, the counted segments, and dead and missing migrants.

Incidents of IOM's Missing Migrants Project are drawn as red points whose area grows
with the number of dead and missing (a minimum count, never complete); the page states
the attribution next to the map.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import pydeck as pdk

from layers.base import (
    VIEW_HEIGHT_PX,
    VIEW_WIDTH_PX,
    Mark,
    build_deck,
    build_sea_layer,
)
from layers.flows import (
    TIP_FIELDS,
    TOOLTIP,
    build_label_layer,
    build_place_layer,
    compute_label_text,
    compute_labelled_view,
    compute_place_mark,
    compute_span_marks,
    compute_view_bounds,
)

CHAIN = (31, 78, 121)
COUNTED = (230, 97, 1)
PLACE = (90, 90, 90)
INCIDENT = (200, 30, 45)
COORD_DECIMALS = 3
MAX_INCIDENT_RADIUS_PX = 18.0
CHAIN_WIDTH_PX = 4
REGION_BOUNDS = (-118.0, 0.5, -52.0, 33.0)


def build_chain_layer(points: pd.DataFrame, layer_id: str = "chain") -> pdk.Layer:
    """The chain as one line through its places, in order."""
    path = [[round(float(x), COORD_DECIMALS), round(float(y), COORD_DECIMALS)] for x, y in zip(points.lon, points.lat)]
    return pdk.Layer(
        "PathLayer",
        id=layer_id,
        data=[{"path": path}],
        get_path="path",
        get_color=[*CHAIN, 200],
        get_width=CHAIN_WIDTH_PX,
        width_units="'pixels'",
        cap_rounded=True,
        joint_rounded=True,
        pickable=False,
    )


def build_node_records(
    points: pd.DataFrame, counted: Sequence[str], names: Mapping[str, str], tips: Callable[[str], Sequence[str]]
) -> list[dict]:
    """One marker per place of the chain: larger and orange where a segment is counted."""
    records = []
    for row in points.to_dict("records"):
        node = row["node_id"]
        is_counted = node in counted
        records.append(
            {
                "node": node,
                "pos": [round(row["lon"], COORD_DECIMALS), round(row["lat"], COORD_DECIMALS)],
                "fill": [*(COUNTED if is_counted else PLACE), 235],
                "r": 9 if is_counted else 6,
                "text": names.get(node, node),
                **dict(zip(TIP_FIELDS, tips(node))),
            }
        )
    return records


def build_node_layer(records: list[dict], layer_id: str = "nodes") -> pdk.Layer:
    """The corridor's counted places: the flow map's place markers (one definition)."""
    return build_place_layer(records, layer_id, highlight_color=None)


def compute_incident_radius(dead_and_missing: float, max_value: float) -> float:
    """Pixel radius with area proportional to the count (3 px at least, ``MAX_INCIDENT_RADIUS_PX`` at most)."""
    if not max_value > 0 or not dead_and_missing > 0:
        return 3.0
    return round(max(3.0, MAX_INCIDENT_RADIUS_PX * math.sqrt(dead_and_missing / max_value)), 2)


def build_incident_records(incidents: pd.DataFrame, tips: Callable[[Mapping], Sequence[str]]) -> list[dict]:
    """One record per incident: position, radius by dead and missing, hover lines."""
    if incidents.empty:
        return []
    top = float(incidents["dead_and_missing"].max())
    return [
        {
            "pos": [round(float(row["lon"]), COORD_DECIMALS), round(float(row["lat"]), COORD_DECIMALS)],
            "r": compute_incident_radius(float(row["dead_and_missing"]), top),
            **dict(zip(TIP_FIELDS, tips(row))),
        }
        for row in incidents.to_dict("records")
    ]


def build_incident_layer(records: list[dict], layer_id: str = "incidents") -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=records,
        get_position="pos",
        get_fill_color=[*INCIDENT, 150],
        get_radius="r",
        radius_units="'pixels'",
        stroked=True,
        get_line_color=[120, 0, 10, 200],
        line_width_min_pixels=0.5,
        pickable=True,
        auto_highlight=True,
    )


def build_corridor_deck(
    land: pdk.Layer,
    points: pd.DataFrame,
    nodes: list[dict],
    incidents: list[dict],
    width: float = VIEW_WIDTH_PX,
    height: float = VIEW_HEIGHT_PX,
) -> pdk.Deck:
    """Sea, land, incidents, the chain, its places and their names; the first view of a ``width`` × ``height`` map
    shows the whole chain, its markers, the incidents' circles and the names whole; names that collide are left out."""
    chain = [[x, y] for x, y in zip(points.lon, points.lat)]
    half = CHAIN_WIDTH_PX / 2
    marks = compute_span_marks(compute_view_bounds(chain, REGION_BOUNDS))
    marks += [Mark(float(x), float(y), half, half, half, half) for x, y in chain]
    marks += [compute_place_mark(r) for r in (*nodes, *incidents)]
    names = [{"pos": n["pos"], "text": compute_label_text(n["text"])} for n in nodes]
    view, labels = compute_labelled_view(marks, names, width, height)
    layers = [
        build_sea_layer(),
        land,
        build_incident_layer(incidents),
        build_chain_layer(points),
        build_node_layer(nodes),
        build_label_layer(labels),
    ]
    return build_deck(layers, view, TOOLTIP)
