"""What the corridor page shows: the map, each segment's series, attrition and lag, mirrors, downloads.

``build_*`` functions are pure (words in the user's language via ``t``); ``render_*``
functions draw with Streamlit. Series of different authorities are drawn side by side
and compared; they are never added up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from atlas.flows_ui import render_traced_downloads
from atlas.i18n import t
from indicators.corridors import (
    Corridor, SeriesSpec, compute_attrition, compute_best_lag, compute_mirror, compute_overall_attrition, to_monthly,
)
from layers.corridors import build_corridor_deck, build_incident_records, build_node_records
from layers.flows import format_number

SeriesLoader = Callable[[str, str, str, str, str], pd.DataFrame]
SERIES_COLUMNS = ["series_id", "series", "dataset_id", "measure", "ref_area", "counterpart_area", "period", "freq",
                  "time_start", "value", "unit", "obs_status"]


def _in_years(series: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """The periods of ``series`` that start within ``years``; monthly rows only where the series has them.

    A source that published annual totals before its monthly series (the Darién before
    2020) is not drawn as one line: an annual total beside monthly counts would read as a spike.
    """
    start = pd.to_datetime(series["time_start"])
    inside = series[(start.dt.year >= years[0]) & (start.dt.year <= years[1])]
    if inside["freq"].eq("M").any():
        inside = inside[inside["freq"].eq("M")]
    return inside


def _tagged(series: pd.DataFrame, series_id: str, spec: SeriesSpec, nationality: str, lang: str) -> pd.DataFrame:
    return series.assign(series_id=series_id, series=spec.label(lang), dataset_id=spec.dataset_id,
                         measure=spec.measure, ref_area=spec.ref_area,
                         counterpart_area=spec.resolved_counterpart(nationality))[SERIES_COLUMNS]


def build_segment_frame(corridor: Corridor, nationality: str, years: tuple[int, int], load: SeriesLoader,
                        lang: str) -> pd.DataFrame:
    """Every segment's series for one nationality within ``years``, long format, in chain order."""
    parts = [_tagged(_in_years(load(corridor.corridor_id, "segment", s.segment_id, "", nationality), years),
                     s.segment_id, s.series, nationality, lang) for s in corridor.segments]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SERIES_COLUMNS)


