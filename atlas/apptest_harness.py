"""The real app driven in this process by Streamlit's AppTest, for the measurements in ``bench/``.

AppTest executes ``streamlit_app.py`` exactly as the server does for one session, so a bench
can time reruns and read what a page sends to the browser without a browser. Only
``streamlit_app.py`` and ``atlas/`` import Streamlit: the bench scripts go through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def share_script_cache() -> None:
    """AppTest compiles the scripts again on every run; the server compiles them once per process.

    One shared bytecode cache makes AppTest behave like the server here, so the figures are
    the server's work rather than AppTest's recompilation.
    """
    shared = ScriptCache()
    app_test_module.ScriptCache = lambda: shared


def open_page(page: str, query: Mapping[str, str], timeout: float) -> AppTest:
    """The app on ``page`` (e.g. ``atlas/pages/map.py``) with ``query`` as its URL parameters, not yet run."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def deck_json(at: AppTest) -> str:
    """The deck.gl JSON of the page's first map, as ``st.pydeck_chart`` sends it to the browser."""
    return at.get("deck_gl_json_chart")[0].proto.json
