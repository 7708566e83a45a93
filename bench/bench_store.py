"""Build the store from the vendored sources into a scratch file; print the build time and the store size.

Budget (DESIGN.md): building the store and the geometry takes at most 60 s on 2 cores. The
geometry must already be built (``python -m geodata build``; ``make bench`` does it first).
Usage: ``.venv/bin/python bench/bench_store.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl import pipeline  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="number of builds (median is printed)")
    args = parser.parse_args(argv)
    seconds, report = [], None
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = pipeline.build_store(Path(tmp) / "atlas.duckdb")
            seconds.append(time.perf_counter() - started)
        rows = report.tables["observations"]
        print(f"store build: {statistics.median(seconds):.1f} s (median of {len(seconds)}; budget 60 s with geometry)")
        print(f"store size: {report.size_bytes / 1e6:.1f} MB, {rows:,} observations, {len(report.datasets)} datasets")
        print(f"throughput: {rows / statistics.median(seconds):,.0f} observations/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
