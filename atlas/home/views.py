"""The home page: a way in. A live overview map, the region's headline figures with their sources, and
one entry card per kind of user, each opening a meaningful view."""

from __future__ import annotations

import streamlit as st

from atlas.core.i18n import t
from atlas.home.loaders import Headline
from etl.formatting import format_count

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


def render_headlines(figures: list[Headline], lang: str) -> None:
    """Four or five figures of the region, each with its year, coverage and source, linked to its map."""
    columns = st.columns(len(figures))
    for column, figure in zip(columns, figures):
        with column.container(border=True, key=f"headline_{figure.indicator_id}"):
            if figure.value is None:
                st.markdown(f"**{t('home.no_figure', lang)}**")
                st.caption(figure.label(lang))
                continue
            st.metric(t("home.figure_label", lang, period=figure.period), format_count(figure.value, lang))
            st.markdown(figure.label(lang))
            sources = "; ".join(figure.sources)
            st.caption(
                t(
                    "home.figure_source",
                    lang,
                    countries=figure.countries,
                    sources=sources,
                    licences=", ".join(figure.licences),
                )
            )
            st.page_link(
                PAGES["map"],
                label=t("home.figure_open", lang),
                icon=":material/map:",
                query_params={"lang": lang, **figure.view},
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
