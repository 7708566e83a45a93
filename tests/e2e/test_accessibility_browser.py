"""Every page in a real browser, in both languages and at desktop and phone sizes: axe-core (vendored, offline)
finds no serious or critical WCAG 2.1 A/AA violation, the page states its language, and the map pages keep the
map wide and its legend on the first screen.

Streamlit's own sidebar navigation (a ``<ul>`` whose sections are ``<div>``s) is excluded from the axe run:
it is Streamlit's component, not the atlas's, and cannot be changed from the app.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import DECK, WAIT, wait_canvas_drawn, wait_idle

AXE = (Path(__file__).resolve().parents[2] / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
PAGES = ("", "map", "flows", "corridors", "explorer", "workshop", "submit", "sources", "publications", "nonexistent")
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
RUN_AXE = """async () => {
  const result = await axe.run({exclude: [['[data-testid="stSidebarNav"]']]},
                               {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                          .map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                                    v.nodes.slice(0, 3).map(n => n.target).join(' | '));
}"""


def _open(page, path: str, lang: str, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{page.base_url}/{path}?lang={lang}")
    wait_idle(page)
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'", timeout=WAIT)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation_and_the_language_is_stated(page, path, lang, size):
    _open(page, path, lang, DESKTOP if size == "desktop" else PHONE)
    page.add_script_tag(content=AXE)
    violations = page.evaluate(RUN_AXE)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("path", ["map", "flows"])
def test_the_map_is_wide_and_its_legend_is_on_the_first_screen(page, path):
    _open(page, path, "en", DESKTOP)
    wait_canvas_drawn(page)
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    assert box["width"] >= 0.6 * DESKTOP["width"] * 0.75  # of the content area beside the sidebar (at least 60 %)
    assert box["y"] < DESKTOP["height"] * 0.45  # the map starts in the upper half of the first screen
    legend = page.locator(".atlas-legend" if path == "map" else ".flow-legend").first
    legend.wait_for(state="visible", timeout=WAIT)
    lbox = legend.bounding_box()
    assert lbox["y"] + lbox["height"] <= DESKTOP["height"], "the legend is below the fold"


def test_projector_mode_shows_the_story_and_the_map_on_one_screen(page):
    """A facilitator's 1440×900 projector: the story step and the whole map without scrolling."""
    _open(page, "flows", "es", DESKTOP)
    page.goto(
        f"{page.base_url}/flows?lang=es&workshop=1&story=darien_2021_2024&story_step=1&view=darien_transit"
        "&unit=year&period=2021&focus=PAN&mode=in&top=10"
    )
    wait_idle(page)
    story = page.locator(".st-key-story_bar").first
    story.wait_for(state="visible", timeout=WAIT)
    canvas = page.locator(f"{DECK} canvas").first
    canvas.wait_for(state="visible", timeout=WAIT)
    sbox, mbox = story.bounding_box(), canvas.bounding_box()
    assert sbox["y"] >= 0 and sbox["y"] + sbox["height"] <= DESKTOP["height"]
    assert mbox["y"] + mbox["height"] * 0.5 <= DESKTOP["height"], "most of the map is on the projected screen"


@pytest.mark.parametrize("path", ["", "map", "flows", "corridors"])
def test_every_map_fits_a_phone_screen(page, path):
    _open(page, path, "es", PHONE)
    canvas = page.locator(f"{DECK} canvas").first
    canvas.wait_for(state="visible", timeout=WAIT)
    box = canvas.bounding_box()
    assert box["x"] >= -1 and box["x"] + box["width"] <= PHONE["width"] + 1
