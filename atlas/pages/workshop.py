"""Workshop: the stories a facilitator can step through, and how to project the atlas."""

import streamlit as st

from atlas import stories as story_model
from atlas import ui, workshop
from atlas.i18n import translator

lang = ui.current_lang()
_ = translator(lang)
problems = workshop.setup_workshop(lang)
ui.render_header(_("workshop.title"), _("workshop.caption"))
ui.render_problems(problems, lang)
workshop.render_workshop_toggle(lang)
workshop.write_workshop_url()
st.subheader(_("workshop.how_heading"))
st.write(_("workshop.how"))
st.subheader(_("workshop.stories_heading"))
for story in story_model.load_stories().values():
    with st.container(border=True, key=f"story_{story.story_id}"):
        st.markdown(f"**{story.title(lang)}** · {_('workshop.story_steps', count=len(story.steps))}")
        for i, step in enumerate(story.steps, start=1):
            st.caption(f"{i}. {step.caption(lang)}")
        if st.button(_("workshop.start"), key=f"start_{story.story_id}", icon=":material/play_arrow:"):
            first = story.steps[0]
            query = story_model.build_step_query(story.story_id, 1, first, lang, True)
            st.switch_page(workshop.PAGE_FILES[first.page], query_params=query)
ui.render_footer(lang)
