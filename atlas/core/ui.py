"""Rendering helpers shared by every page: language, notices, headers, footers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import streamlit as st

from atlas.core import urlstate
from atlas.core.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, t
from etl.formatting import format_columns, vega_locale
from etl.textsafe import escape_markdown
from geodata import DataNotBuiltError

LANG_PARAM = urlstate.choice("lang", LANGS, DEFAULT_LANG, label=LANG_NAMES.get)


def setup_language() -> str:
    """The language switch (Español / English), kept in the URL as ``?lang=``."""
    problems = urlstate.sync_from_url([LANG_PARAM], "app")
    st.sidebar.segmented_control(
        "Idioma · Language",
        list(LANGS),
        format_func=LANG_NAMES.get,
        key="lang",
        required=True,
    )
    urlstate.write_to_url([LANG_PARAM], "app")
    lang = current_lang()
    render_problems(problems, lang)
    return lang


def current_lang() -> str:
    """The language chosen for this session (Spanish until told otherwise)."""
    lang = st.session_state.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def render_problems(problems: Sequence[urlstate.Problem], lang: str) -> None:
    """A visible notice for every URL parameter that was ignored."""
    for problem in problems:
        st.warning(problem.message(lang), icon=":material/link_off:")


PAGE_STYLE = """
<style>
/* map-first: less space above the content, a compact title, so the map is on the first screen */
.block-container { padding-top: 1.6rem !important; padding-bottom: 2rem !important; padding-left: 2rem !important;
  padding-right: 2rem !important; max-width: 100% !important; }
h1 { font-size: 1.9rem !important; padding-top: 0 !important; padding-bottom: 0.2rem !important; }
[data-testid="stSidebar"] [data-testid="stWidgetLabel"] p { white-space: normal; }
/* WCAG 2.1 AA contrast (4.5:1) for small text: Streamlit's grey captions are lighter than that */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #4b4e59 !important; opacity: 1 !important; }
@media (max-width: 640px) { .block-container { padding-left: 0.8rem !important; padding-right: 0.8rem !important;
  padding-top: 3.6rem !important; }
  h1 { font-size: 1.5rem !important; } }
