"""Real-browser fixtures: the atlas served by `streamlit run`, Debian's chromium via Playwright.

Any request that leaves the machine fails the test that made it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from atlas.core.server import start_server, stop_server, wait_healthy
from tests.e2e.helpers import WAIT

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def server():
    """The atlas on a free local port; yields its base URL once /_stcore/health answers."""
    proc, base = start_server(log=True)
    try:
        wait_healthy(proc, base, seconds=120)
        yield base
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh page; fails the test if it requests anything outside this machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-ES")
    context.set_default_timeout(WAIT)  # every wait without its own bound (30 s is short on a loaded machine)
    page = context.new_page()
    outside: list[str] = []

    def check(request):
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in LOCAL_HOSTS:
            outside.append(request.url)

    page.on("request", check)
    page.on(
        "requestfailed",
        lambda r: (
            outside.append(f"failed: {r.url}")
            if (urlparse(r.url).hostname or "") not in LOCAL_HOSTS and not r.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    page.base_url = server
    yield page
    context.close()
    assert not outside, f"requests left the machine: {outside}"
