"""Home: what the atlas is, for whom, and the network countries."""

import streamlit as st

from atlas.core import ui
from atlas.core.i18n import translator
from atlas.core.loaders import country_choices

lang = ui.current_lang()
_ = translator(lang)

ui.render_header(_("home.title"), _("common.app_tagline"))
st.write(_("home.intro"))
st.write(_("home.audience"))
st.subheader(_("home.countries_heading"))
st.write(" · ".join(country_choices(lang).values()))
st.subheader(_("home.principles_heading"))
st.write(_("home.principles"))
ui.render_footer(lang)
