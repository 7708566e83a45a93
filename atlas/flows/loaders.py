"""Cached loaders of the flow page: the flow views in the store, their observations, periods and flows.

Keyed on small arguments only. Frames returned by ``cache_resource`` loaders are shared between
sessions: never mutate them. Every read of the store goes through ``etl.store.connect()`` and its
public views; a missing store raises ``geodata.DataNotBuiltError``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.store import connect
from indicators import flows as flow_model


@st.cache_resource(show_spinner=False)
def flow_views_available() -> dict[str, flow_model.FlowView]:
    """The flow views whose dataset and measure are in the public store, in catalogue order."""
    views = flow_model.load_flow_views()
    with connect() as con:
        present = set(
            map(
                tuple,
                con.execute(
                    "SELECT DISTINCT dataset_id, measure FROM public_observations WHERE counterpart_area <> '_Z'"
                ).fetchall(),
            )
        )
    return {vid: v for vid, v in views.items() if (v.dataset_id, v.measure) in present}


@st.cache_resource(show_spinner=False, max_entries=16)
def flow_observations(view_id: str) -> pd.DataFrame:
    """Every observation of a flow view (shared: do not mutate)."""
    view = flow_model.load_flow_views()[view_id]
    with connect() as con:
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


@st.cache_data(show_spinner=False, max_entries=32)
def flow_places(view_id: str) -> list[str]:
    """Every place that is an end of some flow of the view (for the focus choice), sorted."""
    obs = flow_observations(view_id)
    codes = set(obs["ref_area"]) | set(obs["counterpart_area"])
    return sorted(codes - {flow_model.UNKNOWN, flow_model.NOT_APPLICABLE})


@st.cache_data(show_spinner=False, max_entries=64)
def flow_period_report(view_id: str, unit: str):
    """The flow view's default period (latest complete) and the status of each of its periods."""
    from indicators.periods import flow_period_status

    return flow_period_status(view_id, unit, obs=flow_observations(view_id))
