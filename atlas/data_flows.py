"""Cached loaders for the flow, corridor and workshop pages. Keyed on small arguments only.

Frames returned by ``cache_resource`` loaders are shared between sessions: never mutate
them. Every read of the store goes through ``etl.store.connect()`` and its public views.
"""

from __future__ import annotations

import pandas as pd
import pydeck as pdk
import streamlit as st

import geodata
from indicators import corridors as corridor_model
from indicators import flows as flow_model
from layers.flows import build_land


class StoreMissingError(FileNotFoundError):
    """The store has not been built (``make data`` / ``python -m etl build``)."""


def _connect():
    """A read-only store connection; a missing store becomes ``StoreMissingError`` with the fix."""
    from etl import store

    try:
        return store.connect()
    except FileNotFoundError as err:
        raise StoreMissingError(f"{err}. Build the store with `make data` or `python -m etl build`.") from err


@st.cache_resource(show_spinner=False)
def flow_views_available() -> dict[str, flow_model.FlowView]:
    """The flow views whose dataset and measure are in the public store, in catalogue order."""
    views = flow_model.load_flow_views()
    with _connect() as con:
        present = set(map(tuple, con.execute(
            "SELECT DISTINCT dataset_id, measure FROM public_observations WHERE counterpart_area <> '_Z'"
        ).fetchall()))
    return {vid: v for vid, v in views.items() if (v.dataset_id, v.measure) in present}


@st.cache_resource(show_spinner=False, max_entries=16)
def flow_observations(view_id: str) -> pd.DataFrame:
    """Every observation of a flow view (shared: do not mutate)."""
    view = flow_model.load_flow_views()[view_id]
    with _connect() as con:
        return flow_model.load_flow_observations(view, con)


@st.cache_data(show_spinner=False, max_entries=64)
def flow_periods(view_id: str, unit: str) -> list[str]:
    view = flow_model.load_flow_views()[view_id]
    return flow_model.compute_periods(flow_observations(view_id), unit, view.year_basis)


@st.cache_data(show_spinner=False, max_entries=64)
def flow_coverage(view_id: str, unit: str) -> pd.DataFrame:
    view = flow_model.load_flow_views()[view_id]
    return flow_model.compute_period_coverage(flow_observations(view_id), unit, view.year_basis)


@st.cache_data(show_spinner=False, max_entries=32)
def flow_sexes(view_id: str) -> list[str]:
    """Sexes a view can show: ``_T`` always; ``F`` and ``M`` when the source breaks them down."""
    present = set(flow_observations(view_id)["sex"])
    return ["_T", *[s for s in ("F", "M") if s in present]]


@st.cache_resource(show_spinner=False, max_entries=256)
def flows(view_id: str, unit: str, period: str, sex: str) -> pd.DataFrame:
    """Origin -> destination flows of one view, period and sex (shared: do not mutate)."""
    view = flow_model.load_flow_views()[view_id]
    return flow_model.compute_flows(flow_observations(view_id), view, period, sex, unit)


@st.cache_resource(show_spinner=False)
def label_points() -> pd.DataFrame:
    """Label points of every unit with geometry, indexed by ``geo_code`` (shared: do not mutate)."""
    return geodata.label_points().drop_duplicates("geo_code").set_index("geo_code")


@st.cache_resource(show_spinner=False)
def land_layer() -> pdk.Layer:
    """The light land layer under flows and corridors, built once per process."""
    return build_land(geodata.load_boundaries("country", "region"))


@st.cache_data(show_spinner=False)
def place_names(lang: str) -> dict[str, str]:
    """``{geo_code: name}`` for every territory of the gazetteer, in ``lang``."""
    gaz = geodata.gazetteer()
    return dict(zip(gaz.geo_code, gaz[f"name_{lang}"]))


@st.cache_data(show_spinner=False)
def dataset_info(dataset_id: str) -> dict[str, str]:
    """A dataset's row of ``public_datasets`` (title, publisher, licence, caveats …) as plain strings."""
    with _connect() as con:
        frame = con.execute("SELECT * FROM public_datasets WHERE dataset_id = ?", [dataset_id]).df()
    if frame.empty:
        return {}
    return {k: ("" if pd.isna(v) else str(v)) for k, v in frame.iloc[0].to_dict().items()}


