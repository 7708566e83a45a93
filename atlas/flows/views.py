"""What the flow page shows around the map: hover texts, the deck, legend, counts, tables, source.

``build_*`` functions are pure (strings in the user's language via ``t``); ``render_*``
functions draw with Streamlit.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import streamlit as st

from api.urls import sdmx_data_url
from atlas.core.downloads import render_traced_downloads
from atlas.core.i18n import t
from atlas.core.loaders import dataset_info, label_points, land_layer, place_names, unit_names
from atlas.core.ui import render_api_link as render_api_address
from atlas.flows import loaders
from atlas.flows.params import top_limit
from etl.formatting import format_count
from indicators import flows as flow_model
from indicators.flows import FlowSelection, FlowView, compute_place_totals, compute_selection, compute_summary
from layers.base import SEA, VIEW_HEIGHT_PX, VIEW_WIDTH_PX
from layers.boundaries import REGION_BOUNDS
from layers.flows import (
    DESTINATION,
    NET_UNKNOWN,
    ORIGIN,
    WidthScale,
    build_arc_records,
    build_flow_deck,
    build_place_records,
    compute_legend_values,
)


@dataclass(frozen=True)
class FlowMap:
    """Everything the flow page draws for one state of its controls."""

    deck: pdk.Deck
    selection: FlowSelection
    totals: pd.DataFrame
    summary: Mapping[str, float]
    scale: WidthScale
    unit: str
    table: pd.DataFrame  # every flow, with where it is (drawn, hidden, no place, no value)
    totals_table: pd.DataFrame  # place totals with names, for the screen


def _name(names: Mapping[str, str], code: str) -> str:
    return names.get(code, code)


def build_flow_map(
    view: FlowView,
    flows: pd.DataFrame,
    focused: pd.DataFrame,
    points: pd.DataFrame,
    land: pdk.Layer,
    focus: str,
    top: int | None,
    minimum: float | None,
    lang: str,
    names: Mapping[str, str],
    unit_name: str,
    source: str,
    width: int = VIEW_WIDTH_PX,
    height: int = VIEW_HEIGHT_PX,
) -> FlowMap:
    """The deck and the numbers around it: arcs of ``focused`` (top N / minimum), places of all ``flows``; the
    deck's first view fits what it draws in a ``width`` × ``height`` map."""
    selection = compute_selection(focused, points.index, top_n=top, min_value=minimum or None)
    totals = compute_place_totals(flows)
    scale = WidthScale(float(selection.drawn["value"].max()) if len(selection.drawn) else 0.0)
    period = flows["period"].iloc[0] if len(flows) else ""

    def arc_tips(row: Mapping) -> list[str]:
        status = t("flows.tip_status", lang, status=row["obs_status"]) if row["obs_status"] != "A" else ""
        return [
            f"{_name(names, row['origin'])} → {_name(names, row['destination'])}",
            t("flows.tip_value", lang, value=format_count(row["value"], lang), unit=unit_name, period=row["period"]),
            status,
        ]

    def place_tips(row: Mapping) -> list[str]:
        return [
            f"{_name(names, row['place'])} ({row['place']})",
            t(
                "flows.tip_in_out",
                lang,
                incoming=format_count(row["incoming"], lang),
                outgoing=format_count(row["outgoing"], lang),
            ),
            t("flows.tip_net", lang, net=format_count(row["net"], lang), unit=unit_name, period=period),
        ]

    arcs = build_arc_records(selection.drawn, points, scale, arc_tips)
    shown = set(selection.drawn["origin"]) | set(selection.drawn["destination"]) | ({focus} if focus else set())
    places = build_place_records(totals[totals["place"].isin(shown)], points, focus or None, place_tips)
    volume = totals.set_index("place")[["incoming", "outgoing"]].abs().max(axis=1).fillna(0).to_dict()
    ranked = sorted(places, key=lambda p: (p["code"] != focus, -volume.get(p["code"], 0.0), p["code"]))
    labels = [{"pos": p["pos"], "text": _name(names, p["code"])} for p in ranked]  # most important first
    footer = f"{view.name(lang)} · {t('flows.tip_source', lang, source=source)}"
    deck = build_flow_deck(land, arcs, places, labels, REGION_BOUNDS, footer, width, height)
    return FlowMap(
        deck,
        selection,
        totals,
        compute_summary(selection),
        scale,
        unit_name,
        build_flow_table(selection, names, lang),
        build_totals_table(totals, names, lang),
    )


