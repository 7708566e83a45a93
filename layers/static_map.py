"""Static choropleth and flow maps (geopandas + matplotlib), for downloads, bulletins and fact sheets.

``build_static_map`` draws the units of a view coloured by class (``layers.classify`` and
``layers.palettes``, the same classes and colours as the interactive map), neighbours in a
pale context colour, a legend with every class and the "no data" swatch, and the frame of
texts (title, subtitle, source, data version, URL). ``build_static_flow_map`` draws the
largest origin -> destination flows of a view as curved arrows over the countries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.classify import Classification, assign_classes
from layers.legend import build_legend, format_range, rgb_hex
from layers.palettes import NO_DATA, NO_DATA_LINE, Palette
from layers.static_image import (
    INK,
    MUTED,
    ImageTexts,
    StaticImage,
    draw_frame,
    drawing,
    png_size,
    save_figure_formats,
    validate_format,
)

CONTEXT_FILL = "#eef0f2"
CONTEXT_LINE = "#b8c0c6"
SEA = "#f7fbff"
UNIT_LINE = "#ffffff"
FLOW_COLOR = "#b3541e"
NO_DATA_TEXT = {"es": "Sin datos", "en": "No data"}


def compute_extent(units: gpd.GeoDataFrame, pad: float = 0.06) -> tuple[float, float, float, float]:
    """``(minx, miny, maxx, maxy)`` of ``units`` with a margin of ``pad`` of the larger side."""
    if units.empty:
        raise ValueError("a static map needs at least one unit to frame, got an empty GeoDataFrame")
    minx, miny, maxx, maxy = units.total_bounds
    side = max(maxx - minx, maxy - miny, 0.5)
    return minx - pad * side, miny - pad * side, maxx + pad * side, maxy + pad * side


def _axes(fig, extent: tuple[float, float, float, float], rect: Sequence[float]):
    ax = fig.add_axes(rect)
    minx, miny, maxx, maxy = extent
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)), adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor(CONTEXT_LINE)
    return ax


def compute_unit_colors(
    values: Mapping[str, float], codes: Sequence[str], classification: Classification, palette: Palette
) -> dict[str, str]:
    """``{geo_code: #rrggbb}``: class colour where a value is known, the no-data grey otherwise (never a class)."""
    legend = build_legend(classification, palette, 0)
    colors = [e.color for e in legend if not e.no_data]
    vals = pd.Series([values.get(c, np.nan) for c in codes], index=list(codes), dtype="float64")
    classes = assign_classes(vals, classification)
    out = {}
    for code, value, cls in zip(codes, vals, classes):
        out[code] = rgb_hex(NO_DATA) if (pd.isna(value) or cls < 0) else colors[int(cls)]
    return out


def build_legend_lines(
    classification: Classification,
    palette: Palette,
    values: Mapping[str, float],
    codes: Sequence[str],
    lang: str,
    decimals: int,
) -> list[tuple[str, str, bool]]:
    """``(colour, label, is_no_data)`` per legend row: classes low to high, then "no data" with its count."""
    no_data = sum(1 for c in codes if pd.isna(values.get(c, np.nan)))
    rows = []
    for e in build_legend(classification, palette, no_data):
        label = f"{NO_DATA_TEXT[lang]} ({e.count})" if e.no_data else f"{format_range(e, lang, decimals)} ({e.count})"
        rows.append((e.color, label, e.no_data))
    return rows


def build_static_map(
    units: gpd.GeoDataFrame,
    values: Mapping[str, float],
    classification: Classification,
    palette: Palette,
    texts: ImageTexts,
    lang: str,
    fmt: str = "png",
    decimals: int = 0,
    legend_title: str = "",
    context: gpd.GeoDataFrame | None = None,
    size: tuple[float, float] = (8.0, 6.0),
) -> StaticImage:
    """One format of ``build_static_map_images`` (``png`` at 2x, ``svg`` or ``pdf``)."""
    return build_static_map_images(
        units, values, classification, palette, texts, lang, (fmt,), decimals, legend_title, context, size
    )[validate_format(fmt)]


def build_static_map_images(
    units: gpd.GeoDataFrame,
    values: Mapping[str, float],
    classification: Classification,
    palette: Palette,
    texts: ImageTexts,
    lang: str,
    fmts: tuple[str, ...] = ("png", "svg"),
    decimals: int = 0,
    legend_title: str = "",
    context: gpd.GeoDataFrame | None = None,
    size: tuple[float, float] = (8.0, 6.0),
) -> dict[str, StaticImage]:
    """A choropleth of ``units`` (GeoDataFrame with ``geo_code``) coloured by ``values`` ({geo_code: value}).

    ``context`` (e.g. neighbouring countries) is drawn underneath in a pale colour. Units
    without a value get the no-data grey and are counted in the legend's "no data" row.
    Raises ``ValueError`` for empty ``units`` or a ``units`` frame without ``geo_code``.
    """
    from matplotlib.patches import Patch

    fmts = tuple(validate_format(f) for f in fmts)
    if "geo_code" not in units.columns:
        raise ValueError(f"units need a 'geo_code' column, got columns {list(units.columns)}")
    codes = list(units["geo_code"])
    colors = compute_unit_colors(values, codes, classification, palette)
    rows = build_legend_lines(classification, palette, values, codes, lang, decimals)
    legend_lines = (legend_title, *(label for _, label, _ in rows))
    texts = ImageTexts(texts.title, texts.subtitle, texts.source, texts.data_version, texts.url, legend_lines)
    extent = compute_extent(units)
    with drawing(size) as fig:
        ax = _axes(fig, extent, [0.02, 0.17, 0.70, 0.66])
        if context is not None and not context.empty:
            context.plot(ax=ax, color=CONTEXT_FILL, edgecolor=CONTEXT_LINE, linewidth=0.4)
        fills = [colors[c] for c in codes]
        edge = [rgb_hex(NO_DATA_LINE) if colors[c] == rgb_hex(NO_DATA) else UNIT_LINE for c in codes]
        units.plot(ax=ax, color=fills, edgecolor=edge, linewidth=0.5)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_xlabel("")
        ax.set_ylabel("")
        handles = [
            Patch(
                facecolor=color,
                edgecolor=rgb_hex(NO_DATA_LINE) if nd else "#00000040",
                linewidth=1.2 if nd else 0.5,
                label=label,
            )
            for color, label, nd in rows
        ]
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.74, 0.83),
            frameon=False,
            fontsize=8,
            title=legend_title,
            title_fontsize=8.5,
            alignment="left",
        )
        draw_frame(fig, texts, lang)
        saved = save_figure_formats(fig, fmts)
    return {fmt: _image(data, fmt, texts) for fmt, data in saved.items()}


