"""First page load: server time of the first run of each page on a freshly started server.

Budget (DESIGN.md): at most 3 s of server time. Each page is measured on fresh
``streamlit run`` processes (cold caches), opened in Debian's chromium; the server
logs how long each script run took (``atlas/core/timing.py``). Four figures per page: the
very first run of a just-started, unwarmed server (cold imports too); the first run
after a visitor landed on the home page; the first run on a server started as
`make run` starts it (one warm-up run before any visitor, ``atlas/core/prewarm.py``); and a
second visit (warm caches). Browser time (JavaScript, WebGL) is not counted.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from atlas.core.server import start_server, wait_healthy  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PAGES = ["home", "map", "flows", "corridors", "explorer", "workshop", "submit", "sources"]
BUDGET_MS = 3000


def _serve(log: Path, prewarm: bool = False) -> tuple[subprocess.Popen, str]:
    proc, base = start_server(
        env={"ATLAS_TIMING_LOG": str(log)}, options={"server.scriptHealthCheckEnabled": str(prewarm).lower()}
    )
    if prewarm:  # what `make run` does before the first visitor
        port = base.rsplit(":", 1)[1]
        subprocess.run(
            [sys.executable, "-m", "atlas.core.prewarm", "--port", port],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    wait_healthy(proc, base, seconds=60)
    return proc, base


def _runs(log: Path, page: str) -> list[float]:
    lines = log.read_text().split() if log.exists() else []
    return [float(ms) for name, ms in zip(lines[::2], lines[1::2]) if name == page]


def _visit(browser, url: str, log: Path, page: str, count: int) -> None:
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.goto(url)
    deadline = time.monotonic() + 90
    while len(_runs(log, page)) < count and time.monotonic() < deadline:
        tab.wait_for_timeout(200)
    tab.close()


def _first_load(browser, tmp: Path, page: str, via_home: bool = False, prewarm: bool = False) -> tuple[float, float]:
    """(first run, second run) of ``page`` on a fresh server; ``via_home`` opens the home page first,
    as a visitor landing on the atlas would (the process has then imported the common modules);
    ``prewarm`` starts the server as `make run` does (one warm-up run before any visitor)."""
    log = tmp / f"{page}_{via_home}_{prewarm}.log"
    proc, base = _serve(log, prewarm)
    try:
        if via_home and page != "home":
            _visit(browser, f"{base}/?lang=es", log, "home", len(_runs(log, "home")) + 1)
        url = f"{base}/{'' if page == 'home' else page}?lang=es"
        count = len(_runs(log, page)) + 1
        _visit(browser, url, log, page, count)
        _visit(browser, url, log, page, count + 1)
        runs = _runs(log, page)[count - 1 :]
        return runs[0], runs[1] if len(runs) > 1 else float("nan")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    from playwright.sync_api import sync_playwright

    print(
        f"{'page':<10} {'cold server (ms)':>17} {'after home (ms)':>16} {'make run (ms)':>14} "
        f"{'second visit (ms)':>18}  budget {BUDGET_MS} ms"
    )
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page in PAGES:
            first, second = _first_load(browser, Path(tmp), page)
            after_home = first if page == "home" else _first_load(browser, Path(tmp), page, via_home=True)[0]
            warmed = _first_load(browser, Path(tmp), page, prewarm=True)[0]
            flag = "" if max(after_home, warmed) <= BUDGET_MS else "  OVER"
            cold = "" if first <= BUDGET_MS else " (cold, unwarmed process over budget)"
            print(f"{page:<10} {first:>17.0f} {after_home:>16.0f} {warmed:>14.0f} {second:>18.0f}{flag}{cold}")
        browser.close()


if __name__ == "__main__":
    main()