def build_legend_html(flow_map: FlowMap, lang: str) -> str:
    """The legend of every visual channel, as one or two wrapped lines drawn above the map: an arc's colour
    (origin → destination), three reference widths with their values, and the places' colours (sign of net).
    Texts are escaped; the swatches are decorative (``aria-hidden``): each item says what it shows in words."""

    def item(swatch: str, text: str) -> str:
        return f'<span class="fl-item">{swatch}<span>{html.escape(text)}</span></span>'

    def group(title: str, items: list[str]) -> str:
        return f'<span class="fl-group"><b>{html.escape(title)}</b>{"".join(items)}</span>'

    bar = (
        '<span class="fl-bar" aria-hidden="true" style="background:linear-gradient(90deg,'
        f'{_rgb(ORIGIN)},{_rgb(DESTINATION)})"></span>'
    )
    direction = (
        f'<span class="fl-item"><span>{html.escape(t("flows.legend_origin", lang))}</span>{bar}'
        f"<span>{html.escape(t('flows.legend_destination', lang))}</span></span>"
    )
    widths = [
        item(
            '<svg class="fl-line" aria-hidden="true" width="34" height="16" viewBox="0 0 34 16">'
            f'<line x1="3" x2="31" y1="8" y2="8" stroke="{_rgb(DESTINATION)}" stroke-width="{flow_map.scale.width(v)}"'
            ' stroke-linecap="round" stroke-opacity="0.8"/></svg>',
            f"{format_count(v, lang)} {flow_map.unit}".strip(),
        )
        for v in compute_legend_values(flow_map.scale.max_value)
    ]
    dots = [
        item(f'<span class="fl-dot" aria-hidden="true" style="background:{_rgb(colour)}"></span>', t(key, lang))
        for colour, key in (
            (DESTINATION, "flows.legend_net_in"),
            (ORIGIN, "flows.legend_net_out"),
            (NET_UNKNOWN, "flows.legend_net_unknown"),
        )
    ]
    groups = [group(t("flows.legend_direction", lang), [direction])]
    if widths:
        groups.append(group(t("flows.legend_width", lang), widths))
    groups.append(group(t("flows.legend_dots", lang), dots))
    return f'<div class="atlas-legend flow-legend">{"".join(groups)}</div>'


def _rgb(colour: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*colour)


# The flow legend above the map (map first, issue 16): its groups on one line on a desktop, wrapped on a phone.
PAGE_STYLE = """
<style>
.flow-legend { display: flex; flex-wrap: wrap; align-items: center; column-gap: 1.4rem; row-gap: .15rem;
  font-size: .9em; margin-bottom: .4rem; }
.flow-legend .fl-group { display: inline-flex; flex-wrap: wrap; align-items: center; column-gap: .7rem; }
.flow-legend .fl-item { display: inline-flex; align-items: center; gap: .3rem; }
.flow-legend .fl-bar { display: inline-block; width: 3.2em; height: .6em; border-radius: .3em; }
.flow-legend .fl-dot { display: inline-block; width: .8em; height: .8em; border-radius: 50%;
  border: 1px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,.35); }
.flow-legend .fl-line { flex: none; }
/* a wide map of the whole flow area shows past the antimeridian, where deck.gl draws nothing: sea there too */
.st-key-flow_pick canvas { background: rgb(SEA_RGB); }
@media (max-width: 640px) {
  /* on a phone: period and focus side by side, a smaller title in projector mode; the legend stays on the
     first screen */
  .st-key-flows_controls [data-testid="stHorizontalBlock"] { flex-flow: row wrap !important; gap: .6rem !important; }
  .st-key-flows_controls [data-testid="stColumn"] { flex: 1 1 calc(50% - .6rem) !important;
    min-width: calc(50% - .6rem) !important; width: calc(50% - .6rem) !important; }
  h1 { font-size: 1.6rem !important; }
}
</style>
"""


PROJECTOR_LEGEND = "<style>.flow-legend { font-size: 1rem; }</style>"  # the projector theme's large type
MAP_HEIGHT = 520
MAP_HEIGHT_PROJECTED = 480  # title, story step, period and legend above it: the whole map on a 1440×900 screen


def render_page_style(projecting: bool = False) -> None:
    """The flow legend's style and the phone layout of the flow page; under the projector theme, large type."""
    st.html(PAGE_STYLE.replace("SEA_RGB", ",".join(str(c) for c in SEA)) + (PROJECTOR_LEGEND if projecting else ""))


def render_legend(flow_map: FlowMap, lang: str) -> None:
    st.markdown(build_legend_html(flow_map, lang), unsafe_allow_html=True)


