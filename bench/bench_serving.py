"""What a visitor waits for on a real server, under load: p50/p95 per interaction, throughput and memory.

Starts the atlas (``streamlit run``) on a free local port twice — with the project's ``.streamlit/config.toml``
(no forced garbage collection after each run, no module watcher) and with Streamlit's defaults for those two
settings — and drives each with ``bench/streamlit_load_client.py``: simulated visitors who open the map and
change indicator and year through Streamlit's own WebSocket protocol (what AppTest skips). Prints one row per
configuration and number of visitors. Loopback only; every loop is bounded.

Usage: ``.venv/bin/python bench/bench_serving.py [--levels 1,5,10,20] [--steps 6]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from atlas.core.server import serving  # noqa: E402

CLIENT = Path(__file__).resolve().with_name("streamlit_load_client.py")
CONFIGS = {
    "atlas config (postScriptGC off, no watcher)": {},
    "Streamlit defaults (postScriptGC on, watcher on)": {
        "STREAMLIT_RUNNER_POST_SCRIPT_GC": "true",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "auto",
    },
}


def run(label: str, env_over: dict[str, str], levels: str, steps: int) -> list[dict]:
    with serving(env=env_over) as (server, base):
        port = int(base.rsplit(":", 1)[1])
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "load.json"
            subprocess.run(
                [
                    sys.executable,
                    str(CLIENT),
                    "--port",
                    str(port),
                    "--pid",
                    str(server.pid),
                    "--levels",
                    levels,
                    "--steps",
                    str(steps),
                    "--page",
                    "map",
                    "--query",
                    "lang=en",
                    "--indicators",
                    "immigrant_share,immigrant_stock,population",
                    "--app-root",
                    str(ROOT),
                    "--out",
                    str(out),
                ],
                cwd=ROOT,
                check=True,
                timeout=3600,
                stdout=subprocess.DEVNULL,
            )
            result = json.loads(out.read_text())
    rows = []
    for entry in result["levels"]:
        level = entry["summary"]
        rows.append(
            {
                "config": label,
                "visitors": level["n_users"],
                "p50": level["latency_ms"]["p50"],
                "p95": level["latency_ms"]["p95"],
                "per_s": level["throughput_interactions_per_s"],
                "rss_peak_mb": level["rss_kb"]["peak"] / 1024,
                "errors": level.get("errors", 0),
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,5,10,20")
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    print(f"{'configuration':52} {'visitors':>8} {'p50 ms':>8} {'p95 ms':>8} {'changes/s':>10} {'peak MB':>8} errors")
    for label, env_over in CONFIGS.items():
        for r in run(label, env_over, args.levels, args.steps):
            print(
                f"{r['config']:52} {r['visitors']!s:>8} {r['p50'] or 0:8.0f} {r['p95'] or 0:8.0f} "
                f"{r['per_s'] or 0:10.2f} {r['rss_peak_mb']:8.0f} {r['errors']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
