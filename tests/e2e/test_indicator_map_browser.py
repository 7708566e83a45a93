"""The indicator map in a real browser: pick an indicator, click a territory with data, read its value
in the panel; choose from the list; play; download the standalone HTML map.

Why a click needs a hover first here (measured, not guessed): deck.gl turns a pointer-down and -up
into a click only through mjolnir's tap recogniser, which drops the tap when the pointer-up is
handled more than 250 ms after the pointer-down (``time: 250``, timed with ``Date.now()`` as each
event is handled). deck.gl picks synchronously inside its pointer-down handler. With software
WebGL (SwiftShader) the *first* pick of a deck (picking shaders and buffers) holds that handler for
250-380 ms, so the first click on any deck but the smallest is dropped; later picks take 60-120 ms
in Honduras' view (130-280 ms in Mexico's larger one). Hovering first makes deck.gl pick once for
the tooltip, so the click that follows is recognised. Streamlit passes no ``eventRecognizerOptions``
to DeckGL, so the app cannot widen the 250 ms. A slower machine can still miss a tap: the click is
tried a few times, each after a fresh hover.
"""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

import geodata
import indicators
from layers.base import fit_view
from layers.html_export import parse_html_features
from layers.legend import format_number
from tests.e2e.helpers import DECK, WAIT, canvas_colours, record_deck_views, wait_canvas_drawn, wait_idle
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.usefixtures("built_store")]


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def pixel_of(code: str, country: str, box: dict, view: dict | None = None) -> tuple[float, float]:
    """Where an admin-1 unit's label point falls on the canvas of its country's view: ``view`` (the
    ``initialViewState`` the page sent, tests/e2e/helpers.py ``record_deck_views``), or a desktop's 900-pixel one."""
    a1 = geodata.load_boundaries("admin1", "country")
    units = a1[a1.parent_code == country]
    row = units.set_index("geo_code").loc[code]
    return project(row.label_lon, row.label_lat, view or fit_view(tuple(units.total_bounds)), box)


def project(lon: float, lat: float, view, box: dict) -> tuple[float, float]:
    """Where ``(lon, lat)`` falls on a canvas of ``box``'s size showing ``view`` (a ViewState or its JSON dict)."""
    get = view.get if isinstance(view, dict) else lambda key: getattr(view, key)
    scale = 512 * 2 ** get("zoom")
    x = box["width"] / 2 + (lon - get("longitude")) / 360 * scale
    y = box["height"] / 2 - (_merc(lat) - _merc(get("latitude"))) / (2 * math.pi) * scale
    return x, y


def hover_then_click(page, canvas, x: float, y: float, name: str, expected: str, tries: int = 4) -> None:
    """Hover (x, y) until deck.gl's tooltip names the unit, then click it, until the URL holds ``expected``.

    A click that deck.gl recognises starts a rerun at once (the status widget shows); a dropped
    tap starts nothing, and the unit is hovered and clicked again. The rerun that opens a profile
    for the first time may take a while on a cold server, so it gets a long timeout of its own.
    """
    tooltip = page.locator(".deck-tooltip")
    started = (
        f"() => window.location.search.includes('{expected}') || "
        "document.querySelector('[data-testid=\"stStatusWidget\"]') !== null"
    )
    for _ in range(tries):
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + x - 15, box["y"] + y - 15)
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
        tooltip.filter(has_text=name).wait_for(state="visible", timeout=WAIT)
        wait_canvas_drawn(page)  # the hover pick and its highlight redraw have finished
        canvas.click(position={"x": x, "y": y})
        try:
            page.wait_for_function(started, timeout=5_000)
        except PlaywrightTimeoutError:  # the tap was dropped: hover and try again
            continue
        wait_idle(page)
        page.wait_for_function(f"() => window.location.search.includes('{expected}')", timeout=WAIT)
        return
    raise AssertionError(f"clicking {name} at ({x:.0f}, {y:.0f}) never selected it ({expected})")


