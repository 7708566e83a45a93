"""The map page in a real browser: the deck canvas draws the region and a country."""

from __future__ import annotations

import pytest

from layers.base import SEA
from tests.e2e.helpers import DECK, canvas_colours, has_colour, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_region_map_draws_in_spanish(page):
    page.goto(f"{page.base_url}/map?lang=es")
    wait_idle(page)
    page.get_by_role("heading", name="Mapa de la región").wait_for()
    assert canvas_colours(page) > 20
    assert has_colour(page, tuple(SEA))


def test_country_view_from_link_draws_in_english(page):
    page.goto(f"{page.base_url}/map?lang=en&country=PAN")
    wait_idle(page)
    page.get_by_text("First-level units of Panama: 12").wait_for()
    assert canvas_colours(page) > 20
    assert page.locator(DECK).count() == 1
