"""What the corridor page shows: the map, each segment's series, attrition and lag, mirrors, downloads.

``build_*`` functions are pure (words in the user's language via ``t``); ``render_*``
functions draw with Streamlit. Series of different authorities are drawn side by side
and compared; they are never added up.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from api.urls import sdmx_data_url
from atlas.core.downloads import render_traced_downloads
from atlas.core.i18n import t
from atlas.core.loaders import dataset_info, label_points, land_layer, place_names
from atlas.core.ui import render_altair, render_api_links, render_table
from atlas.corridors.loaders import corridor_incidents, corridors, series
from etl.formatting import format_count
from indicators import corridors as corridor_model
from indicators.corridors import (
    Corridor,
    CorridorError,
    compute_attrition_steps,
    compute_mirror_frames,
    compute_segment_frame,
)
from layers.base import VIEW_HEIGHT_PX, VIEW_WIDTH_PX
from layers.corridors import (
    CHAIN,
    COUNTED,
    INCIDENT,
    PLACE,
    build_corridor_deck,
    build_incident_records,
    build_node_records,
    compute_incident_radius,
)
from layers.flows import compute_legend_values


def build_attrition_table(corridor: Corridor, segments: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lag and ratio between consecutive segments that have monthly data; and the month-by-month ratios.

    The arithmetic is ``indicators.corridors.compute_attrition_steps``; this names the columns.
    """
    steps, ratios = compute_attrition_steps(corridor, segments)
    best = t("corridors.lag_best", lang, low=corridor.lag_window[0], high=corridor.lag_window[1])
    rows = [
        {
            t("corridors.col_from", lang): step.upstream.series.label(lang),
            t("corridors.col_to", lang): step.downstream.series.label(lang),
            t("corridors.col_lag", lang): step.lag,
            t("corridors.col_lag_rule", lang): t("corridors.lag_fixed", lang) if step.fixed else best,
            t("corridors.col_correlation", lang): None if pd.isna(step.correlation) else round(step.correlation, 3),
            t("corridors.col_months", lang): step.months,
            t("corridors.col_ratio", lang): round(step.ratio, 3),
        }
        for step in steps
    ]
    return pd.DataFrame(rows), ratios


def build_corridor_map(
    corridor: Corridor,
    nationality: str,
    points: pd.DataFrame,
    incidents: pd.DataFrame,
    land: pdk.Layer,
    names: Mapping[str, str],
    lang: str,
    width: int = VIEW_WIDTH_PX,
    height: int = VIEW_HEIGHT_PX,
) -> pdk.Deck:
    """The chain, its counted places, and the incidents of the chosen years, fitted to a ``width`` × ``height`` map."""
    chain = corridor.resolved_chain(nationality)
    node_names = {n.node_id: (n.name(lang) or names.get(n.geo_code, n.geo_code)) for n in chain}
    counted: dict[str, list[str]] = {}
    for s in corridor.segments:
        node = nationality if s.node_id == "{nationality}" else s.node_id
        counted.setdefault(node, []).append(s.series.label(lang))

    def node_tips(node: str) -> list[str]:
        label = "; ".join(counted.get(node, []))
        line = t("corridors.tip_node_counted", lang, series=label) if label else t("corridors.tip_node_plain", lang)
        return [node_names.get(node, node), line, corridor.name(lang), ""]

    def incident_tips(row: Mapping) -> list[str]:
        date = pd.Timestamp(row["date"]).strftime("%Y-%m-%d") if pd.notna(row["date"]) else row["time_period"]
        location = str(row.get("location") or "")
        return [
            location if len(location) <= 90 else location[:89] + "…",
            t("corridors.tip_incident", lang, dead=format_count(row["dead_and_missing"], lang), date=date),
            str(row.get("cause") or ""),
            t("corridors.tip_incident_source", lang),
        ]

    nodes = build_node_records(points, list(counted), node_names, node_tips)
    return build_corridor_deck(land, points, nodes, build_incident_records(incidents, incident_tips), width, height)


