"""Flow page budgets: deck JSON bytes and server time per rerun, all flows of a year vs the default top flows.

Budget (DESIGN.md): at most 400 KB of deck JSON for a map; at most 150 ms of server time
per rerun (median, once warm). Runs the real page through Streamlit's AppTest on the real
store (``make data`` first), 20+ reruns per case, and prints the figures; it asserts nothing.
Also prints the cold cost of building one year's map without caches (what a cache miss
costs, e.g. the first pass of a play-through).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apptest_harness import deck_json, open_page  # noqa: E402

import geodata  # noqa: E402
from etl import store  # noqa: E402
from indicators.flows import compute_flows, compute_focus, load_flow_observations, load_flow_views  # noqa: E402
from layers.base import deck_bytes  # noqa: E402
from layers.flows import build_land  # noqa: E402

RERUNS = 24
BUDGET_KB = 400
BUDGET_MS = 150
CASES = [  # (label, query)
    ("UN DESA 2024 stocks, default top 25", {"view": "undesa_ims2024", "period": "2024", "top": "25"}),
    ("UN DESA 2024 stocks, all flows of the year", {"view": "undesa_ims2024", "period": "2024", "top": "all"}),
    ("CBP encounters FY2023, default top 25", {"view": "cbp_encounters", "unit": "year", "period": "FY2023"}),
    (
        "Darién transit 2023, all flows of the year",
        {"view": "darien_transit", "unit": "year", "period": "2023", "top": "all"},
    ),
]


def measure_page(query: dict[str, str]) -> tuple[int, int, float, float, float]:
    """Deck bytes, arcs drawn, first-run seconds, median and 90th-percentile rerun milliseconds."""
    at = open_page("atlas/pages/flows.py", {"lang": "es", **query}, timeout=120)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"the flow page failed for {query}: {at.exception[0].value}")
    times = []
    for _ in range(RERUNS):
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
    spec = json.loads(deck_json(at))
    arcs = next(len(layer["data"]) for layer in spec["layers"] if layer["id"] == "flows")
    return (
        len(deck_json(at).encode("utf-8")),
        arcs,
        first,
        statistics.median(times),
        statistics.quantiles(times, n=10)[-1],
    )


def measure_year_switch(view: str, periods: tuple[str, str]) -> float:
    """Median rerun time (ms) when the year changes back and forth between two cached years."""
    at = open_page("atlas/pages/flows.py", {"lang": "es", "view": view, "period": periods[0]}, timeout=120)
    at.run()
    times = []
    for i in range(RERUNS):
        slider = at.select_slider(key="period").set_value(periods[(i + 1) % 2])
        started = time.perf_counter()
        slider.run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[2:])


def measure_cold_build(view_id: str, period: str) -> tuple[float, int, int]:
    """Seconds to compute one year's flows and build its deck with no cache, and deck bytes (all vs top 25)."""
    from atlas.flows.views import build_flow_map

    view = load_flow_views()[view_id]
    with store.connect() as con:
        obs = load_flow_observations(view, con)
    points = geodata.label_points().drop_duplicates("geo_code").set_index("geo_code")
    land = build_land(geodata.load_boundaries("country", "region"))
    names = dict(zip(geodata.gazetteer().geo_code, geodata.gazetteer().name_es))
    started = time.perf_counter()
    flows = compute_flows(obs, view, period, "_T")
    focused = compute_focus(flows, None)
    all_map = build_flow_map(view, flows, focused, points, land, "", None, None, "es", names, "personas", "UN DESA")
    all_bytes = deck_bytes(all_map.deck)
    seconds = time.perf_counter() - started
    top_map = build_flow_map(view, flows, focused, points, land, "", 25, None, "es", names, "personas", "UN DESA")
    return seconds, all_bytes, deck_bytes(top_map.deck)


def main() -> None:
    if not store.store_path().exists():
        raise SystemExit(f"{store.store_path()} is missing: run `make data` first")
    print(f"flow page through AppTest, {RERUNS} warm reruns per case (server time includes AppTest's own overhead)")
    for label, query in CASES:
        size, arcs, first, median, p90 = measure_page(query)
        kb = size / 1000
        size_verdict = "within" if kb <= BUDGET_KB else "OVER"
        time_verdict = "within" if median <= BUDGET_MS else "OVER"
        print(
            f"  {label}: {arcs} arcs, deck JSON {kb:.1f} KB ({size_verdict} {BUDGET_KB} KB); first run "
            f"{first:.2f} s; rerun median {median:.0f} ms ({time_verdict} {BUDGET_MS} ms), p90 {p90:.0f} ms"
        )
    switch = measure_year_switch("undesa_ims2024", ("2020", "2024"))
    print(f"  changing the year (2020 <-> 2024, both cached), rerun median: {switch:.0f} ms")
    seconds, all_bytes, top_bytes = measure_cold_build("undesa_ims2024", "2024")
    print(
        f"cold build of one year's map (UN DESA 2024, no cache): {seconds * 1000:.0f} ms; "
        f"deck JSON all flows {all_bytes / 1000:.1f} KB, top 25 {top_bytes / 1000:.1f} KB"
    )


if __name__ == "__main__":
    main()
