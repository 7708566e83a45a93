"""Home: a way in — the overview map, the region's headline figures with their sources, a card per user."""

import streamlit as st

from atlas.core import ui
from atlas.core.i18n import translator
from atlas.core.loaders import country_choices
from atlas.home import loaders, views
from geodata import DataNotBuiltError

lang = ui.current_lang()
_ = translator(lang)

ui.render_header(_("home.title"))
st.markdown(_("home.lead"))
try:
    figures = loaders.headlines()
    deck, period = loaders.overview_deck(lang)
except DataNotBuiltError as err:
    ui.render_missing_data(err, lang)

views.render_headlines(figures, lang)
st.subheader(_("home.map_heading", period=period or "—"))
st.pydeck_chart(deck, key="home_map", height=460, alt=_("home.map_alt", period=period or "—"))
st.caption(_("home.map_caption"))
st.subheader(_("home.entries_heading"))
views.render_entries(lang)
st.subheader(_("home.countries_heading"))
st.write(" · ".join(country_choices(lang).values()))
with st.expander(_("home.about_heading")):
    st.write(_("home.intro"))
    st.write(_("home.principles"))
ui.render_footer(lang)
