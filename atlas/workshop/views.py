"""The workshop page: the stories a facilitator can step through (the projector chrome is ``atlas.core.projector``)."""

from __future__ import annotations

import streamlit as st

from atlas.core import stories as story_model
from atlas.core import urlstate
from atlas.core.i18n import t
from atlas.core.projector import PAGE_FILES


def render_stories(lang: str) -> None:
    """One card per story: its title, steps and a button that opens its first step in projector mode."""
    for story in story_model.load_stories().values():
        with st.container(border=True, key=f"story_{story.story_id}"):
            st.markdown(f"**{story.title(lang)}** · {t('workshop.story_steps', lang, count=len(story.steps))}")
            for i, step in enumerate(story.steps, start=1):
                st.caption(f"{i}. {step.caption(lang)}")
            if st.button(t("workshop.start", lang), key=f"start_{story.story_id}", icon=":material/play_arrow:"):
                first = story.steps[0]
                query = story_model.build_step_query(story.story_id, 1, first, lang, True)
                urlstate.forget_written()
                st.switch_page(PAGE_FILES[first.page], query_params=query)
