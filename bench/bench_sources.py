"""Data and sources page: how long its coverage matrix takes and how much HTML the page sends.

Runs the page through AppTest in a fresh process per figure (cold Streamlit caches): the first run of a
process that has never seen this data version, a first run of a new process once the data version's
matrix is on disk (``atlas.sources.loaders``), and a rerun (warm caches). Prints the seconds of each run
and the bytes of HTML the page renders (every ``st.html`` element, which is where the matrix goes).
Usage: ``.venv/bin/python bench/bench_sources.py [--keep-cache]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=600)
at.switch_page("atlas/pages/sources.py")
at.query_params["lang"] = "es"
t0 = time.perf_counter(); at.run(); first = time.perf_counter() - t0
assert not at.exception, at.exception
html = sum(len(h.value.encode()) for h in at.html)
t0 = time.perf_counter(); at.run(); again = time.perf_counter() - t0
print(json.dumps({{"first_s": first, "rerun_s": again, "html_bytes": html}}))
"""


def run_child() -> dict:
    code = CHILD.format(root=str(ROOT), app=str(ROOT / "streamlit_app.py"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise SystemExit(f"the page failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def clear_disk_cache() -> int:
    try:
        from atlas.sources.loaders import clear_matrix_files
    except ImportError:  # before the on-disk matrix existed
        return 0
    return clear_matrix_files()


def main() -> None:
    keep = "--keep-cache" in sys.argv
    if not keep:
        clear_disk_cache()
    started = time.perf_counter()
    cold = run_child()
    disk = run_child()
    print("Data and sources page (AppTest, lang=es; seconds of the page's script run)")
    print(f"  first run, new data version    {cold['first_s']:6.1f} s   html {cold['html_bytes'] / 1024:7.0f} KB")
    print(f"  first run, new process         {disk['first_s']:6.1f} s   html {disk['html_bytes'] / 1024:7.0f} KB")
    print(f"  rerun (warm caches)            {disk['rerun_s']:6.1f} s")
    print(f"  (bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
