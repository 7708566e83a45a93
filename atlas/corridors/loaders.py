"""Cached loaders of the corridor page: the corridor catalogue, each segment's series, the incidents
along a route. Keyed on small arguments; shared frames are never mutated."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from atlas.core.loaders import label_points
from etl.store import connect
from indicators import corridors as corridor_model


@st.cache_resource(show_spinner=False)
def corridors() -> dict[str, corridor_model.Corridor]:
    return corridor_model.load_corridors()


@st.cache_data(show_spinner=False, max_entries=256)
def series(corridor_id: str, kind: str, item_id: str, side: str, nationality: str) -> pd.DataFrame:
    """One series of a corridor (a segment, or one side of a mirror) for a nationality."""
    corridor = corridors()[corridor_id]
    if kind == "segment":
        spec = next(s.series for s in corridor.segments if s.segment_id == item_id)
    else:
        mirror = next(m for m in corridor.mirrors if m.mirror_id == item_id)
        spec = mirror.left if side == "left" else mirror.right
    with connect() as con:
        obs = corridor_model.load_series_observations(spec, nationality, con)
    return corridor_model.compute_series(obs)


@st.cache_resource(show_spinner=False)
def incidents() -> pd.DataFrame:
    """Every Missing Migrants incident with coordinates (shared: do not mutate)."""
    with connect() as con:
        return con.execute(
            "SELECT incident_id, date, time_period, route, country, dead_and_missing, cause, location, lon, lat, "
            "dataset_id FROM mmp_incidents ORDER BY date, incident_id"
        ).df()


@st.cache_data(show_spinner=False, max_entries=64)
def corridor_incidents(corridor_id: str, nationality: str) -> pd.DataFrame:
    corridor = corridors()[corridor_id]
    points = corridor_model.compute_chain_points(corridor, label_points().reset_index(), nationality)
    return corridor_model.compute_corridor_incidents(incidents(), corridor, points, nationality)
