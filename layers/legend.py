"""The choropleth legend: one entry per class (range, colour, count) and a "No data" swatch.

``build_legend`` is pure data; ``build_legend_html`` turns it into a small HTML block
(labels come from the caller, already in the user's language), which the page renders.
The no-data swatch is a neutral grey with an outline, never a palette colour.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from etl.formatting import format_number
from layers.classify import Classification
from layers.palettes import NO_DATA, NO_DATA_LINE, Palette, compute_class_colors


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a class (``low``..``high``) or the no-data swatch (``low`` is None)."""

    color: str
    count: int
    low: float | None = None
    high: float | None = None
    no_data: bool = False


def rgb_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def build_legend(classification: Classification, palette: Palette, no_data_count: int) -> list[LegendEntry]:
    """Class entries (low to high) followed by the no-data entry (always present, count may be 0)."""
    colors = compute_class_colors(palette, list(classification.uppers), classification.lower)
    entries = [
        LegendEntry(color, count, low, high)
        for color, count, (low, high) in zip(colors, classification.counts, classification.bounds())
    ]
    entries.append(LegendEntry(rgb_hex(NO_DATA), int(no_data_count), no_data=True))
    return entries


def format_range(entry: LegendEntry, lang: str, decimals: int) -> str:
    """``"1.5 – 3.2"``; a one-value class shows that value only."""
    low, high = format_number(entry.low, lang, decimals), format_number(entry.high, lang, decimals)
    return low if low == high else f"{low} – {high}"


def build_legend_html(
    entries: list[LegendEntry],
    lang: str,
    decimals: int,
    title: str,
    no_data_label: str,
    count_label: Callable[[int], str],
) -> str:
    """A compact HTML legend: swatch, range, count; the no-data swatch is outlined and named."""
    rows = []
    outline = rgb_hex(NO_DATA_LINE)
    for e in entries:
        label = no_data_label if e.no_data else format_range(e, lang, decimals)
        border = f"1.5px solid {outline}" if e.no_data else "1px solid rgba(0,0,0,.25)"
        rows.append(
            f'<div class="atlas-legend-row" role="listitem" '
            f'style="display:flex;align-items:center;gap:.5em;margin:.1em 0">'
            f'<span aria-hidden="true" style="display:inline-block;width:1.6em;height:1em;background:{e.color};'
            f'border:{border}"></span>'
            f'<span style="flex:1">{html.escape(label)}</span>'
            f'<span style="color:#4a4a4a;font-size:.85em">{html.escape(count_label(e.count))}</span></div>'
        )
    return (
        f'<div class="atlas-legend" style="font-size:.9em">'
        f'<div style="font-weight:600;margin-bottom:.2em">{html.escape(title)}</div>'
        f'<div role="list" aria-label="{html.escape(title)}">{"".join(rows)}</div></div>'
    )
