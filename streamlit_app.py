"""Atlas PVIGM: the entry point. Navigation over the pages in atlas/pages, nothing else."""

import time
from pathlib import Path

_STARTED = time.perf_counter()

import streamlit as st  # noqa: E402

from atlas.core.freshness import refresh_if_data_changed  # noqa: E402
from atlas.core.navigation import build_pages  # noqa: E402
from atlas.core.timing import timed_run  # noqa: E402
from atlas.core.ui import render_page_style, render_registry_notice, setup_language  # noqa: E402
from atlas.core.warmup import run_once as warm_up  # noqa: E402

st.set_page_config(
    page_title="Atlas PVIGM", page_icon=str(Path(__file__).parent / "atlas" / "static" / "favicon.png"), layout="wide"
)
refresh_if_data_changed()
lang = setup_language()
render_page_style(lang)
render_registry_notice(lang)
page = st.navigation(build_pages(lang))
try:
    with timed_run(page, _STARTED):
        page.run()
finally:
    warm_up()  # after the first page is out, so that page is not slowed down
