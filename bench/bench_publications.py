"""Time and size of bulletins: one bulletin PDF (cold process and warm), then all 26 (12 countries + the region,
Spanish and English), plus one fact sheet and one article. Prints figures; asserts nothing.

Budget (DESIGN.md): one bulletin PDF in a few seconds. The store must be built (``make data``).
Usage: ``.venv/bin/python bench/bench_publications.py [--year 2023] [--out-dir DIR]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from publications.articles import build_article  # noqa: E402
from publications.bulletin import build_bulletin, bulletin_areas, bulletin_slug  # noqa: E402
from publications.factsheet import build_factsheet  # noqa: E402
from publications.render import render_pdf  # noqa: E402


def timed(fn):
    """``(result, wall seconds)``; the CPU seconds of the last call are kept in ``CPU[0]`` (the machine is shared:
    wall time includes waiting for a core, CPU time does not)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    CPU[0] = time.process_time() - cpu
    return out, time.perf_counter() - start


CPU = [0.0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--out-dir", help="keep the PDFs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_pub_") as tmp:
        out = Path(args.out_dir or tmp)
        out.mkdir(parents=True, exist_ok=True)
        pub, build_s = timed(lambda: build_bulletin("GTM", args.year, "es"))
        pdf, render_s = timed(lambda: render_pdf(pub))
        print(
            f"one bulletin, first in the process (GTM es {args.year}): build {build_s:.2f} s + PDF {render_s:.2f} s"
            f" = {build_s + render_s:.2f} s, {len(pdf) / 1024:.0f} KB, {len(pub.sections)} sections"
        )
        rows = []
        started = time.perf_counter()
        for area in bulletin_areas():
            for lang in ("es", "en"):
                pub, build_s = timed(lambda a=area, lg=lang: build_bulletin(a, args.year, lg))
                cpu = CPU[0]
                pdf, render_s = timed(lambda p=pub: render_pdf(p))
                (out / f"{bulletin_slug(area, args.year, lang)}.pdf").write_bytes(pdf)
                rows.append((area, lang, build_s + render_s, len(pdf), render_s, cpu + CPU[0]))
        total = time.perf_counter() - started
        for area, lang, seconds, size, render_s, cpu in rows:
            print(
                f"  {area:6} {lang}  {seconds:5.2f} s wall, {cpu:5.2f} s CPU (PDF {render_s:.2f} s)  "
                f"{size / 1024:6.0f} KB"
            )
        times = [r[2] for r in rows]
        cpus = [r[5] for r in rows]
        sizes = [r[3] for r in rows]
        print(
            f"all {len(rows)} bulletins: {total:.1f} s wall, {sum(cpus):.1f} s CPU; per bulletin median "
            f"{statistics.median(times):.2f} s wall ({statistics.median(cpus):.2f} s CPU), "
            f"max {max(times):.2f} s; sizes median {statistics.median(sizes) / 1024:.0f} KB, "
            f"max {max(sizes) / 1024:.0f} KB, total {sum(sizes) / 1e6:.1f} MB"
        )
        image, seconds = timed(lambda: build_factsheet("PAN", args.year, "en"))
        print(
            f"fact sheet PAN en: {seconds:.2f} s, {len(image.data) / 1024:.0f} KB PNG "
            f"{image.width_px}x{image.height_px}"
        )
        article, seconds = timed(lambda: build_article("darien-2021-2024", "es"))
        pdf, render_s = timed(lambda: render_pdf(article))
        print(f"article darien-2021-2024 es: build {seconds:.2f} s + PDF {render_s:.2f} s, {len(pdf) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