def build_attrition_table(corridor: Corridor, segments: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lag and ratio between consecutive segments that have monthly data; and the month-by-month ratios.

    Segments without monthly data for this nationality are skipped, so the comparison is
    between the nearest two that have it (the table says which).
    """
    monthly = [(s, to_monthly(segments[segments["series_id"].eq(s.segment_id)])) for s in corridor.segments]
    monthly = [(s, m) for s, m in monthly if m.notna().any()]
    rows, ratios = [], []
    for (up_seg, up), (down_seg, down) in zip(monthly[:-1], monthly[1:]):
        if corridor.fixed_lag is not None:
            lag, corr, months, rule = corridor.fixed_lag, float("nan"), None, t("corridors.lag_fixed", lang)
        else:
            result = compute_best_lag(up, down, corridor.lag_window)
            lag = result.lag if result.lag is not None else corridor.lag_window[0]
            corr, months = result.correlation, result.months
            rule = t("corridors.lag_best", lang, low=corridor.lag_window[0], high=corridor.lag_window[1])
        attrition = compute_attrition(up, down, lag)
        both = attrition.dropna(subset=["upstream", "downstream"])
        rows.append({
            t("corridors.col_from", lang): up_seg.series.label(lang),
            t("corridors.col_to", lang): down_seg.series.label(lang),
            t("corridors.col_lag", lang): lag, t("corridors.col_lag_rule", lang): rule,
            t("corridors.col_correlation", lang): None if pd.isna(corr) else round(corr, 3),
            t("corridors.col_months", lang): months if months is not None else len(both),
            t("corridors.col_ratio", lang): round(compute_overall_attrition(attrition), 3),
        })
        ratios.append(attrition.assign(pair=f"{up_seg.segment_id} → {down_seg.segment_id}"))
    table = pd.DataFrame(rows)
    ratio_frame = pd.concat(ratios, ignore_index=True) if ratios else pd.DataFrame()
    return table, ratio_frame


def build_mirror_frames(corridor: Corridor, nationality: str, years: tuple[int, int], load: SeriesLoader,
                        lang: str) -> list[tuple[object, pd.DataFrame, pd.DataFrame]]:
    """For each mirror: the comparison table (A, B, difference, ratio) and both series in long format."""
    out = []
    for mirror in corridor.mirrors:
        sides = {side: _in_years(load(corridor.corridor_id, "mirror", mirror.mirror_id, side, nationality), years)
                 for side in ("left", "right")}
        long = pd.concat([_tagged(sides["left"], f"{mirror.mirror_id}_a", mirror.left, nationality, lang),
                          _tagged(sides["right"], f"{mirror.mirror_id}_b", mirror.right, nationality, lang)],
                         ignore_index=True)
        table = compute_mirror(sides["left"].set_index("period")["value"], sides["right"].set_index("period")["value"])
        out.append((mirror, table, long))
    return out


def build_corridor_map(corridor: Corridor, nationality: str, points: pd.DataFrame, incidents: pd.DataFrame,
                       land: pdk.Layer, names: Mapping[str, str], lang: str) -> pdk.Deck:
    """The chain, its counted places, and the incidents of the chosen years."""
    chain = corridor.resolved_chain(nationality)
    node_names = {n.node_id: ((n.name_es if lang == "es" else n.name_en) or names.get(n.geo_code, n.geo_code))
                  for n in chain}
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
        return [location if len(location) <= 90 else location[:89] + "…",
                t("corridors.tip_incident", lang, dead=format_number(row["dead_and_missing"], lang), date=date),
                str(row.get("cause") or ""), t("corridors.tip_incident_source", lang)]

    nodes = build_node_records(points, list(counted), node_names, node_tips)
    return build_corridor_deck(land, points, nodes, build_incident_records(incidents, incident_tips))


def render_series_chart(frame: pd.DataFrame, lang: str, key: str, height: int = 320) -> None:
    """One line per series over time (colour = series; hover = exact value, unit and period)."""
    chart_frame = frame.assign(time=pd.to_datetime(frame["time_start"]))
    chart = alt.Chart(chart_frame).mark_line(point=True).encode(
        x=alt.X("time:T", title=t("corridors.col_time", lang)),
        y=alt.Y("value:Q", title=t("corridors.col_value", lang)),
        color=alt.Color("series:N", title=t("corridors.col_series", lang),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=480)),
        tooltip=["series:N", "period:N", alt.Tooltip("value:Q", format=",.0f"), "unit:N", "dataset_id:N"],
    ).properties(height=height)
    legend_px = 30 + 26 * chart_frame["series"].nunique()
    st.altair_chart(chart, width="stretch", height=height + legend_px + 50, key=key)


def render_ratio_chart(ratios: pd.DataFrame, lang: str) -> None:
    frame = ratios.dropna(subset=["ratio"]).assign(time=lambda f: pd.PeriodIndex(f["month"], freq="M").to_timestamp())
    chart = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("time:T", title=t("corridors.col_time", lang)),
        y=alt.Y("ratio:Q", title=t("corridors.col_ratio", lang)),
        color=alt.Color("pair:N", title=""),
        tooltip=["pair:N", "month:N", "downstream_month:N", alt.Tooltip("ratio:Q", format=".2f")],
    ).properties(height=220)
    st.altair_chart(chart, width="stretch", key="corridor_ratio_chart")


def render_caveats(corridor: Corridor, lang: str) -> None:
    """Each segment's caveat, next to its chart."""
    st.markdown(f"**{t('corridors.caveats_heading', lang)}**")
    for s in corridor.segments:
        st.caption(f"**{s.series.label(lang)}** — {s.series.caveat(lang)}")


def render_downloads(frame: pd.DataFrame, about: list[Mapping[str, str]], name: str, lang: str) -> None:
    """CSV and XLSX of every series shown, each row with its source, licence, attribution and retrieval date."""
    st.subheader(t("corridors.downloads_heading", lang))
    table = frame.assign(time_start=frame["time_start"].astype(str))
    render_traced_downloads(table, about, name, lang, strings="corridors", key="corridor")
