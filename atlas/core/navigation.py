"""The pages of the atlas, in menu order. One line per page; titles come from strings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from atlas.core.i18n import t

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"


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


def build_pages(lang: str) -> dict[str, list]:
    """``st.navigation`` input: sections of ``st.Page`` with titles in ``lang``."""
    sections: dict[str, list] = {}
    for i, spec in enumerate(PAGES):
        page = st.Page(
            PAGES_DIR / spec.file, title=t(spec.title_key, lang), icon=spec.icon, url_path=spec.url_path, default=i == 0
        )
        sections.setdefault(t(spec.section, lang), []).append(page)
    return sections
