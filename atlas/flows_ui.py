"""What the flow page shows around the map: hover texts, the deck, legend, counts, tables, source.

``build_*`` functions are pure (strings in the user's language via ``t``); ``render_*``
functions draw with Streamlit.
"""

from __future__ import annotations

import functools

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from atlas import urlstate
from atlas.i18n import t
from atlas.urlparams_flows import QueryKey, compute_next_period, compute_query_key, remember_query
from indicators.flows import FlowSelection, FlowView, compute_place_totals, compute_selection, compute_summary
from layers.boundaries import REGION_BOUNDS
from layers.flow_exports import build_table_download, find_missing_provenance
from layers.flows import (
    WidthScale, build_arc_records, build_flow_deck, build_place_records, build_width_legend_svg,
    compute_legend_values, format_number,
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
    table: pd.DataFrame          # every flow, with where it is (drawn, hidden, no place, no value)
    totals_table: pd.DataFrame   # place totals with names, for the screen


def _name(names: Mapping[str, str], code: str) -> str:
    return names.get(code, code)


def build_flow_map(view: FlowView, flows: pd.DataFrame, focused: pd.DataFrame, points: pd.DataFrame,
                   land: pdk.Layer, focus: str, top: int | None, minimum: float | None, lang: str,
                   names: Mapping[str, str], unit_name: str, source: str) -> FlowMap:
    """The deck and the numbers around it: arcs of ``focused`` (top N / minimum), places of all ``flows``."""
    selection = compute_selection(focused, points.index, top_n=top, min_value=minimum or None)
    totals = compute_place_totals(flows)
    scale = WidthScale(float(selection.drawn["value"].max()) if len(selection.drawn) else 0.0)
    period = flows["period"].iloc[0] if len(flows) else ""

    def arc_tips(row: Mapping) -> list[str]:
        status = t("flows.tip_status", lang, status=row["obs_status"]) if row["obs_status"] != "A" else ""
        return [f"{_name(names, row['origin'])} → {_name(names, row['destination'])}",
                t("flows.tip_value", lang, value=format_number(row["value"], lang), unit=unit_name,
                  period=row["period"]), status]

    def place_tips(row: Mapping) -> list[str]:
        return [f"{_name(names, row['place'])} ({row['place']})",
                t("flows.tip_in_out", lang, incoming=format_number(row["incoming"], lang),
                  outgoing=format_number(row["outgoing"], lang)),
                t("flows.tip_net", lang, net=format_number(row["net"], lang), unit=unit_name, period=period)]

    arcs = build_arc_records(selection.drawn, points, scale, arc_tips)
    shown = set(selection.drawn["origin"]) | set(selection.drawn["destination"]) | ({focus} if focus else set())
    places = build_place_records(totals[totals["place"].isin(shown)], points, focus or None, place_tips)
    labels = [{"pos": p["pos"], "text": _name(names, p["code"])} for p in places]
    footer = f"{view.name(lang)} · {t('flows.tip_source', lang, source=source)}"
    deck = build_flow_deck(land, arcs, places, labels, REGION_BOUNDS, footer)
    return FlowMap(deck, selection, totals, compute_summary(selection), scale, unit_name,
                   build_flow_table(selection, names, lang), build_totals_table(totals, names, lang))


def build_legend_svg(flow_map: FlowMap, lang: str) -> str:
    """The legend: direction (origin → destination) and three reference widths with their values."""
    values = compute_legend_values(flow_map.scale.max_value)
    labels = [f"{format_number(v, lang)} {flow_map.unit}" for v in values]
    return build_width_legend_svg(values, flow_map.scale, labels, t("flows.legend_origin", lang),
                                  t("flows.legend_destination", lang))


def build_flow_table(selection: FlowSelection, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Every flow of the view (drawn, hidden, without a place, without a value) for the table and downloads."""
    parts = []
    for key, part in (("drawn", selection.drawn), ("hidden", selection.hidden),
                      ("undrawable", selection.undrawable), ("missing", selection.missing)):
        parts.append(part.assign(on_map=t(f"flows.on_map_{key}", lang)))
    table = pd.concat(parts, ignore_index=True)
    table.insert(1, "origin_name", table["origin"].map(lambda c: _name(names, c)))
    table.insert(3, "destination_name", table["destination"].map(lambda c: _name(names, c)))
    return table[["origin", "origin_name", "destination", "destination_name", "value", "unit", "period",
                  "obs_status", "on_map", "dataset_id", "measure", "reporter"]]


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
    st.caption(t("flows.drawn", lang, count=s["drawn_count"], volume=format_number(s["drawn_volume"], lang),
                 unit=unit))
    if s["hidden_count"]:
        st.caption(t("flows.hidden", lang, count=s["hidden_count"], volume=format_number(s["hidden_volume"], lang),
                     unit=unit))
    if s["undrawable_count"]:
        st.caption(t("flows.undrawable", lang, count=s["undrawable_count"],
                     volume=format_number(s["undrawable_volume"], lang), unit=unit))
    if s["missing_count"]:
        st.caption(t("flows.missing", lang, count=s["missing_count"]))


def render_source(view: FlowView, info: Mapping[str, str], lang: str) -> None:
    """The dataset's title, publisher, licence and revision, the view's note and the source's caveats."""
    st.subheader(t("flows.source_heading", lang))
    if info:
        st.caption(t("flows.source_line", lang, title=info.get(f"title_{lang}", view.dataset_id),
                     publisher=info.get("publisher", ""), licence=info.get("licence", ""),
                     revision=info.get("revision", ""), retrieved=info.get("retrieved", "")))
        if info.get(f"caveats_{lang}"):
            st.caption(info[f"caveats_{lang}"])
    if view.note(lang):
        st.caption(view.note(lang))


def render_downloads(table: pd.DataFrame, info: Mapping[str, str], name: str, lang: str) -> None:
    """CSV and XLSX of every flow, each row with its source, licence, attribution and retrieval date."""
    render_traced_downloads(table, [info] if info else [], name, lang, strings="flows", key="flows")


def render_traced_downloads(table: pd.DataFrame, about: Sequence[Mapping[str, str]], name: str, lang: str, *,
                            strings: str, key: str) -> None:
    """The CSV and XLSX buttons of the flow and corridor pages; a warning instead when a row has no source.

    ``strings`` names the page's string file (``download_csv``, ``download_xlsx``, ``download_no_source``),
    ``key`` prefixes the widget keys.
    """
    missing = find_missing_provenance(table, about)
    if missing:   # never offer numbers that cannot be traced to their source
        st.warning(t(f"{strings}.download_no_source", lang, datasets=", ".join(missing)))
        return
    left, right = st.columns(2)
    left.download_button(t(f"{strings}.download_csv", lang),
                         functools.partial(build_table_download, table, "csv", about, lang),
                         on_click="ignore", file_name=f"{name}.csv", mime="text/csv", key=f"{key}_download_csv")
    right.download_button(t(f"{strings}.download_xlsx", lang),
                          functools.partial(build_table_download, table, "xlsx", about, lang),
                          on_click="ignore", file_name=f"{name}.xlsx", key=f"{key}_download_xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- play: the timed advance and the toggle, safe against the lagging address bar ----------------------
PLAY_CHOICE = "_flows_play_choice"    # the toggle's last change, applied over anything the URL says in that run
PERIOD_PICKED = "_flows_period_picked"  # the person moved the period: the timer does not move it in that run
OWN_URLS = "_flows_own_urls"          # queries this session wrote while playing (see sync_flow_state_from_url)


def on_play_toggled() -> None:
    """Toggle callback: the person's choice wins over the URL and over a timed rerun already on its way."""
    st.session_state[PLAY_CHOICE] = bool(st.session_state.get("play"))


def on_period_picked() -> None:
    """Period slider callback: a period chosen by hand is not moved on by the timer in the same run."""
    st.session_state[PERIOD_PICKED] = True


def _query_key(specs: Sequence[urlstate.Param]) -> QueryKey:
    return compute_query_key({s.key: st.query_params[s.key] for s in specs if s.key in st.query_params})


def sync_flow_state_from_url(specs: Sequence[urlstate.Param], scope: str) -> list[urlstate.Problem]:
    """``urlstate.sync_from_url``, except for an address this session wrote itself while playing.

    While a flow plays, every timed rerun writes a new period into the URL, and the browser's
    address bar may lag behind (more so under load). A click sent with one of those earlier
    addresses (Stop, above all) is not a shared link: reading it back would switch play on
    again or move the period back. The toggle's own change always wins (``on_play_toggled``).
    """
    own = _query_key(specs) in st.session_state.get(OWN_URLS, ()) and all(s.key in st.session_state for s in specs)
    problems = [] if own else urlstate.sync_from_url(specs, scope)
    if PLAY_CHOICE in st.session_state:
        st.session_state["play"] = st.session_state.pop(PLAY_CHOICE)
    return problems


def write_flow_state_to_url(specs: Sequence[urlstate.Param], scope: str) -> None:
    """``urlstate.write_to_url``, remembering what was written while playing (see ``sync_flow_state_from_url``)."""
    urlstate.write_to_url(specs, scope)
    if st.session_state.get("play"):
        st.session_state[OWN_URLS] = remember_query(st.session_state.get(OWN_URLS, ()), _query_key(specs))


def advance_if_playing(periods: Sequence[str]) -> None:
    """On a timed rerun of the panel, move to the next period, if play is on in the session *now*.

    Only timed (fragment) reruns advance: a full rerun (the Stop click among them) never does,
    and neither does the run in which the person picked a period by hand.
    """
    ctx = get_script_run_ctx()
    picked = st.session_state.pop(PERIOD_PICKED, False)
    timed = ctx is not None and bool(ctx.fragment_ids_this_run)
    if st.session_state.get("play") is True and timed and not picked and periods:
        st.session_state["period"] = compute_next_period(periods, st.session_state.get("period"))


def compute_picked_place(selection: Mapping | None) -> str | None:
    """The place code a click on the map picked (a dot of the ``places`` layer), or ``None``.

    Clicks on arcs or on empty map pick nothing, so they leave the focus as it is.
    """
    objects = (selection or {}).get("objects") or {}
    picked = objects.get("places") or []
    code = picked[0].get("code") if picked and isinstance(picked[0], Mapping) else None
    return code if isinstance(code, str) and code else None
