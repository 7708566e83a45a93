"""A standalone HTML map of a view, built with folium (pure; no Streamlit).

The file is a Leaflet map that anyone can open in a browser and share: the same units,
classes and colours as the view on screen, a tooltip per unit (name, value, unit, year,
status), the legend, and the sources with their licences, attributions, retrieval dates
and revisions. folium's HTML loads Leaflet from a CDN, so the file is meant to be opened
online; the file says so itself, and the page that offers it too. It is never embedded in
the app (a folium map inside the app stays blank offline).

``build_html_map`` returns the same bytes for the same inputs: folium names every element
with a random id, which is replaced by a counter in order of appearance.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from etl.formatting import format_number
from layers.base import SEA, geojson_geometry
from layers.legend import rgb_hex
from layers.palettes import NO_DATA, NO_DATA_LINE

HTML_COLUMNS = ("geo_code", "name", "value", "unit_label", "period", "obs_status", "geometry")
TOOLTIP_FIELDS = ("name", "value", "unit", "period", "status")
UNIT_LINE = "#ffffff"
FILL_OPACITY = 0.92
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _text(value: object) -> str:
    """``value`` escaped for HTML text (quotes kept as they are, so "IOM's" reads and searches as written)."""
    return html.escape(str(value), quote=False)


@dataclass(frozen=True)
class HtmlText:
    """Every word the HTML map shows, already in the reader's language.

    ``nearest`` and ``partial`` are templates with ``{period}``/``{requested}`` and
    ``{months}``; ``statuses`` names the observation statuses (``A`` included).
    """

    lang: str
    title: str
    name: str
    value: str
    unit: str
    period: str
    status: str
    no_data: str
    sources_heading: str
    online_note: str
    licence: str
    attribution: str
    retrieved: str
    revision: str
    nearest: str
    partial: str
    statuses: Mapping[str, str]


@dataclass(frozen=True)
class SourceNote:
    """One dataset behind the numbers: what it is, whose it is, under which licence, from when."""

    title: str
    publisher: str
    licence: str
    licence_url: str
    attribution: str
    retrieved: str
    revision: str


def validate_html_frame(frame: pd.DataFrame) -> list[str]:
    """The columns ``build_html_map`` needs that ``frame`` lacks (an empty list when complete)."""
    return [c for c in HTML_COLUMNS if c not in frame.columns]


def compute_status_text(row: Mapping[str, object], text: HtmlText) -> str:
    """The status of one value in words, with the nearest-year and partial-period marks."""
    parts = [text.statuses.get(str(row.get("obs_status")), str(row.get("obs_status")))]
    if bool(row.get("nearest_year")) and pd.notna(row.get("requested_period")):
        parts.append(text.nearest.format(period=row["period"], requested=row["requested_period"]))
    months = row.get("months_covered")
    if months is not None and pd.notna(months) and float(months) < 12:
        parts.append(text.partial.format(months=int(months)))
    return " · ".join(parts)


def build_html_features(
    frame: gpd.GeoDataFrame, fills: Mapping[str, str], text: HtmlText, decimals: int, coord_decimals: int = 4
) -> dict:
    """A FeatureCollection: one feature per unit with escaped tooltip fields and its Leaflet style.

    A unit with a value takes its class colour from ``fills`` (``#rrggbb``); a unit without
    one is the outlined no-data grey and says "No data", never a number.
    """
    features = []
    for row in frame.sort_values("geo_code").to_dict("records"):
        geometry = geojson_geometry(row["geometry"], coord_decimals)
        if geometry is None:
            continue
        has_value = pd.notna(row["value"])
        fill = fills.get(row["geo_code"]) if has_value else None
        style = {
            "fillColor": fill or rgb_hex(NO_DATA),
            "color": UNIT_LINE if fill else rgb_hex(NO_DATA_LINE),
            "weight": 0.7 if fill else 1.2,
            "fillOpacity": FILL_OPACITY,
        }
        props = {
            "geo_code": row["geo_code"],
            "name": row["name"],
            "value": format_number(row["value"], text.lang, decimals) if has_value else text.no_data,
            "unit": row["unit_label"] if has_value else "—",
            "period": row["period"] if has_value else "—",
            "status": compute_status_text(row, text) if has_value else "—",
        }
        props = {k: _text(v) for k, v in props.items()}
        features.append({"type": "Feature", "geometry": geometry, "properties": {**props, "style": style}})
    return {"type": "FeatureCollection", "features": features}


def build_sources_html(sources: Sequence[SourceNote], text: HtmlText) -> str:
    """The sources panel: title, publisher, licence (linked), attribution, retrieval date, revision."""
    items = []
    for s in sources:
        licence = _text(s.licence)
        if s.licence_url:
            licence = f'<a href="{html.escape(s.licence_url)}">{licence}</a>'
        items.append(
            f"<li><b>{_text(s.title)}</b> — {_text(s.publisher)}. {_text(text.licence)}: "
            f"{licence}. {_text(text.attribution)}: {_text(s.attribution)}. "
            f"{_text(text.retrieved)}: {_text(s.retrieved)}; {_text(text.revision)}: "
            f"{_text(s.revision)}.</li>"
        )
    return (
        f'<div class="atlas-sources"><div style="font-weight:600">{_text(text.sources_heading)}</div>'
        f'<ul style="margin:.2em 0 0 1em;padding:0">{"".join(items)}</ul></div>'
    )


def build_page_html(text: HtmlText, legend_html: str, sources: Sequence[SourceNote]) -> str:
    """The panels over the map: title and online note (top), legend (right), sources (bottom)."""
    box = (
        "position:fixed;z-index:1000;background:rgba(255,255,255,.94);padding:.5em .7em;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.35 system-ui,sans-serif"
    )
    return (
        f'<div class="atlas-title" style="{box};top:10px;left:60px;max-width:60%">'
        f'<div style="font-weight:600;font-size:15px">{_text(text.title)}</div>'
        f'<div class="atlas-online-note" style="color:#555">{_text(text.online_note)}</div></div>'
        f'<div style="{box};top:10px;right:10px;max-width:300px">{legend_html}</div>'
        f'<div style="{box};bottom:26px;left:10px;right:10px;max-height:28%;overflow:auto">'
        f"{build_sources_html(sources, text)}</div>"
    )


def build_html_map(
    frame: gpd.GeoDataFrame,
    fills: Mapping[str, str],
    text: HtmlText,
    legend_html: str,
    sources: Sequence[SourceNote],
    decimals: int,
    bounds: Sequence[float] | None = None,
) -> bytes:
    """The standalone HTML map of a view (UTF-8 bytes).

    ``frame`` is the view's export frame (``layers.exports.build_export_frame``: every unit,
    with or without a value, and its geometry); ``fills`` the class colour of each unit with
    a value, as drawn on screen; ``legend_html`` the legend as the page shows it;
    ``bounds`` (minx, miny, maxx, maxy) the area to fit, else the frame's own.
    """
    missing = validate_html_frame(frame)
    if missing:
        raise ValueError(
            f"an HTML map needs the columns {list(HTML_COLUMNS)}; missing {missing}, got {list(frame.columns)}"
        )
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise TypeError(f"an HTML map needs a GeoDataFrame with a CRS, got {type(frame).__name__}")
    import branca.element
    import folium

    frame = frame.to_crs(4326)
    data = build_html_features(frame, fills, text, decimals)
    if not data["features"]:
        raise ValueError("an HTML map needs at least one unit with geometry")
    figure = branca.element.Figure(title=_text(text.title))
    fmap = folium.Map(location=None, tiles=None, zoom_start=4, zoom_snap=0.25).add_to(figure)
    fmap.default_js = [(name, url) for name, url in fmap.default_js if name == "leaflet"]
    fmap.default_css = [(name, url) for name, url in fmap.default_css if name == "leaflet_css"]
    attribution = "; ".join(dict.fromkeys(s.attribution for s in sources if s.attribution))
    tooltip = folium.GeoJsonTooltip(
        fields=list(TOOLTIP_FIELDS),
        sticky=True,
        aliases=[_text(a) for a in (text.name, text.value, text.unit, text.period, text.status)],
    )
    folium.GeoJson(data, name="units", tooltip=tooltip, attribution=_text(attribution)).add_to(fmap)
    minx, miny, maxx, maxy = bounds if bounds is not None else frame.total_bounds
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    figure.header.add_child(
        branca.element.Element(f"<style>html body .leaflet-container{{background:{rgb_hex(tuple(SEA))}}}</style>"),
        name="atlas_style",
    )
    figure.html.add_child(branca.element.Element(build_page_html(text, legend_html, sources)), name="atlas_panels")
    return renumber_ids(figure.render()).encode("utf-8")


def renumber_ids(page: str) -> str:
    """folium's random element ids replaced by a counter in order of first appearance (same input, same bytes)."""
    seen: dict[str, str] = {}

    def swap(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"{len(seen) + 1:032d}")

    return _FOLIUM_ID.sub(swap, page)


def parse_html_features(page: bytes) -> dict:
    """The FeatureCollection embedded in an HTML map (to read one back in tests and checks)."""
    text = page.decode("utf-8")
    match = re.search(r"_add\((?=\{)", text)
    if match is None:
        raise ValueError("no embedded GeoJSON found: is this an HTML map built by build_html_map?")
    data, _ = json.JSONDecoder().raw_decode(text, match.end())
    return data