@st.cache_data(show_spinner=False)
def unit_names(lang: str) -> dict[str, str]:
    """``{unit code: name}`` from the store's ``units`` codelist."""
    with _connect() as con:
        rows = con.execute(f"SELECT unit, name_{lang} FROM units").fetchall()
    return dict(rows)


@st.cache_data(show_spinner=False)
def measure_names(lang: str) -> dict[str, str]:
    with _connect() as con:
        rows = con.execute(f"SELECT measure, name_{lang} FROM measures").fetchall()
    return dict(rows)


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
    with _connect() as con:
        obs = corridor_model.load_series_observations(spec, nationality, con)
    return corridor_model.compute_series(obs)


@st.cache_resource(show_spinner=False)
def incidents() -> pd.DataFrame:
    """Every Missing Migrants incident with coordinates (shared: do not mutate)."""
    with _connect() as con:
        return con.execute(
            "SELECT incident_id, date, time_period, route, country, dead_and_missing, cause, location, lon, lat, "
            "dataset_id FROM mmp_incidents ORDER BY date, incident_id").df()


@st.cache_data(show_spinner=False, max_entries=64)
def corridor_incidents(corridor_id: str, nationality: str) -> pd.DataFrame:
    corridor = corridors()[corridor_id]
    points = corridor_model.compute_chain_points(corridor, label_points().reset_index(), nationality)
    return corridor_model.compute_corridor_incidents(incidents(), corridor, points, nationality)


@st.cache_data(show_spinner=False, max_entries=32)
def flow_places(view_id: str) -> list[str]:
    """Every place that is an end of some flow of the view (for the focus choice), sorted."""
    obs = flow_observations(view_id)
    codes = set(obs["ref_area"]) | set(obs["counterpart_area"])
    return sorted(codes - {flow_model.UNKNOWN, flow_model.NOT_APPLICABLE})


@st.cache_resource(show_spinner=False, max_entries=128)
def flow_map(view_id: str, unit: str, period: str, sex: str, focus: str, mode: str, top: str, minimum: int,
             lang: str):
    """The deck and numbers of the flow page for one state of its controls (shared: do not mutate)."""
    from atlas.flows_ui import build_flow_map
    from atlas.urlparams_flows import top_limit

    view = flow_model.load_flow_views()[view_id]
    all_flows = flows(view_id, unit, period, sex)
    focused = flow_model.compute_focus(all_flows, focus or None, mode)
    info = dataset_info(view.dataset_id)
    source = info.get("publisher") or view.dataset_id
    unit_name = unit_names(lang).get(all_flows["unit"].iloc[0], all_flows["unit"].iloc[0]) if len(all_flows) else ""
    return build_flow_map(view, all_flows, focused, label_points(), land_layer(), focus, top_limit(top),
                          float(minimum) if minimum else None, lang, place_names(lang), unit_name, source)


@st.cache_resource(show_spinner=False, max_entries=64)
def corridor_map(corridor_id: str, nationality: str, first_year: int, last_year: int, lang: str):
    """The corridor deck and the incidents it draws, for one state of the page (shared: do not mutate)."""
    from atlas.corridors_ui import build_corridor_map

    corridor = corridors()[corridor_id]
    chosen = corridor_incidents(corridor_id, nationality)
    shown = chosen[pd.to_datetime(chosen["date"]).dt.year.between(first_year, last_year)].reset_index(drop=True)
    points = corridor_model.compute_chain_points(corridor, label_points().reset_index(), nationality)
    deck = build_corridor_map(corridor, nationality, points, shown, land_layer(), place_names(lang), lang)
    return deck, shown


@st.cache_resource(show_spinner=False, max_entries=64)
def corridor_series(corridor_id: str, nationality: str, first_year: int, last_year: int, lang: str):
    """Segments, attrition table, monthly ratios and mirrors of a corridor (shared: do not mutate)."""
    from atlas.corridors_ui import build_attrition_table, build_mirror_frames, build_segment_frame

    corridor = corridors()[corridor_id]
    years = (first_year, last_year)
    segments = build_segment_frame(corridor, nationality, years, series, lang)
    attrition, ratios = build_attrition_table(corridor, segments, lang)
    mirrors = build_mirror_frames(corridor, nationality, years, series, lang)
    return segments, attrition, ratios, mirrors
