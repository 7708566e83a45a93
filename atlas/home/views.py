"""The home page: a way in. A live overview map, the region's headline figures with their sources, and
one entry card per kind of user, each opening a meaningful view."""

from __future__ import annotations

import html
import re

import streamlit as st

from atlas.core.i18n import t
from atlas.home.loaders import Headline
from etl.formatting import format_count, format_number
from layers.legend import LegendEntry, format_range, rgb_hex
from layers.palettes import NO_DATA_LINE

PAGES = {
    "map": "atlas/pages/map.py",
    "flows": "atlas/pages/flows.py",
    "corridors": "atlas/pages/corridors.py",
    "explorer": "atlas/pages/explorer.py",
    "workshop": "atlas/pages/workshop.py",
    "submit": "atlas/pages/submit.py",
    "sources": "atlas/pages/sources.py",
}
# Who comes, and where each kind of user starts: (strings key, page, query of the view it opens, icon).
ENTRIES = (
    ("public", "map", {"indicator": "immigrant_share", "level": "country"}, ":material/public:"),
    ("policy", "corridors", {}, ":material/route:"),
    ("analysts", "explorer", {}, ":material/table_chart:"),
    ("facilitators", "workshop", {}, ":material/co_present:"),
    ("focal_points", "submit", {}, ":material/upload_file:"),
)


# The first screen at 1440×900 holds the title, the figures and the map: compact cards (a smaller value, short
# text, the full source and licence in the value's tooltip); on a phone the cards sit two by two.
HOME_STYLE = """
<style>
.st-key-home_headlines [data-testid="stVerticalBlockBorderWrapper"], .st-key-home_headlines .stVerticalBlock {
  gap: .15rem !important; }
.st-key-home_headlines [data-testid="stMetricValue"], .st-key-home_headlines [data-testid="stMetricValue"] * {
  font-size: 1.6rem !important; line-height: 1.2 !important; }
.st-key-home_headlines [data-testid="stMetric"] label p { font-size: .8rem !important; }
.st-key-home_headlines .hl-label { font-size: .9rem; line-height: 1.3; display: block; }
.st-key-home_headlines [data-testid="stPageLink"] p { font-size: .85rem; }
.st-key-home_headlines [data-testid="stPageLink"] a { padding-top: 0; padding-bottom: 0; }
[class*="st-key-headline_"] { padding: .55rem .7rem !important; }
.home-legend { display: flex; flex-wrap: wrap; align-items: center; gap: .15rem .8rem; margin: 0 !important;
  padding: 0 !important;
  list-style: none; font-size: .85rem; }
.home-legend li { display: flex; align-items: center; gap: .3rem; margin: 0 !important; }
.home-legend .sw { display: inline-block; width: 1.4em; height: .9em; border: 1px solid rgba(0,0,0,.25); }
.home-legend-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .15rem 1.4rem; }
p.home-map-message { margin: .1rem 0 .1rem 0 !important; font-size: .95rem; }
h2.home-legend-title { font-weight: 600; font-size: 1.1rem !important; margin: 0 0 .15rem 0; padding: 0 !important; }
@media (max-width: 640px) {
  /* on a phone the map and its legend come first, the figures right below it */
  .st-key-home_headlines, div:not(.stVerticalBlock):has(> .st-key-home_headlines) { order: 1; }
  .st-key-home_rest, div:not(.stVerticalBlock):has(> .st-key-home_rest) { order: 2; }
  .st-key-home_headlines [data-testid="stHorizontalBlock"] { flex-flow: row wrap !important; gap: .5rem !important; }
  .st-key-home_headlines [data-testid="stColumn"] { flex: 1 1 calc(50% - .5rem) !important;
    min-width: calc(50% - .5rem) !important; width: calc(50% - .5rem) !important; }
  .st-key-home_headlines [data-testid="stMetricValue"], .st-key-home_headlines [data-testid="stMetricValue"] * {
    font-size: 1.3rem !important; }
}
</style>
"""
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*)\)")


def compute_short_source(publisher: str, limit: int = 12) -> str:
    """A publisher's short name for a compact card: the part before the first comma when short
    (``"UNHCR, the UN Refugee Agency"`` -> ``"UNHCR"``), else its acronym in brackets
    (``"United Nations, …, Population Division (UN DESA)"`` -> ``"UN DESA"``), else the name as it is."""
    name = publisher.strip()
    head = name.split(",", 1)[0].strip()
    if len(head) <= limit:
        return head
    found = _ACRONYM.search(name)
    return found.group(1) if found else name


