"""The real app driven in this process by Streamlit's AppTest, for the measurements in ``bench/``.

AppTest executes ``streamlit_app.py`` as the server does for one session, so a bench can time
reruns and read what a page sends to the browser without a browser. Bench-only: it lives in
``bench/`` and patches nothing of Streamlit's (AppTest compiles the scripts on each run, which
the server does once per process, so these figures are an upper bound of the server's work;
``../shared/tools/streamlit_load_client.py`` measures a real server).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


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
