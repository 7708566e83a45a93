"""Workshop: the stories a facilitator can step through, and how to project the atlas."""

import streamlit as st

from atlas.core import projector, ui
from atlas.core.i18n import translator
from atlas.workshop import views

lang = ui.current_lang()
_ = translator(lang)
problems = projector.setup_workshop(lang)
ui.render_header(_("workshop.title"), _("workshop.caption"))
ui.render_problems(problems, lang)
projector.render_workshop_toggle(lang)
projector.write_workshop_url()
st.subheader(_("workshop.how_heading"))
st.write(_("workshop.how"))
st.subheader(_("workshop.stories_heading"))
views.render_stories(lang)
ui.render_footer(lang)
