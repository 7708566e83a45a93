"""The pages of the atlas, in menu order. One line per page; titles come from strings.

A link to a page the atlas does not have (``/nonexistent?lang=en``) would get Streamlit's own untranslated
"Page not found" dialog over the home page: ``st.navigation`` (Streamlit 1.67) sends it whenever the URL's
page name matches no page's ``url_path``. So the requested name is registered as one more, hidden page that
runs ``atlas/pages/not_found.py``: the visitor lands on a message in their language with the way on. The
name is remembered for the session, so that a rerun (a language switch) stays on that page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from atlas.core.i18n import t

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
NOT_FOUND_FILE = "not_found.py"
NOT_FOUND_PATH = "not_found"  # a real, hidden page too: where AppTest and a plain link reach the message
_UNKNOWN_KEY = "_nav_unknown_pages"  # session state: the unknown page names requested in this session


@dataclass(frozen=True)
class PageSpec:
    file: str  # in atlas/pages/
    url_path: str  # stable: links and tests use it
    title_key: str  # strings key of the menu title
    icon: str
    section: str  # strings key of the menu section


PAGES = [
    PageSpec("home.py", "home", "common.nav_home", ":material/home:", "common.nav_section_start"),
    PageSpec("map.py", "map", "common.nav_map", ":material/map:", "common.nav_section_explore"),
    PageSpec("flows.py", "flows", "flows.nav", ":material/conversion_path:", "common.nav_section_explore"),
    PageSpec("corridors.py", "corridors", "corridors.nav", ":material/route:", "common.nav_section_explore"),
    PageSpec("explorer.py", "explorer", "explorer.nav", ":material/table_chart:", "common.nav_section_explore"),
    PageSpec("workshop.py", "workshop", "workshop.nav", ":material/co_present:", "common.nav_section_explore"),
    PageSpec("submit.py", "submit", "submit.nav", ":material/upload_file:", "submit.nav_section"),
    PageSpec("publications.py", "publications", "publications.nav", ":material/article:", "common.nav_section_about"),
    PageSpec("sources.py", "sources", "sources.nav", ":material/menu_book:", "common.nav_section_about"),
]


def requested_page() -> str:
    """The page name the browser's URL asks for (``"nonexistent"`` for ``/nonexistent?lang=en``; ``""`` at the
    root or when the page was picked in the menu). Read from Streamlit's page manager (the pinned 1.67)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    name = getattr(getattr(ctx, "pages_manager", None), "intended_page_name", None) if ctx else None
    return str(name or "").strip().strip("/")


def current_page_path() -> str:
    """The ``url_path`` of the page being run (``""`` outside a run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return ""
    manager = ctx.pages_manager
    info = manager.get_pages().get(manager.current_page_script_hash) or {}
    return str(info.get("url_pathname") or "")


def compute_unknown_pages(requested: str, seen: Iterable[str] = ()) -> list[str]:
    """The page names to register as hidden not-found pages: those seen before in the session and ``requested``
    when it names no page of the atlas. A name Streamlit cannot register (with a ``/``) is left out."""
    known = {spec.url_path for spec in PAGES} | {NOT_FOUND_PATH}
    names = [*seen, requested]
    return list(dict.fromkeys(n for n in names if n and n not in known and "/" not in n))


def build_pages(lang: str, requested: str | None = None) -> dict[str, list]:
    """``st.navigation`` input: sections of ``st.Page`` with titles in ``lang``, and the hidden not-found pages
    (``requested``: the URL's page name, read from Streamlit when not given)."""
    sections: dict[str, list] = {}
    for i, spec in enumerate(PAGES):
        page = st.Page(
            PAGES_DIR / spec.file, title=t(spec.title_key, lang), icon=spec.icon, url_path=spec.url_path, default=i == 0
        )
        sections.setdefault(t(spec.section, lang), []).append(page)
    requested = requested_page() if requested is None else requested
    unknown = compute_unknown_pages(requested, st.session_state.get(_UNKNOWN_KEY, ()))
    st.session_state[_UNKNOWN_KEY] = unknown
    hidden = [
        st.Page(
            PAGES_DIR / NOT_FOUND_FILE,
            title=t("not_found.menu", lang),
            icon=":material/link_off:",
            url_path=path,
            visibility="hidden",
        )
        for path in [NOT_FOUND_PATH, *unknown]
    ]
    last = next(reversed(sections))
    sections[last].extend(hidden)
    return sections
