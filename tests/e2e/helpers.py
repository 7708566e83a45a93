"""Helpers for real-browser tests: wait for Streamlit to settle, check that a map drew.

Nothing here sleeps for a fixed time: each wait polls a condition the page itself shows (the
status widget gone, the URL, a text, the canvas drawn and no longer changing) up to a deadline.
"""

from __future__ import annotations

import io
import json
import re
import time

import numpy as np
from PIL import Image, ImageChops
from playwright.sync_api import Error as PlaywrightError

DECK = '[data-testid="stDeckGlJsonChart"]'
WAIT = 120_000  # ms: the longest any one wait may take; generous, since `make test` runs beside other work


# A page whose maps are fitted to the width they have (atlas.core.viewport) has drawn them for that width.
MAP_WIDTH_SETTLED = """(() => { const probe = document.querySelector('.st-key-atlas_map_width');
    return !probe || probe.querySelector('[data-map-width-pending="false"]') !== null; })()"""


def wait_idle(page, timeout: float = WAIT) -> None:
    """Wait until the app has finished running its script, no element is still drawn as stale (dimmed), and the
    maps have been fitted to the width the browser gave them."""
    page.wait_for_selector('[data-testid="stApp"] h1', timeout=timeout)  # a page's own title: its script ran
    page.wait_for_function(
        f"""() => document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                 && !document.querySelector('[data-stale="true"]')
                 && !document.querySelector('[data-testid^="stSkeleton"]')
                 && {MAP_WIDTH_SETTLED}""",
        timeout=timeout,
    )


def canvas_image(page, selector: str = DECK, timeout: float = WAIT) -> Image.Image:
    """A screenshot of the first map canvas.

    A rerun may replace the canvas between finding it and taking its picture ("element is not
    attached to the DOM"); the canvas is then found again, up to ``timeout``.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        canvas = page.locator(f"{selector} canvas").first
        try:
            return Image.open(io.BytesIO(canvas.screenshot(timeout=timeout))).convert("RGB")
        except PlaywrightError as error:
            if "not attached" not in str(error) or time.monotonic() > deadline:
                raise
            canvas.wait_for(state="visible", timeout=timeout)


def wait_canvas_drawn(page, selector: str = DECK, timeout: float = WAIT) -> Image.Image:
    """Poll the first map canvas until deck.gl has drawn it (not blank) and two screenshots in a row agree."""
    page.locator(f"{selector} canvas").first.wait_for(state="visible", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    previous = canvas_image(page, selector, timeout)
    while True:
        current = canvas_image(page, selector, timeout)
        if len(set(current.get_flattened_data())) > 1 and ImageChops.difference(previous, current).getbbox() is None:
            return current
        if time.monotonic() > deadline:
            return current  # the caller's assertion says what is wrong with it
        previous = current


def canvas_colours(page, selector: str = DECK, timeout: float = WAIT) -> int:
    """Distinct colours in the first map canvas once drawn (1 means blank)."""
    return len(set(wait_canvas_drawn(page, selector, timeout).get_flattened_data()))


def has_colour(page, rgb: tuple[int, int, int], selector: str = DECK, tolerance: int = 6) -> bool:
    """Whether the first map canvas shows ``rgb`` somewhere (within ``tolerance`` per channel)."""
    img = canvas_image(page, selector)
    return any(all(abs(a - b) <= tolerance for a, b in zip(px, rgb)) for px in set(img.get_flattened_data()))


def content_at_edges(img: Image.Image, band: int = 3) -> dict[str, int]:
    """How many pixels of drawn content lie in the outermost ``band`` columns and rows of a map's picture, per side,
    and in all (``"all"``). Content is what the layers draw over the land and the sea: a saturated colour (arcs,
    place markers, the corridor's chain, incidents) or near-black ink (names, grey markers); the pale grey land, the
    pale blue sea and white borders are not. A map whose content is cropped has some at an edge."""
    rgb = np.asarray(img.convert("RGB")).astype(int)
    content = (rgb.max(axis=2) - rgb.min(axis=2) > 40) | (rgb.max(axis=2) < 110)
    return {
        "left": int(content[:, :band].sum()),
        "right": int(content[:, -band:].sum()),
        "top": int(content[:band].sum()),
        "bottom": int(content[-band:].sum()),
        "all": int(content.sum()),
    }


_VIEW_STATE = re.compile(rb'"initialViewState":(\{[^{}]*\})')


def record_deck_views(page) -> list[dict]:
    """Every deck view state the server sends this page from now on, in order (a list that fills as frames arrive).

    The deck JSON travels inside Streamlit's binary messages with sorted keys; its ``initialViewState`` is what
    the map first shows, so a test can put a place on the canvas exactly as the page fitted it.
    """
    views: list[dict] = []

    def on_frame(payload) -> None:
        data = payload if isinstance(payload, bytes) else payload.encode("utf-8", "ignore")
        views.extend(json.loads(m) for m in _VIEW_STATE.findall(data))

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return views
