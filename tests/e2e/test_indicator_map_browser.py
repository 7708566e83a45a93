"""The indicator map in a real browser: pick an indicator, click a territory, read its profile.

The click goes to the pixel of a unit's label point, computed from the deck's view state
(Web Mercator), in Saint Lucia's country view. Note: in headless Chromium with software
WebGL (SwiftShader), deck.gl did not register clicks on the larger decks (Jamaica's 22 KB
and up) while hover picking worked; Saint Lucia's small deck is clicked reliably.
"""

from __future__ import annotations

import math

import pytest

import geodata
from layers.base import fit_view
from tests.e2e.helpers import DECK, canvas_colours, wait_idle
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.usefixtures("built_store")]


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def pixel_of(code: str, country: str, box: dict) -> tuple[float, float]:
    """Where an admin-1 unit's label point falls on the canvas of its country's view."""
    a1 = geodata.load_boundaries("admin1", "country")
    units = a1[a1.parent_code == country]
    view = fit_view(tuple(units.total_bounds))
    row = units.set_index("geo_code").loc[code]
    scale = 512 * 2 ** view.zoom
    x = box["width"] / 2 + (row.label_lon - view.longitude) / 360 * scale
    y = box["height"] / 2 - (_merc(row.label_lat) - _merc(view.latitude)) / (2 * math.pi) * scale
    return x, y


def click_until(page, canvas, x: float, y: float, expected: str, tries: int = 3) -> None:
    """Click the canvas at (x, y) until the URL holds ``expected`` (software WebGL may drop a click
    while deck.gl is still drawing after a rerun)."""
    for _ in range(tries):
        page.wait_for_timeout(2500)
        canvas.click(position={"x": x, "y": y})
        try:
            page.wait_for_function(f"() => window.location.search.includes('{expected}')", timeout=10_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try the click again
            continue
    raise AssertionError(f"clicking the map at ({x:.0f}, {y:.0f}) never selected {expected}")


def test_pick_an_indicator_click_a_territory_and_see_its_panel(page):
    page.goto(f"{page.base_url}/map?lang=en&country=LCA")
    wait_idle(page)
    page.get_by_role("heading", name="Map of the region").wait_for()
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Indicator")
    picker.click()
    page.keyboard.type("Remittances received (% of GDP)")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.wait_for_function("() => window.location.search.includes('indicator=remittances_gdp')", timeout=30_000)
    page.get_by_text("no first-level unit data for Saint Lucia").wait_for()
    assert canvas_colours(page) > 5
    canvas = page.locator(f"{DECK} canvas").first
    x, y = pixel_of("LC-02", "LCA", canvas.bounding_box())
    click_until(page, canvas, x, y, "sel=LC-02")
    wait_idle(page)
    page.get_by_role("heading", name="Castries").wait_for(timeout=90_000)
    page.get_by_text("No headline indicator has data for this territory.").wait_for()
    assert page.get_by_role("button", name="Close the profile").count() == 1
    page.get_by_role("button", name="Close the profile").click()
    page.wait_for_function("() => !window.location.search.includes('sel=')", timeout=30_000)


def test_choose_a_territory_from_the_list_in_the_region_view(page):
    page.goto(f"{page.base_url}/map?lang=es&indicator=remittances_gdp&year=2022")
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Perfil de un territorio").click()
    page.keyboard.type("Honduras")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('sel=HND')", timeout=30_000)
    wait_idle(page)
    page.get_by_role("heading", name="Honduras").wait_for(timeout=90_000)
    page.get_by_text("Puesto 1 de").wait_for(timeout=90_000)
    page.locator("text=World Development Indicators >> visible=true").first.wait_for()


def test_play_steps_through_the_years(page):
    page.goto(f"{page.base_url}/map?lang=en&indicator=remittances_gdp&year=2015")
    wait_idle(page)
    page.get_by_text("Play").click()
    page.wait_for_function("() => /year=201[7-9]|year=202/.test(window.location.search)", timeout=60_000)
    page.get_by_text("Play").click()   # stop
