"""AppTest helpers: run the real entry point and switch to a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def open_page(page: str | None = None, timeout: float = 60, **query: str) -> AppTest:
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