def _image(data: bytes, fmt: str, texts: ImageTexts) -> StaticImage:
    width, height = png_size(data) if fmt == "png" else (None, None)
    return StaticImage(data, fmt, texts, width, height)


def compute_arc(start: tuple[float, float], end: tuple[float, float], bend: float = 0.2, n: int = 32) -> np.ndarray:
    """Points of a quadratic curve from ``start`` to ``end`` bowed to the left by ``bend`` of its length."""
    (x0, y0), (x1, y1) = start, end
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    cx, cy = mx - dy * bend, my + dx * bend
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2 = np.array([x0, y0]), np.array([cx, cy]), np.array([x1, y1])
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def build_static_flow_map(
    countries: gpd.GeoDataFrame,
    flows: pd.DataFrame,
    points: Mapping[str, tuple[float, float]],
    texts: ImageTexts,
    lang: str,
    fmt: str = "png",
    unit_label: str = "",
    highlight: Sequence[str] = (),
    size: tuple[float, float] = (8.0, 6.0),
) -> StaticImage:
    """One format of ``build_static_flow_map_images``."""
    return build_static_flow_map_images(countries, flows, points, texts, lang, (fmt,), unit_label, highlight, size)[
        validate_format(fmt)
    ]


def build_static_flow_map_images(
    countries: gpd.GeoDataFrame,
    flows: pd.DataFrame,
    points: Mapping[str, tuple[float, float]],
    texts: ImageTexts,
    lang: str,
    fmts: tuple[str, ...] = ("png", "svg"),
    unit_label: str = "",
    highlight: Sequence[str] = (),
    size: tuple[float, float] = (8.0, 6.0),
) -> dict[str, StaticImage]:
    """The flows in ``flows`` (``origin, destination, value``; already the top N) as arrows scaled by value.

    ``points``: ``{geo_code: (lon, lat)}`` label points. Flows whose ends have no point or
    whose value is missing are not drawn (the caller says so in the subtitle); the legend
    gives the largest and smallest drawn values. Raises ``ValueError`` when nothing can be drawn.
    """
    from matplotlib.lines import Line2D

    from etl.formatting import format_number

    fmts = tuple(validate_format(f) for f in fmts)
    drawable = flows[
        flows["origin"].isin(points)
        & flows["destination"].isin(points)
        & flows["value"].notna()
        & flows["origin"].ne(flows["destination"])
    ]
    if drawable.empty:
        raise ValueError("no drawable flow: every flow lacks a value or a label point at one end")
    ends = sorted(set(drawable["origin"]) | set(drawable["destination"]))
    xs = [points[c][0] for c in ends]
    ys = [points[c][1] for c in ends]
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, ys), crs=countries.crs)
    extent = compute_extent(frame, pad=0.12)
    vmax = float(drawable["value"].max())
    vmin = float(drawable["value"].min())

    def width(v: float) -> float:  # line width grows with the square root of the value (area-like)
        return 0.8 + 5.2 * math.sqrt(v / vmax)

    legend_lines = (unit_label, format_number(vmax, lang, 0), format_number(vmin, lang, 0))
    texts = ImageTexts(texts.title, texts.subtitle, texts.source, texts.data_version, texts.url, legend_lines)
    with drawing(size) as fig:
        ax = _axes(fig, extent, [0.02, 0.17, 0.70, 0.66])
        lit = countries["geo_code"].isin(set(highlight))
        countries[~lit].plot(ax=ax, color=CONTEXT_FILL, edgecolor=CONTEXT_LINE, linewidth=0.4)
        if lit.any():
            countries[lit].plot(ax=ax, color="#dde7ee", edgecolor=MUTED, linewidth=0.6)
        for row in drawable.sort_values("value").itertuples():
            path = compute_arc(points[row.origin], points[row.destination])
            ax.plot(
                path[:-3, 0],
                path[:-3, 1],
                color=FLOW_COLOR,
                alpha=0.75,
                linewidth=width(row.value),
                solid_capstyle="round",
            )
            ax.annotate(
                "",
                xy=path[-1],
                xytext=path[-4],
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": FLOW_COLOR,
                    "lw": 0.8,
                    "mutation_scale": 6 + width(row.value) * 2,
                },
            )
        for code in ends:
            ax.plot(*points[code], "o", color=INK, markersize=2.5)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_xlabel("")
        ax.set_ylabel("")
        handles = [
            Line2D([], [], color=FLOW_COLOR, linewidth=width(vmax), label=legend_lines[1]),
            Line2D([], [], color=FLOW_COLOR, linewidth=width(vmin), label=legend_lines[2]),
        ]
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.74, 0.83),
            frameon=False,
            fontsize=8,
            title=unit_label,
            title_fontsize=8.5,
            alignment="left",
        )
        draw_frame(fig, texts, lang)
        saved = save_figure_formats(fig, fmts)
    return {fmt: _image(data, fmt, texts) for fmt, data in saved.items()}