def build_legend_html(incidents: pd.DataFrame, lang: str) -> str:
    """The corridor map's legend, one or two wrapped lines above the map: the chain's line, the two kinds of
    place marker, and reference circles of the incidents (area grows with the dead and missing, as drawn).
    Texts are escaped; the swatches are decorative (``aria-hidden``): each item says what it shows in words."""

    def item(swatch: str, text: str) -> str:
        return f'<span class="cl-item">{swatch}<span>{html.escape(text)}</span></span>'

    def dot(colour: tuple[int, int, int], radius: float, line: str = "#ffffff") -> str:
        size = round(2 * radius + 2, 1)
        return (
            f'<svg class="cl-mark" aria-hidden="true" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
            f'<circle cx="{size / 2}" cy="{size / 2}" r="{radius}" fill="{_rgb(colour)}" stroke="{line}"/></svg>'
        )

    line = (
        '<svg class="cl-mark" aria-hidden="true" width="34" height="12" viewBox="0 0 34 12">'
        f'<line x1="3" x2="31" y1="6" y2="6" stroke="{_rgb(CHAIN)}" stroke-width="4" stroke-linecap="round"/></svg>'
    )
    route = [
        item(line, t("corridors.legend_chain", lang)),
        item(dot(COUNTED, 9), t("corridors.legend_counted", lang)),
        item(dot(PLACE, 6), t("corridors.legend_place", lang)),
    ]
    groups = [f'<span class="cl-group"><b>{html.escape(t("corridors.legend_route", lang))}</b>{"".join(route)}</span>']
    top = float(incidents["dead_and_missing"].max()) if len(incidents) else 0.0
    sizes = [
        item(dot(INCIDENT, compute_incident_radius(v, top), "#780a0a"), format_count(v, lang))
        for v in compute_legend_values(top)
    ]
    if sizes:
        title = html.escape(t("corridors.legend_incidents", lang))
        groups.append(f'<span class="cl-group"><b>{title}</b>{"".join(sizes)}</span>')
    return f'<div class="atlas-legend corridor-legend">{"".join(groups)}</div>'


def _rgb(colour: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*colour)


# The corridor legend above the map (map first, issue 16): its groups on one line on a desktop, wrapped on a phone.
LEGEND_STYLE = """
<style>
.corridor-legend { display: flex; flex-wrap: wrap; align-items: center; column-gap: 1.4rem; row-gap: .15rem;
  font-size: .9em; margin-bottom: .4rem; }
.corridor-legend .cl-group { display: inline-flex; flex-wrap: wrap; align-items: center; column-gap: .7rem; }
.corridor-legend .cl-item { display: inline-flex; align-items: center; gap: .3rem; }
.corridor-legend .cl-mark { flex: none; }
</style>
"""


MAP_HEIGHT = 520
MAP_HEIGHT_PROJECTED = 480  # title, story step and legend above it: the whole map on a 1440×900 screen


def render_legend(incidents: pd.DataFrame, lang: str, projecting: bool = False) -> None:
    """The legend above the map; under the projector theme, in its large type."""
    st.html(LEGEND_STYLE + ("<style>.corridor-legend { font-size: 1rem; }</style>" if projecting else ""))
    st.markdown(build_legend_html(incidents, lang), unsafe_allow_html=True)


def render_series_chart(frame: pd.DataFrame, lang: str, key: str, height: int = 320) -> None:
    """One line per series over time (colour = series; hover = exact value, unit and period)."""
    chart_frame = frame.assign(time=pd.to_datetime(frame["time_start"]))
    chart = (
        alt.Chart(chart_frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("time:T", title=t("corridors.col_time", lang)),
            y=alt.Y("value:Q", title=t("corridors.col_value", lang)),
            color=alt.Color(
                "series:N",
                title=t("corridors.col_series", lang),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=480),
            ),
            tooltip=["series:N", "period:N", alt.Tooltip("value:Q", format=",.0f"), "unit:N", "dataset_id:N"],
        )
        .properties(height=height)
    )
    legend_px = 30 + 26 * chart_frame["series"].nunique()
    render_altair(
        chart, lang, t("corridors.segments_heading", lang), width="stretch", height=height + legend_px + 50, key=key
    )


def render_ratio_chart(ratios: pd.DataFrame, lang: str) -> None:
    frame = ratios.dropna(subset=["ratio"]).assign(time=lambda f: pd.PeriodIndex(f["month"], freq="M").to_timestamp())
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("time:T", title=t("corridors.col_time", lang)),
            y=alt.Y("ratio:Q", title=t("corridors.col_ratio", lang)),
            color=alt.Color("pair:N", title=""),
            tooltip=["pair:N", "month:N", "downstream_month:N", alt.Tooltip("ratio:Q", format=".2f")],
        )
        .properties(height=220)
    )
    render_altair(chart, lang, t("corridors.attrition_heading", lang), width="stretch", key="corridor_ratio_chart")


def render_caveats(corridor: Corridor, lang: str) -> None:
    """Each segment's caveat, next to its chart."""
    st.markdown(f"**{t('corridors.caveats_heading', lang)}**")
    for s in corridor.segments:
        st.caption(f"**{s.series.label(lang)}** — {s.series.caveat(lang)}")


def render_incidents_summary(corridor: Corridor, incidents: pd.DataFrame, years: tuple[int, int], lang: str) -> None:
    """How many Missing Migrants incidents the map draws near the corridor, and what they do not say."""
    st.markdown(f"**{t('corridors.incidents_heading', lang)}**")
    routes = (
        t("corridors.incidents_routes", lang, routes=", ".join(corridor.incident_routes))
        if corridor.incident_routes
        else ""
    )
    st.caption(
        t(
            "corridors.incidents_count",
            lang,
            incidents=format_count(len(incidents), lang),
            dead=format_count(float(incidents["dead_and_missing"].sum()), lang),
            years=f"{years[0]}–{years[1]}",
            buffer=format_count(corridor.buffer_km, lang),
            routes=routes,
        )
    )
    st.caption(t("corridors.incidents_caveat", lang))