def render_headlines(figures: list[Headline], lang: str) -> None:
    """Four or five figures of the region, each with its year, coverage and (short) source, linked to its map;
    the full source and licence on the value's tooltip."""
    st.html(HOME_STYLE)
    with st.container(key="home_headlines"):
        columns = st.columns(len(figures), gap="small")
        for column, figure in zip(columns, figures):
            with column.container(border=True, key=f"headline_{figure.indicator_id}"):
                render_headline(figure, lang)


def render_headline(figure: Headline, lang: str) -> None:
    if figure.value is None:
        st.markdown(f"**{t('home.no_figure', lang)}**")
        st.caption(figure.label(lang))
        return
    full = t(
        "home.figure_source",
        lang,
        countries=figure.countries,
        sources="; ".join(figure.sources),
        licences=", ".join(figure.licences),
    )
    st.metric(t("home.figure_label", lang, period=figure.period), format_count(figure.value, lang), help=full)
    st.markdown(f'<span class="hl-label">{html.escape(figure.label(lang))}</span>', unsafe_allow_html=True)
    short = " · ".join(dict.fromkeys(compute_short_source(s) for s in figure.sources))
    st.caption(t("home.figure_source_short", lang, countries=figure.countries, sources=short))
    st.page_link(
        PAGES["map"],
        label=t("home.figure_open", lang),
        icon=":material/map:",
        query_params={"lang": lang, **figure.view},
    )


def build_overview_message(values: dict[str, float], names: dict[str, str], lang: str, decimals: int) -> str:
    """What the overview map says, in one sentence: the two network countries with the highest immigrant share
    and the two with the lowest, with their values (``values``: code to share, countries without data left out).
    Empty when fewer than four countries have data (no highest and lowest pairs to tell apart)."""
    if len(values) < 4:
        return ""
    ranked = sorted(values, key=lambda code: (-values[code], code))

    def pair(codes: list[str]) -> str:
        shown = [
            t("home.map_message_value", lang, name=names.get(c, c), value=format_number(values[c], lang, decimals))
            for c in codes
        ]
        return t("home.map_message_pair", lang, first=shown[0], second=shown[1])

    return t("home.map_message", lang, highest=pair(ranked[:2]), lowest=pair(ranked[-2:][::-1]))


def build_map_legend_html(
    entries: list[LegendEntry], title: str, no_data_label: str, lang: str, decimals: int, message: str = ""
) -> str:
    """The overview map's title and legend on one line (two on a narrow screen), then what the map says
    (``message``), above the map: a swatch and range per class, then the outlined no-data swatch (counts are on
    the Map page). Texts are escaped."""
    items = []
    for entry in entries:
        label = no_data_label if entry.no_data else format_range(entry, lang, decimals)
        border = (
            f' style="background:{entry.color};border:1.5px solid {rgb_hex(NO_DATA_LINE)}"'
            if entry.no_data
            else (f' style="background:{entry.color}"')
        )
        items.append(f'<li><span class="sw" aria-hidden="true"{border}></span>{html.escape(label)}</li>')
    return (
        f'<div class="home-legend-wrap"><div class="home-legend-head">'
        f'<h2 class="home-legend-title">{html.escape(title)}</h2>'
        f'<ul class="home-legend" aria-label="{html.escape(t("home.legend", lang))}">{"".join(items)}</ul></div>'
        + (f'<p class="home-map-message">{html.escape(message)}</p>' if message else "")
        + "</div>"
    )


def render_entries(lang: str) -> None:
    """One card per kind of user: who it is for, what they can do, and the view it opens."""
    columns = st.columns(len(ENTRIES))
    for column, (who, page, query, icon) in zip(columns, ENTRIES):
        with column.container(border=True, key=f"entry_{who}"):
            st.markdown(f"**{t(f'home.entry_{who}_title', lang)}**")
            st.caption(t(f"home.entry_{who}_text", lang))
            st.page_link(
                PAGES[page], label=t(f"home.entry_{who}_link", lang), icon=icon, query_params={"lang": lang, **query}
            )
