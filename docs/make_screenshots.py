"""Screenshots of every page at desktop (1440×900) and phone (390×844) sizes, in Spanish and English.

``make screenshots`` runs this: it starts the atlas on a free local port, opens each page in Debian's chromium
(Playwright), waits for the app's own signals (the script finished, the map canvas drawn and still) and writes
``docs/screenshots/<page>_<lang>_<size>.png``. Nothing leaves the machine. Page names given as arguments
(``python docs/make_screenshots.py home sources``) limit it to those pages.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from PIL import Image, ImageChops
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from atlas.core.server import serving  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ARGS = [
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
PAGES = {
    "home": "",
    "map": "map",
    "flows": "flows",
    "corridors": "corridors",
    "explorer": "explorer",
    "workshop": "workshop",
    "submit": "submit",
    "sources": "sources",
    "publications": "publications",
    "not_found": "nonexistent",  # a link to a page the atlas does not have
}
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def _settle(page, deadline_s: float = 20) -> None:
    """Wait for the script to finish, then for the first map canvas (if any) to stop changing."""
    page.wait_for_selector('[data-testid="stApp"] h1', timeout=90_000)  # the page's own title: the script ran
    page.wait_for_function(
        '() => document.querySelector(\'[data-testid="stApp"][data-test-script-state="notRunning"]\')'
        " && !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid^=\"stSkeleton\"]')"
        # the maps fitted to the width the browser gave them (atlas.core.viewport)
        " && (!document.querySelector('.st-key-atlas_map_width')"
        "     || document.querySelector('.st-key-atlas_map_width [data-map-width-pending=\"false\"]') !== null)",
        timeout=120_000,
    )
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    if not canvas.count():
        return
    deadline = time.monotonic() + deadline_s
    shot = lambda: Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")  # noqa: E731
    previous = shot()
    while time.monotonic() < deadline:
        current = shot()
        if len(set(current.get_flattened_data())) > 1 and ImageChops.difference(previous, current).getbbox() is None:
            return
        previous = current


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(PAGES))
    if unknown:
        print(f"unknown page(s) {', '.join(unknown)}; the pages are: {', '.join(PAGES)}", file=sys.stderr)
        return 2
    pages = {name: path for name, path in PAGES.items() if not names or name in names}
    OUT.mkdir(parents=True, exist_ok=True)
    with serving() as (_proc, base):
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                for name, path in pages.items():
                    for lang in ("es", "en"):
                        page.goto(f"{base}/{path}?lang={lang}")
                        _settle(page)
                        page.evaluate(
                            "() => { window.scrollTo(0, 0); document.querySelectorAll("
                            '\'[data-testid="stMain"], [data-testid="stAppViewContainer"]\')'
                            ".forEach(e => e.scrollTo(0, 0)); }"
                        )
                        target = OUT / f"{name}_{lang}_{size}.png"
                        page.screenshot(path=str(target))
                        print(target.relative_to(ROOT))
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