def render_mirrors(mirrors, lang: str) -> list[pd.DataFrame]:
    """Each mirror (the same flow counted by two sources): chart, both caveats, table; the frames shown."""
    if mirrors:
        st.subheader(t("corridors.mirrors_heading", lang))
        st.caption(t("corridors.mirrors_note", lang))
    columns = [t(f"corridors.col_{c}", lang) for c in ("time", "left", "right", "difference", "mirror_ratio")]
    decimals = dict(zip(columns[1:], (0, 0, 0, 3)))
    shown = []
    for mirror, table, long in mirrors:
        st.markdown(f"**{mirror.what(lang)}**")
        if len(long):
            render_series_chart(long, lang, key=f"mirror_{mirror.mirror_id}", height=260)
        st.caption(f"**A — {mirror.left.label(lang)}**: {mirror.left.caveat(lang)}")
        st.caption(f"**B — {mirror.right.label(lang)}**: {mirror.right.caveat(lang)}")
        render_table(table.set_axis(columns, axis=1), lang, f"mirror_table_{mirror.mirror_id}", decimals)
        shown.append(long)
    return shown


def render_downloads_and_api(
    corridor: Corridor, nationality: str, years: tuple[int, int], shown: list[pd.DataFrame], lang: str
) -> None:
    """Downloads of every series shown (with their sources) and the API address of each segment's own series."""
    frames = [f for f in shown if len(f)]
    everything = pd.concat(frames, ignore_index=True) if frames else shown[0]
    about = [dataset_info(d) for d in sorted(set(everything["dataset_id"]))]
    name = f"corridor_{corridor.corridor_id}_{nationality}_{years[0]}_{years[1]}"
    render_downloads(everything, [a for a in about if a], name, lang)
    links = [
        (
            s.series.label(lang),
            sdmx_data_url(
                s.series.dataset_id, "all", format="csvdata", startPeriod=str(years[0]), endPeriod=str(years[1])
            ),
        )
        for s in corridor.segments
    ]
    render_api_links(links, lang)  # each segment's own series (never added up)


def render_downloads(frame: pd.DataFrame, about: list[Mapping[str, str]], name: str, lang: str) -> None:
    """CSV and XLSX of every series shown, each row with its source, licence, attribution and retrieval date."""
    st.subheader(t("corridors.downloads_heading", lang))
    table = frame.assign(time_start=frame["time_start"].astype(str))
    render_traced_downloads(
        table,
        about,
        name,
        "corridor_download",
        lang,
        (t("corridors.download_csv", lang), t("corridors.download_xlsx", lang)),
    )


def corridor_data(
    corridor_id: str,
    nationality: str,
    years: tuple[int, int],
    lang: str,
    width: int = VIEW_WIDTH_PX,
    height: int = VIEW_HEIGHT_PX,
):
    """``(segments, attrition, ratios, mirrors, deck, incidents)`` for the page, the deck fitted to a ``width`` ×
    ``height`` map; a series the corridor cannot assemble is said on the page, which stops there."""
    try:
        series_parts = corridor_series(corridor_id, nationality, years[0], years[1], lang)
        deck, incidents = corridor_map(corridor_id, nationality, years[0], years[1], lang, width, height)
    except CorridorError as err:
        st.error(t("corridors.series_error", lang, detail=str(err)))
        st.stop()
    return (*series_parts, deck, incidents)


@st.cache_resource(show_spinner=False, max_entries=64)
def corridor_map(
    corridor_id: str,
    nationality: str,
    first_year: int,
    last_year: int,
    lang: str,
    width: int = VIEW_WIDTH_PX,
    height: int = VIEW_HEIGHT_PX,
):
    """The corridor deck, fitted to a ``width`` × ``height`` map, and the incidents it draws, for one state of the
    page (shared: do not mutate)."""
    corridor = corridors()[corridor_id]
    chosen = corridor_incidents(corridor_id, nationality)
    shown = chosen[pd.to_datetime(chosen["date"]).dt.year.between(first_year, last_year)].reset_index(drop=True)
    points = corridor_model.compute_chain_points(corridor, label_points().reset_index(), nationality)
    deck = build_corridor_map(
        corridor, nationality, points, shown, land_layer(), place_names(lang), lang, width, height
    )
    return deck, shown


@st.cache_resource(show_spinner=False, max_entries=64)
def corridor_series(corridor_id: str, nationality: str, first_year: int, last_year: int, lang: str):
    """Segments, attrition table, monthly ratios and mirrors of a corridor (shared: do not mutate)."""
    corridor = corridors()[corridor_id]
    years = (first_year, last_year)
    segments = compute_segment_frame(corridor, nationality, years, series, lang)
    attrition, ratios = build_attrition_table(corridor, segments, lang)
    mirrors = compute_mirror_frames(corridor, nationality, years, series, lang)
    return segments, attrition, ratios, mirrors
