"""Home: a way in — the region's headline figures with their sources and the overview map on the first screen
(at 1440×900; on a phone the map and its legend first, the figures right below), then a card per user."""

import streamlit as st

from atlas.core import ui, viewport
from atlas.core.i18n import translator
from atlas.core.loaders import catalogue, country_choices
from atlas.home import loaders, views

MAP_HEIGHT = 430  # with the figures above it, the whole map is on a 1440×900 screen

lang = ui.current_lang()
_ = translator(lang)

ui.render_header(_("home.title"))
st.markdown(_("home.lead"))
map_width = viewport.map_width()  # the overview map fits the region at the width it has here (a phone's too)
with ui.needs_data(lang):
    figures = loaders.headlines()
    deck, period, legend, values = loaders.overview_deck(lang, map_width)

views.render_headlines(figures, lang)
with st.container(key="home_map_block", gap="small"):
    decimals = catalogue().get(loaders.OVERVIEW_INDICATOR).decimals
    title = _("home.map_heading", period=period or "—")
    message = views.build_overview_message(values, country_choices(lang), lang, decimals)
    st.html(views.build_map_legend_html(legend, title, _("common.no_data"), lang, decimals, message))
    st.pydeck_chart(deck, key="home_map", height=MAP_HEIGHT, alt=_("home.map_alt", period=period or "—"))
    st.caption(_("home.map_caption"))
with st.container(key="home_rest"):
    st.subheader(_("home.entries_heading"))
    views.render_entries(lang)
    st.subheader(_("home.countries_heading"))
    st.write(" · ".join(country_choices(lang).values()))
    with st.expander(_("home.about_heading")):
        st.write(_("home.intro"))
        st.write(_("home.principles"))
    ui.render_footer(lang)
