"""Geometry budgets: build time, and the bytes of deck JSON sent for each map view.

Budget (DESIGN.md): the whole region at admin-1 for the twelve countries at most 400 KB
of deck JSON; building store and geometry at most 60 s on 2 cores.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import geodata  # noqa: E402
from layers.base import deck_bytes  # noqa: E402
from layers.boundaries import build_country_deck, build_region_admin1_deck, build_region_deck  # noqa: E402

BUDGET_KB = 400


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ATLAS_DATA_DIR"] = tmp
        from geodata.build import build

        started = time.perf_counter()
        build()
        print(f"geometry build (fresh, into a temp dir): {time.perf_counter() - started:.2f} s")
        del os.environ["ATLAS_DATA_DIR"]
    network = geodata.network_countries()
    countries = geodata.load_boundaries("country", "region")
    admin1_region = geodata.load_boundaries("admin1", "region")
    admin1_country = geodata.load_boundaries("admin1", "country")
    region = deck_bytes(build_region_deck(countries, network, "es")) / 1000
    region_a1 = deck_bytes(build_region_admin1_deck(admin1_region, countries, network, "es")) / 1000
    print(f"deck JSON, region view, country level: {region:.1f} KB")
    verdict = "within" if region_a1 <= BUDGET_KB else "OVER"
    print(f"deck JSON, region view, admin-1 of the twelve: {region_a1:.1f} KB ({verdict} the {BUDGET_KB} KB budget)")
    for code in sorted(network):
        kb = deck_bytes(build_country_deck(admin1_country, countries, code, "es")) / 1000
        print(f"deck JSON, country view {code}: {kb:.1f} KB")


if __name__ == "__main__":
    main()
