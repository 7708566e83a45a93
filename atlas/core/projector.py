"""Workshop (projector) mode, chrome shared by the flow and corridor pages: projector theme, story
steps, "add this view".

``?workshop=1`` switches on a projector theme (large type, high contrast) injected as CSS
into the atlas only. ``?story=<id>&story_step=<n>`` shows a story bar with the step's
caption and previous / next buttons, which open the step's view (page and parameters)
with the step number in the URL. A facilitator can add the view on screen to their own
story (kept in the session and downloadable as YAML in the format of ``stories.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from atlas.core import stories as story_model
from atlas.core import urlstate
from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import t

PAGE_FILES = {"flows": "atlas/pages/flows.py", "corridors": "atlas/pages/corridors.py"}
MY_STEPS = "_workshop_my_steps"
PROJECTOR_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
[data-testid="stAppViewContainer"], [data-testid="stHeader"] { background: #ffffff; color: #000000; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"], label, li { font-size: 1.1rem !important;
  color: #000000 !important; }
h1 { font-size: 2.1rem !important; color: #000000 !important; }
h2, h3 { font-size: 1.9rem !important; color: #000000 !important; }
[data-testid="stCaptionContainer"] { color: #111111 !important; }
button p { font-size: 1.2rem !important; font-weight: 700; }
[data-testid="stSidebar"] { background: #f2f2f2; }
.deck-tooltip { font-size: 20px !important; }
</style>
"""


def build_workshop_specs(stories: Sequence[str]) -> list[urlstate.Param]:
    """Workshop mode and story steps, shared by every page that can be projected."""
    return [
        urlstate.flag("workshop", False),
        urlstate.choice("story", ["", *stories], ""),
        urlstate.integer("story_step", 1, 99, 1),
    ]


def workshop_specs() -> list[urlstate.Param]:
    return build_workshop_specs(list(story_model.load_stories()) + [story_model.MY_STORY])


def setup_workshop(lang: str) -> list[urlstate.Problem]:
    """Read the workshop parameters from the URL, inject the projector theme when on; the problems found."""
    specs = workshop_specs()
    problems = urlstate.sync_from_url(specs, "workshop")
    if st.session_state.get("workshop"):
        st.html(PROJECTOR_CSS)
    return problems


def render_workshop_toggle(lang: str) -> None:
    """The sidebar switch for the projector theme (kept in the URL as ``workshop``)."""
    st.sidebar.toggle(t("workshop.toggle", lang), key="workshop", help=t("workshop.toggle_help", lang))


def write_workshop_url() -> None:
    urlstate.write_to_url(workshop_specs(), "workshop")


def story_steps(story_id: str) -> tuple[story_model.Step, ...]:
    """The steps of a shipped story, or of the facilitator's own (``mine``)."""
    if story_id == story_model.MY_STORY:
        return tuple(st.session_state.get(MY_STEPS, ()))
    story = story_model.load_stories().get(story_id)
    return story.steps if story else ()


def _go(story_id: str, number: int, lang: str) -> None:
    steps = story_steps(story_id)
    number = story_model.compute_step_index(number, len(steps))
    step = steps[number - 1]
    query = story_model.build_step_query(story_id, number, step, lang, bool(st.session_state.get("workshop")))
    urlstate.forget_written()
    st.switch_page(PAGE_FILES[step.page], query_params=query)


def render_story_bar(lang: str, page: str) -> None:
    """Caption of the current step and previous / next buttons, when a story is open."""
    story_id = st.session_state.get("story") or ""
    if not story_id:
        return
    steps = story_steps(story_id)
    if not steps:
        st.info(t("workshop.story_empty", lang))
        return
    number = story_model.compute_step_index(st.session_state.get("story_step", 1), len(steps))
    title = (
        story_model.load_stories()[story_id].title(lang)
        if story_id != story_model.MY_STORY
        else t("workshop.my_story", lang)
    )
    with st.container(border=True, key="story_bar"):
        text, prev_col, next_col = st.columns([5, 1.7, 1.7], vertical_alignment="center")
        caption = steps[number - 1].caption(lang)
        text.markdown(
            f"**{title}** · {t('workshop.step_of', lang, n=number, count=len(steps))}"
            + (f"  \n{caption}" if caption else "")
        )
        if prev_col.button(
            t("workshop.previous", lang),
            key="story_prev",
            disabled=number <= 1,
            icon=":material/arrow_back:",
            width="stretch",
        ):
            _go(story_id, number - 1, lang)
        if next_col.button(
            t("workshop.next", lang),
            key="story_next",
            disabled=number >= len(steps),
            icon=":material/arrow_forward:",
            width="stretch",
        ):
            _go(story_id, number + 1, lang)


def projecting() -> bool:
    """Whether the projector theme is on (``?workshop=1``)."""
    return bool(st.session_state.get("workshop"))


def render_add_view(lang: str, page: str, query: dict[str, str]) -> None:
    """The facilitator's "add this view to my story" button and the steps added so far."""
    with st.sidebar.expander(t("workshop.my_story", lang)):
        if st.button(t("workshop.add_view", lang), key="story_add", icon=":material/add:"):
            mine = list(st.session_state.get(MY_STEPS, ()))
            mine.append(story_model.build_current_step(page, query))
            st.session_state[MY_STEPS] = tuple(mine)
        mine = st.session_state.get(MY_STEPS, ())
        st.caption(t("workshop.my_story_count", lang, count=len(mine)))
        for i, step in enumerate(mine, start=1):
            st.markdown(f"{i}. `{step.url}`")
        if mine:
            if st.button(t("workshop.start_mine", lang), key="story_start_mine", icon=":material/slideshow:"):
                _go(story_model.MY_STORY, 1, lang)
            story = story_model.dump_story_yaml(story_model.MY_STORY, t("workshop.my_story", lang), mine)
            render_downloads(
                [Download(t("workshop.download_story", lang), story.encode("utf-8"), "story.yaml")], "story_download"
            )
