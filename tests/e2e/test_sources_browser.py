"""The Data and sources page in a real browser: the coverage matrix (issue 12) at country level and admin-1,
its legend and links, and the datasets table readable on a phone without scrolling sideways. Offline.

Every wait is on the page's own signals: the matrix table drawn (it appears once the coverage of every
indicator is computed, once per data version: up to a minute on a busy machine), the run finished, the URL of
the page a cell opens.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.helpers import WAIT, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

COLD = 240_000  # the first run on a fresh server computes every indicator


def open_sources(page, lang: str, **query: str) -> None:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    page.goto(f"{page.base_url}/sources?lang={lang}{extra}")
    page.locator('table.cv[data-level="country"]').wait_for(state="visible", timeout=COLD)
    wait_idle(page, COLD)


def test_coverage_matrix_shows_both_levels_and_its_cells_open_their_views(page):
    open_sources(page, "es")
    page.get_by_role("heading", name="Cobertura: qué datos hay y cuáles faltan").wait_for()
    legend = page.locator("ul.cv-legend")
    assert legend.is_visible() and "existe" in legend.inner_text() and "falta" in legend.inner_text()
    country = page.locator('table.cv[data-level="country"]')
    # Panama reports the Darién crossings: a filled cell, blue with its symbol, linked to the map
    pan = country.locator('tr[data-country="PAN"][data-theme="irregular"] td.cv-e a').first
    assert pan.inner_text() == "●"
    assert pan.get_attribute("href").startswith("map?") and "sel=PAN" in pan.get_attribute("href")
    colour = pan.evaluate("a => getComputedStyle(a.parentElement).backgroundColor")
    assert colour == "rgb(0, 114, 178)"
    # a gap links to the submission page
    gap = country.locator('tr[data-country="SUR"][data-theme="irregular"] td.cv-m a').first
    assert gap.inner_text() == "○" and gap.get_attribute("href").startswith("submit?")
    # the admin-1 tab: Guatemala's census 2018
    page.get_by_role("tab", name="Primer nivel subnacional").click()
    admin1 = page.locator('table.cv[data-level="admin1"]')
    admin1.wait_for(state="visible")
    row = admin1.locator('tr[data-country="GTM"][data-theme="household_emigration"]')
    link = row.locator('a[aria-label^="2018:"]')  # a run of gaps is one cell: find the year by its label
    assert "cv-e" in link.locator("xpath=..").get_attribute("class")
    assert "existe" in link.get_attribute("aria-label")
    link.hover()  # what the cell says shows on hover, drawn from its aria-label
    tip = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert "existe" in tip
    link.click()
    page.wait_for_url("**/map?**", timeout=WAIT)
    q = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert q["country"] == "GTM" and q["level"] == "admin1" and q["year"] == "2018"


def test_english_matrix_and_a_phone_reads_the_datasets_without_scrolling_sideways(page):
    page.set_viewport_size({"width": 390, "height": 844})
    open_sources(page, "en")
    page.get_by_role("heading", name="Coverage: what data there are and what is missing").wait_for()
    wrap = page.locator(".cv-wrap").first
    # the matrix scrolls inside its own box, opening on the latest years; the page itself does not scroll sideways
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    latest = page.locator('table.cv[data-level="country"] thead th').last
    assert latest.is_visible() and latest.evaluate(
        "th => { const r = th.getBoundingClientRect(), w = th.closest('.cv-wrap').getBoundingClientRect();"
        " return r.right <= w.right + 1 && r.left >= w.left - 1; }"
    )
    table = page.locator('[data-testid="stTable"]').first
    table.scroll_into_view_if_needed()
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1"), "the datasets table scrolls sideways"
    headers = table.locator("th").all_inner_texts()
    assert [h.strip() for h in headers[:3]] == ["Dataset and publisher", "Licence", "Attribution"]
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
