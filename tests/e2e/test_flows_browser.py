"""Flows in a real browser: a flow animation plays (the period advances, the canvas redraws) and a story steps."""

from __future__ import annotations

import re
import time

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.e2e.helpers import (
    DECK,
    WAIT,
    canvas_colours,
    canvas_image,
    record_deck_views,
    wait_canvas_drawn,
    wait_idle,
)
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.usefixtures("built_store")]


def _param(page, key: str) -> str | None:
    match = re.search(rf"[?&]{key}=([^&]*)", page.url)
    return match.group(1) if match else None


SPEED = 2  # seconds per step: slow enough for a loaded machine to keep up


def _wait_period_not(page, period: str) -> str:
    """Wait until the URL's period is no longer ``period``; the new one."""
    page.wait_for_function(
        f"() => /[?&]period=/.test(location.search) && !/[?&]period={period}(&|$)/.test(location.search)", timeout=WAIT
    )
    return _param(page, "period")


def _wait_canvas_differs(page, image: Image.Image) -> None:
    """Poll the map canvas until it differs from ``image`` (deck.gl draws a few frames after the data)."""
    deadline = time.monotonic() + WAIT / 1000
    while ImageChops.difference(image, canvas_image(page)).getbbox() is None:
        assert time.monotonic() < deadline, "the canvas did not redraw"
        page.wait_for_timeout(500)


def test_play_advances_the_period_and_redraws_the_arcs(page):
    page.goto(f"{page.base_url}/flows?lang=en&view=darien_transit&unit=year&period=2018&top=10&play=0&speed={SPEED}")
    wait_idle(page, WAIT)
    page.get_by_role("heading", name="Flows between countries").wait_for(timeout=WAIT)
    assert canvas_colours(page, timeout=WAIT) > 20
    before = canvas_image(page)
    switch = page.get_by_role("switch", name="Play")  # the state; its label takes the click
    label = page.get_by_text("Play", exact=True)
    label.click(timeout=WAIT)  # start the animation
    expect(switch).to_be_checked(timeout=WAIT)
    page.wait_for_function("() => /[?&]play=1/.test(location.search)", timeout=WAIT)
    first = _wait_period_not(page, "2018")
    _wait_period_not(page, first)  # and on
    label.click(timeout=WAIT)  # Stop
    expect(switch).not_to_be_checked(timeout=WAIT)
    page.wait_for_function("() => /[?&]play=0/.test(location.search)", timeout=WAIT)
    wait_idle(page, WAIT)
    stopped = _param(page, "period")
    assert stopped != "2018"
    for _ in range(4 * SPEED * 2):  # four steps' time: nothing moves
        page.wait_for_timeout(500)
        assert _param(page, "period") == stopped and _param(page, "play") == "0"
        assert not switch.is_checked()
    _wait_canvas_differs(page, before)


def test_a_story_steps_forward_and_back_through_views_and_urls(page):
    page.goto(
        f"{page.base_url}/flows?lang=en&story=darien_2021_2024&story_step=1&view=darien_transit&unit=year"
        "&period=2021&sex=_T&focus=PAN&mode=in&top=10&min=0"
    )
    wait_idle(page, WAIT)
    page.get_by_text("step 1 of 5").wait_for(timeout=WAIT)
    first = canvas_image(page)
    page.get_by_role("button", name="Next").click()
    page.wait_for_function("() => location.search.includes('story_step=2')", timeout=WAIT)
    wait_idle(page, WAIT)
    page.get_by_text("step 2 of 5").wait_for(timeout=WAIT)
    assert _param(page, "period") == "2022" and _param(page, "view") == "darien_transit"
    _wait_canvas_differs(page, first)
    page.get_by_role("button", name="Previous").click()
    page.wait_for_function("() => location.search.includes('story_step=1')", timeout=WAIT)
    wait_idle(page, WAIT)
    page.get_by_text("step 1 of 5").wait_for(timeout=WAIT)
    assert _param(page, "period") == "2021"


def _pixel(spec_view: dict, lon: float, lat: float, width: float, height: float) -> tuple[float, float]:
    """Where deck.gl's Web-Mercator view puts (lon, lat) in a canvas of that size."""
    import math

    def merc(lo: float, la: float) -> tuple[float, float]:
        x = (lo + 180) / 360 * 512
        y = (math.pi - math.log(math.tan(math.pi / 4 + math.radians(la) / 2))) / (2 * math.pi) * 512
        return x, y

    scale = 2 ** spec_view["zoom"]
    cx, cy = merc(spec_view["longitude"], spec_view["latitude"])
    px, py = merc(lon, lat)
    return width / 2 + (px - cx) * scale, height / 2 + (py - cy) * scale


def test_clicking_a_place_focuses_it(page):
    import geodata

    views = record_deck_views(page)  # the view the page fitted, as it sent it
    page.goto(f"{page.base_url}/flows?lang=en&view=cbp_encounters&unit=year&period=FY2023&focus=GTM&mode=out")
    wait_idle(page, WAIT)
    assert canvas_colours(page, timeout=WAIT) > 20
    points = geodata.label_points().drop_duplicates("geo_code").set_index("geo_code")
    usa = [round(float(points.loc["USA", "label_lon"]), 3), round(float(points.loc["USA", "label_lat"]), 3)]
    assert views, "no deck view was received"
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    x, y = _pixel(views[-1], *usa, box["width"], box["height"])
    for _ in range(4):  # a tap deck.gl's recogniser drops under load (see test_indicator_map_browser) is retried
        page.mouse.move(box["x"] + x - 20, box["y"] + y - 20)  # deck.gl picks on hover first, like a person
        page.mouse.move(box["x"] + x, box["y"] + y)
        wait_canvas_drawn(page)  # the hover pick has been drawn
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            page.wait_for_function("() => location.search.includes('focus=USA')", timeout=20_000)
            break
        except PlaywrightTimeoutError:
            continue
    page.wait_for_function("() => location.search.includes('focus=USA')", timeout=WAIT)
    wait_idle(page, WAIT)
    page.get_by_text("0 flows are drawn").wait_for(timeout=WAIT)  # the USA has no outgoing encounters: followed
