"""Atlas PVIGM: the entry point. Navigation over the pages in atlas/pages, nothing else."""

from pathlib import Path

import streamlit as st

from atlas.navigation import build_pages
from atlas.ui import setup_language

st.set_page_config(page_title="Atlas PVIGM", page_icon=str(Path(__file__).parent / "atlas" / "static" / "favicon.png"), layout="wide")
lang = setup_language()
st.navigation(build_pages(lang)).run()
