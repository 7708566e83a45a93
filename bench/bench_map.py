"""Indicator map budgets: deck JSON bytes per view, and server time per rerun when the indicator,
the year or the language changes, in the region view and in a country view.

Budgets (DESIGN.md): at most 400 KB of deck JSON for the whole region at admin-1; at most 150 ms
median server time per rerun, once warm.

How it is measured: the real app (streamlit_app.py) runs under ``streamlit.testing.v1.AppTest``,
which executes the script in this process exactly as the server does for one session. Each
measured rerun changes one widget and times ``AppTest.run()`` (script run plus AppTest's own
bookkeeping, so the figure is an upper bound of the server time); the compiled scripts are kept
between runs, as the server keeps them (AppTest alone would recompile both scripts on every run).
Every value is visited once
before timing (warm caches), then at least 20 reruns are timed and the median is printed. The
deck bytes are the JSON that ``st.pydeck_chart`` sends to the browser.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apptest_harness import AppTest, deck_json, open_page  # noqa: E402

from indicators import load_catalogue  # noqa: E402

RERUNS = 24
BUDGET_MS = 150
BUDGET_KB = 400


def open_map(**query: str) -> AppTest:
    at = open_page("atlas/pages/map.py", query, timeout=180)
    at.run()
    if at.exception:
        raise SystemExit(f"the map page failed: {at.exception[0].message}")
    return at


def deck_kb(at: AppTest) -> float:
    return len(deck_json(at).encode("utf-8")) / 1000


def time_changes(at: AppTest, change, values: list) -> list[float]:
    """Warm every value once, then time RERUNS reruns that each change the widget to the next value."""
    for value in values:
        change(at, value).run()
    times = []
    for value in itertools.islice(itertools.cycle(values[1:] + values[:1]), RERUNS):
        change(at, value)
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
        if at.exception:
            raise SystemExit(f"rerun failed for {value!r}: {at.exception[0].message}")
    return times


def report(label: str, times: list[float]) -> None:
    median = statistics.median(times)
    verdict = "within" if median <= BUDGET_MS else "OVER"
    print(
        f"{label}: median {median:.1f} ms, p90 {sorted(times)[int(0.9 * len(times))]:.1f} ms over {len(times)} "
        f"reruns ({verdict} the {BUDGET_MS} ms budget)"
    )


def set_indicator(at, value):
    return at.selectbox(key="indicator").set_value(value)


def set_year(at, value):
    return at.select_slider(key="year").set_value(value)


def set_lang(at, value):
    return at.sidebar.segmented_control(key="lang").set_value(value)


def main() -> None:
    cat = load_catalogue()
    print(__doc__.split("\n\n")[2].replace("\n", " "))
    views = {
        "region, countries": dict(indicator="immigrant_share", level="country"),
        "region, admin-1": dict(indicator="population", level="admin1"),
        "country view MEX (admin-1)": dict(indicator="emigration_rate", country="MEX"),
    }
    for name, query in views.items():
        started = time.perf_counter()
        at = open_map(lang="es", **query)
        first = time.perf_counter() - started
        kb = deck_kb(at)
        note = f" ({'within' if kb <= BUDGET_KB else 'OVER'} the {BUDGET_KB} KB budget)"
        print(f"\n== {name}: deck JSON {kb:.1f} KB{note}; first load {first:.2f} s (cold caches, this process)")
        level = "admin1" if "country" in query or query.get("level") == "admin1" else "country"
        ids = [i for i, ind in cat.indicators.items() if level in ind.levels]
        report(f"{name} | change indicator ({len(ids)} indicators)", time_changes(at, set_indicator, ids))
        at = open_map(lang="es", **query)
        periods = at.select_slider(key="year").options
        report(f"{name} | change year ({len(periods)} periods)", time_changes(at, set_year, list(periods)[-12:]))
        report(f"{name} | change language", time_changes(at, set_lang, ["en", "es"]))
    at = open_map(lang="es", indicator="net_migration_rate", level="country")
    periods = list(at.select_slider(key="year").options)[:-1]
    times = []
    for period in periods[-RERUNS:]:
        set_year(at, period)
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
    report("\nregion, countries | change year to a year not shown before (view, classes and deck built)", times)
    kb = max(
        deck_kb(open_map(lang=lang, indicator=i, level="admin1"))
        for lang in ("es", "en")
        for i in [i for i, ind in cat.indicators.items() if "admin1" in ind.levels]
    )
    print(f"\nlargest region admin-1 deck over every admin-1 indicator and both languages: {kb:.1f} KB")
    for code in ("BLZ", "CRI", "GTM", "GUY", "HND", "JAM", "LCA", "MEX", "NIC", "PAN", "SLV", "SUR"):
        print(
            f"deck JSON, country view {code} (dead and missing migrants): "
            f"{deck_kb(open_map(lang='es', indicator='dead_missing', country=code)):.1f} KB"
        )


if __name__ == "__main__":
    main()
