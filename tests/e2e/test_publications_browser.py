"""The "Articles and bulletins" page and the map's image downloads in a real browser: open a bulletin from the
list, download its PDF; download the map view as a PNG at twice its nominal size."""

from __future__ import annotations

import re

import pytest

from layers.static_image import png_size
from tests.e2e.helpers import WAIT, wait_idle

pytestmark = pytest.mark.e2e


def test_a_bulletin_opens_from_the_list_and_downloads_as_pdf(page):
    page.goto(f"{page.base_url}/publications?lang=en&country=GTM&type=bulletin&year=2023")
    wait_idle(page)
    page.get_by_role("heading", name="Articles and bulletins").wait_for(timeout=WAIT)
    card = page.locator(".st-key-entry_bulletin-gtm-2023-en")
    card.get_by_text("Migration bulletin 2023: Guatemala").wait_for(timeout=WAIT)
    card.get_by_role("button", name="Open the bulletin").click()
    page.get_by_role("heading", name="Migration bulletin 2023: Guatemala").wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    page.wait_for_url(re.compile(r"kind=bulletin.*area=GTM|area=GTM.*kind=bulletin"), timeout=WAIT)
    page.get_by_role("heading", name="Sources").wait_for(timeout=WAIT)
    assert page.locator('[data-testid="stMetric"]').count() >= 5
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the bulletin (PDF)").click()
    assert download.value.suggested_filename == "bulletin-gtm-2023-en.pdf"
    pdf = download.value.path().read_bytes()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 50_000


def test_the_map_view_downloads_as_a_png_at_twice_its_nominal_size(page):
    page.goto(f"{page.base_url}/map?lang=en&indicator=dead_missing&level=admin1&country=PAN&year=2023")
    wait_idle(page)
    button = page.get_by_role("button", name="Download the map as a PNG image (high resolution)")
    button.wait_for(timeout=WAIT)
    with page.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename == "atlas_dead_missing_admin1_PAN_2023.png"
    png = download.value.path().read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = png_size(png)
    with page.expect_download(timeout=120_000) as svg_download:
        page.get_by_role("button", name="Download the map as an SVG image (for print)").click()
    svg = svg_download.value.path().read_text(encoding="utf-8")
    nominal_pt = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg).group(1))
    nominal_px = nominal_pt / 72 * 100  # matplotlib: inches x 72 pt; nominal: inches x 100 px
    assert width >= 2 * nominal_px - 1 and width >= 1200 and height > 0