/* a workshop story's bar on a phone: its text, then previous and next side by side (the map stays near the top) */
@media (max-width: 640px) {
  .st-key-story_bar [data-testid="stHorizontalBlock"] { flex-flow: row wrap !important; gap: .5rem !important; }
  .st-key-story_bar [data-testid="stColumn"] { flex: 1 1 calc(50% - .5rem) !important;
    min-width: calc(50% - .5rem) !important; width: calc(50% - .5rem) !important; }
  .st-key-story_bar [data-testid="stColumn"]:first-child { flex-basis: 100% !important; min-width: 100% !important; }
  .st-key-story_bar button p { font-size: 1rem !important; }
}
</style>
"""


def render_registry_notice(lang: str) -> None:
    """Say, on every page, that published submissions may be out of date when the registry cannot be read."""
    from atlas.core.freshness import registry_notice

    notice = registry_notice()
    if notice is not None:
        st.warning(
            f"{escape_markdown(notice.message(lang))} {escape_markdown(notice.fix(lang))}",
            icon=":material/database_off:",
        )


def scroll_into_view(key: str) -> None:
    """Bring the top of the container ``key`` into view when it is not (on a phone the profile opens below the
    map; on a desktop scrolled down to the map, the panel's heading may be above the screen). Its top, not the
    whole container: a panel taller than the screen would otherwise be aligned by its bottom, heading out of
    sight. A top already on the upper part of the screen is left where it is, so the page does not jump. When
    done, the container carries ``data-atlas-in-view="true"`` (the signal the browser tests wait on)."""
    st.html(
        f"<script>setTimeout(() => {{ const el = document.querySelector('.st-key-{key}'); if (!el) return;"
        " const top = el.getBoundingClientRect().top;"
        " if (top < 64 || top > window.innerHeight * 0.6) {"
        " el.style.scrollMarginTop = '4.5rem'; el.scrollIntoView({behavior: 'instant', block: 'start'}); }"
        " el.dataset.atlasInView = 'true'; }, 300);</script>",
        unsafe_allow_javascript=True,
    )


def render_page_style(lang: str) -> None:
    """The atlas's own page style (compact header; readable sidebar labels; caption contrast), the same on every
    page, and the page's language for screen readers (``<html lang>``, which Streamlit leaves at ``en``)."""
    st.html(PAGE_STYLE)
    st.html(f"<script>document.documentElement.lang = {lang!r};</script>", unsafe_allow_javascript=True)


def render_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def render_altair(chart, lang: str, alt_text: str, **options) -> None:
    """An Altair chart with the language's number marks and month names (``etl.formatting.vega_locale``) and a
    text alternative for screen readers; ``options`` go to ``st.altair_chart`` (key, width, height)."""
    st.altair_chart(chart.configure(locale=vega_locale(lang)), alt=alt_text, **options)


def build_chart_spec(chart, data, lang: str) -> dict:
    """An Altair chart as the Vega-Lite spec ``render_altair`` would send, built once so that a cached view can
    skip Altair's conversion and schema validation on every rerun (tens of ms for a faceted chart): the
    language's number marks, no Altair default theme (Streamlit draws charts without it), and ``data`` (the
    chart's frame) under the spec's dataset name, which Streamlit sends as Arrow as it does for Altair charts."""
    spec = chart.configure(locale=vega_locale(lang)).to_dict()
    view = spec.get("config", {}).get("view", {})
    for default in ("continuousWidth", "continuousHeight"):  # Altair's default theme, not the chart's own
        view.pop(default, None)
    if not view:
        spec.get("config", {}).pop("view", None)
    spec["datasets"] = {spec["data"]["name"]: data}
    return spec


def render_chart_spec(spec: dict, alt_text: str, **options) -> None:
    """A chart already converted by ``build_chart_spec`` (a fresh copy: Streamlit moves its data out of the
    spec), with a text alternative for screen readers; ``options`` go to ``st.vega_lite_chart``."""
    st.vega_lite_chart(spec=spec, alt=alt_text, **options)


def render_table(frame, lang: str, key: str, numbers: dict[str, int] | None = None, **options) -> None:
    """A table for people: numbers in the language's marks (right-aligned), ``—`` for what is missing, never
    ``None``; ``numbers`` maps column -> decimals. Column names are the caller's, already in ``lang``."""
    numbers = numbers or {}
    shown = format_columns(frame, lang, numbers)
    config = {c: st.column_config.TextColumn(alignment="right") for c in numbers if c in shown.columns}
    st.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config, **options)


def render_api_link(url: str, lang: str) -> None:
    """ "Get this through the API": the exact URL of the view's numbers on the atlas's own API service."""
    render_api_links([("", url)], lang)


def render_api_links(items: Sequence[tuple[str, str]], lang: str) -> None:
    """Several API URLs, each under its label (e.g. one per corridor segment), in one expander."""
    with st.expander(t("common.api_heading", lang), icon=":material/api:"):
        st.caption(t("common.api_help", lang))
        for label, url in items:
            if label:
                st.markdown(f"**{escape_markdown(label)}**")
            st.code(url, language=None, wrap_lines=True)


def render_footer(lang: str) -> None:
    st.divider()
    st.caption(t("common.footer", lang))


def render_missing_data(err: Exception, lang: str) -> None:
    """Say plainly that built data are missing and how to build them, then stop the page."""
    st.error(t("common.data_missing", lang, detail=str(err)), icon=":material/database_off:")
    st.stop()


@contextlib.contextmanager
def needs_data(lang: str) -> Iterator[None]:
    """Run the block; when built data are missing, say so (``render_missing_data``) and stop the page.

    Pages wrap their first loader calls in it, so no page imports the data layer's error type.
    """
    try:
        yield
    except DataNotBuiltError as err:
        render_missing_data(err, lang)
