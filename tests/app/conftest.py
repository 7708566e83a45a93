"""AppTest helpers: run the real entry point and switch to a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


# A hang guard, not a timing check: generous enough for a cold cache (a coverage matrix or a store version
# computed for new data) on a 2-core machine with the rest of the suite and another CPU-bound job beside it.
TIMEOUT = 300


def open_page(page: str | None = None, timeout: float = TIMEOUT, **query: str) -> AppTest:
    """Run the app with ``query`` parameters, on ``page`` (a file in atlas/pages) if given."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if page:
        at.switch_page(f"atlas/pages/{page}")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


@pytest.fixture
def app():
    return open_page
