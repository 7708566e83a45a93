"""The explorer's chart: bars per category (coloured by the column categories), or lines over time.

A pure builder: a frame of cells in, an Altair chart out (Vega-Lite, bundled with
Streamlit's front end, so nothing is fetched). Same frame, same chart spec.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

CHART_HEIGHT = 420


def build_crosstab_chart(
    frame: pd.DataFrame, value_title: str, category_title: str, series_title: str, time_axis: bool = False
) -> alt.Chart:
    """Bars (or lines when ``time_axis``) of ``frame`` (``category``, ``series``, ``value``, ``order``)."""
    required = {"category", "series", "value", "order"}
    if not required <= set(frame.columns):
        raise ValueError(f"build_crosstab_chart needs columns {sorted(required)}, got {list(frame.columns)}")
    order = list(dict.fromkeys(frame.sort_values("order", kind="mergesort")["category"]))
    has_series = bool(frame["series"].astype(str).str.len().gt(0).any())
    x = alt.X("category:N", sort=order, title=category_title, axis=alt.Axis(labelLimit=220))
    y = alt.Y("value:Q", title=value_title)
    tooltip = [
        alt.Tooltip("category:N", title=category_title),
        alt.Tooltip("value:Q", title=value_title, format=",.6~g"),
    ]
    encoding = {"x": x, "y": y}
    if has_series:
        series_order = list(dict.fromkeys(frame.sort_values("order", kind="mergesort")["series"]))
        encoding["color"] = alt.Color("series:N", sort=series_order, title=series_title)
        tooltip.insert(1, alt.Tooltip("series:N", title=series_title))
        if not time_axis:
            encoding["xOffset"] = alt.XOffset("series:N", sort=series_order)
    base = alt.Chart(frame[["category", "series", "value", "order"]])
    mark = base.mark_line(point=True) if time_axis else base.mark_bar()
    return mark.encode(**encoding, tooltip=tooltip).properties(height=CHART_HEIGHT)