def test_pick_an_indicator_click_a_territory_and_see_its_value_in_the_panel(page):
    population = indicators.compute("population", "admin1", "2019").set_index("geo_code")
    expected = format_number(population.loc["HN-OL", "value"], "en", 0)
    page.goto(f"{page.base_url}/map?lang=en&country=HND")
    wait_idle(page)
    page.get_by_role("heading", name="Map of the region").wait_for()
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Indicator")
    picker.click()
    page.keyboard.type("Population")
    page.get_by_role("option", name="Net migration and population › Population", exact=True).click()
    wait_idle(page)
    page.wait_for_function("() => window.location.search.includes('indicator=population')", timeout=WAIT)
    page.wait_for_function("() => window.location.search.includes('year=2019')", timeout=WAIT)
    assert canvas_colours(page) > 5
    canvas = page.locator(f"{DECK} canvas").first
    x, y = pixel_of("HN-OL", "HND", canvas.bounding_box())
    hover_then_click(page, canvas, x, y, "Olancho", "sel=HN-OL")
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("heading", name="Olancho").wait_for(timeout=WAIT)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="(2019)")
    metric.wait_for(timeout=WAIT)
    assert expected in metric.inner_text() and "persons" in metric.inner_text()
    page.get_by_text("Rank ").first.wait_for()
    page.locator("text=Retrieved: >> visible=true").first.wait_for()
    assert page.get_by_role("button", name="Close the profile").count() == 1
    page.get_by_role("button", name="Close the profile").click()
    page.wait_for_function("() => !window.location.search.includes('sel=')", timeout=WAIT)


def test_on_a_phone_a_tap_on_a_territory_opens_its_profile_in_view(page):
    page.set_viewport_size({"width": 390, "height": 844})
    views = record_deck_views(page)  # the country is fitted to the phone's map width: tap where the page drew it
    page.goto(f"{page.base_url}/map?lang=en&country=HND&indicator=population&year=2019")
    wait_idle(page)
    canvas = page.locator(f"{DECK} canvas").first
    canvas.scroll_into_view_if_needed()
    wait_canvas_drawn(page)
    assert views, "the page sent no deck view"
    x, y = pixel_of("HN-OL", "HND", canvas.bounding_box(), views[-1])
    hover_then_click(page, canvas, x, y, "Olancho", "sel=HN-OL")
    wait_idle(page)
    heading = page.get_by_role("heading", name="Olancho")
    heading.wait_for(timeout=WAIT)
    page.wait_for_function(
        """() => { const h = [...document.querySelectorAll('h3')].find(e => e.textContent.includes('Olancho'));
        if (!h) return false; const r = h.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        timeout=WAIT,
    )


def test_an_indicator_picked_right_after_a_country_stays_picked(page):
    page.goto(f"{page.base_url}/map?lang=en")
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="View").click()
    page.keyboard.type("Guatemala")
    page.keyboard.press("Enter")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Indicator").click()  # at once, no wait
    page.keyboard.type("Population")
    page.get_by_role("option", name="Net migration and population › Population", exact=True).click()
    page.wait_for_function(
        "() => location.search.includes('country=GTM') && location.search.includes('indicator=population')",
        timeout=WAIT,
    )
    wait_idle(page)
    assert "indicator=population" in page.url and "country=GTM" in page.url


def test_choose_a_territory_from_the_list_in_the_region_view(page):
    page.goto(f"{page.base_url}/map?lang=es&indicator=remittances_gdp&year=2022")
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Perfil de un territorio").click()
    page.keyboard.type("Honduras")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('sel=HND')", timeout=WAIT)
    wait_idle(page)
    page.get_by_role("heading", name="Honduras").wait_for(timeout=WAIT)
    page.get_by_text("Puesto 1 de").wait_for(timeout=WAIT)
    page.locator("text=World Development Indicators >> visible=true").first.wait_for()


def test_play_steps_through_the_years(page):
    page.goto(f"{page.base_url}/map?lang=en&indicator=remittances_gdp&year=2015")
    wait_idle(page)
    page.get_by_text("Play").click()
    page.wait_for_function("() => /year=201[7-9]|year=202/.test(window.location.search)", timeout=WAIT)
    page.get_by_text("Play").click()  # stop


def test_the_view_downloads_as_a_standalone_html_map_with_its_sources(page):
    page.goto(f"{page.base_url}/map?lang=en&indicator=dead_missing&year=2023")
    wait_idle(page)
    page.get_by_text("open it online").first.wait_for(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="HTML map").click()
    assert download.value.suggested_filename == "atlas_dead_missing_country_region_2023.html"
    html = download.value.path().read_bytes()
    units = {f["properties"]["geo_code"]: f["properties"] for f in parse_html_features(html)["features"]}
    mex = indicators.compute("dead_missing", "country", "2023").set_index("geo_code").loc["MEX", "value"]
    assert units["MEX"]["value"] == format_number(mex, "en", 0) and units["MEX"]["unit"] == "persons"
    text = html.decode("utf-8")
    assert "Attribution: IOM's Missing Migrants Project" in text and "CC BY 4.0" in text and "atlas-legend" in text
