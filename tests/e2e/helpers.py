"""Helpers for real-browser tests: wait for Streamlit to settle, check that a map drew."""

from __future__ import annotations

import io

from PIL import Image

DECK = '[data-testid="stDeckGlJsonChart"]'


def wait_idle(page, timeout: float = 90_000) -> None:
    """Wait until the app has finished running its script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=timeout,
    )


def canvas_colours(page, selector: str = DECK, timeout: float = 30_000) -> int:
    """Distinct colours in a screenshot of the first map canvas (1 means blank)."""
    canvas = page.locator(f"{selector} canvas").first
    canvas.wait_for(state="visible", timeout=timeout)
    page.wait_for_timeout(1500)  # let deck.gl draw its first frames
    img = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    return len(set(img.get_flattened_data()))


def has_colour(page, rgb: tuple[int, int, int], selector: str = DECK, tolerance: int = 6) -> bool:
    """Whether the first map canvas shows ``rgb`` somewhere (within ``tolerance`` per channel)."""
    canvas = page.locator(f"{selector} canvas").first
    img = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    return any(all(abs(a - b) <= tolerance for a, b in zip(px, rgb)) for px in set(img.get_flattened_data()))