def build_flow_table(selection: FlowSelection, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Every flow of the view (drawn, hidden, without a place, without a value) for the table and downloads."""
    parts = []
    for key, part in (
        ("drawn", selection.drawn),
        ("hidden", selection.hidden),
        ("undrawable", selection.undrawable),
        ("missing", selection.missing),
    ):
        parts.append(part.assign(on_map=t(f"flows.on_map_{key}", lang)))
    table = pd.concat(parts, ignore_index=True)
    table.insert(1, "origin_name", table["origin"].map(lambda c: _name(names, c)))
    table.insert(3, "destination_name", table["destination"].map(lambda c: _name(names, c)))
    return table[
        [
            "origin",
            "origin_name",
            "destination",
            "destination_name",
            "value",
            "unit",
            "period",
            "obs_status",
            "on_map",
            "dataset_id",
            "measure",
            "reporter",
        ]
    ]


def build_flow_display(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The flow table as people read it: names, value, unit, period, status, where it is on the map, source;
    column names in ``lang`` (the downloads keep the codes and every provenance column)."""
    units = unit_names(lang)
    columns = {
        "origin_name": "origin",
        "destination_name": "destination",
        "value": "value",
        "unit": "unit",
        "period": "period",
        "obs_status": "status",
        "on_map": "on_map",
        "dataset_id": "source",
    }
    shown = table[list(columns)].assign(unit=table["unit"].map(lambda u: units.get(u, u)))
    return shown.rename(columns={c: t(f"flows.col_{name}", lang) for c, name in columns.items()})


def build_totals_table(totals: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Place totals with names, largest absolute volume first, for the screen."""
    table = totals.assign(name=totals["place"].map(lambda c: _name(names, c)))
    volume = table[["incoming", "outgoing"]].abs().max(axis=1).fillna(0)
    table = table.assign(_v=volume).sort_values(["_v", "place"], ascending=[False, True], kind="mergesort")
    table = table[["name", "place", "incoming", "outgoing", "net"]]
    table.columns = [t(f"flows.col_{c}", lang) for c in ("place", "code", "incoming", "outgoing", "net")]
    return table.reset_index(drop=True)


def render_counts(flow_map: FlowMap, lang: str) -> None:
    """Say what is drawn and what is not, with counts and volumes (nothing is dropped silently)."""
    s, unit = flow_map.summary, flow_map.unit
    st.caption(t("flows.drawn", lang, count=s["drawn_count"], volume=format_count(s["drawn_volume"], lang), unit=unit))
    if s["hidden_count"]:
        st.caption(
            t("flows.hidden", lang, count=s["hidden_count"], volume=format_count(s["hidden_volume"], lang), unit=unit)
        )
    if s["undrawable_count"]:
        st.caption(
            t(
                "flows.undrawable",
                lang,
                count=s["undrawable_count"],
                volume=format_count(s["undrawable_volume"], lang),
                unit=unit,
            )
        )
    if s["missing_count"]:
        st.caption(t("flows.missing", lang, count=s["missing_count"]))


def render_api_link(view: FlowView, period: str, lang: str) -> None:
    """The API address of the view's series (CSV) for the shown year, or every period when it is a month."""
    years = {"startPeriod": period, "endPeriod": period} if str(period).isdigit() else {}
    render_api_address(sdmx_data_url(view.dataset_id, "all", format="csvdata", **years), lang)


def render_source(view: FlowView, info: Mapping[str, str], lang: str) -> None:
    """The dataset's title, publisher, licence and revision, the view's note and the source's caveats."""
    st.subheader(t("flows.source_heading", lang))
    if info:
        st.caption(
            t(
                "flows.source_line",
                lang,
                title=info.get(f"title_{lang}", view.dataset_id),
                publisher=info.get("publisher", ""),
                licence=info.get("licence", ""),
                revision=info.get("revision", ""),
                retrieved=info.get("retrieved", ""),
            )
        )
        if info.get(f"caveats_{lang}"):
            st.caption(info[f"caveats_{lang}"])
    if view.note(lang):
        st.caption(view.note(lang))


def render_downloads(table: pd.DataFrame, info: Mapping[str, str], name: str, lang: str) -> None:
    """CSV and XLSX of every flow, each row with its source, licence, attribution and retrieval date."""
    render_traced_downloads(
        table,
        [info] if info else [],
        name,
        "flows_download",
        lang,
        (t("flows.download_csv", lang), t("flows.download_xlsx", lang)),
    )


@st.cache_resource(show_spinner=False, max_entries=128)
def cached_flow_map(
    view_id: str,
    unit: str,
    period: str,
    sex: str,
    focus: str,
    mode: str,
    top: str,
    minimum: int,
    lang: str,
    width: int = VIEW_WIDTH_PX,
    height: int = VIEW_HEIGHT_PX,
):
    """The deck and numbers of the flow page for one state of its controls, the deck fitted to a ``width`` ×
    ``height`` map (shared: do not mutate)."""
    view = flow_model.load_flow_views()[view_id]
    all_flows = loaders.flows(view_id, unit, period, sex)
    focused = flow_model.compute_focus(all_flows, focus or None, mode)
    info = dataset_info(view.dataset_id)
    source = info.get("publisher") or view.dataset_id
    unit_name = unit_names(lang).get(all_flows["unit"].iloc[0], all_flows["unit"].iloc[0]) if len(all_flows) else ""
    return build_flow_map(
        view,
        all_flows,
        focused,
        label_points(),
        land_layer(),
        focus,
        top_limit(top),
        float(minimum) if minimum else None,
        lang,
        place_names(lang),
        unit_name,
        source,
        width,
        height,
    )
