"""The API service under load: requests per second and p50/p95 latency, 1 and 20 concurrent clients.

Budget (/work/shared/DESIGN.md): an API data query, p95 under 200 ms with 20 concurrent clients.

Starts ``python -m api`` on a free loopback port (rate limit off, kept versions in a
temporary directory, the built store and the machine's registry), warms each query once,
then for each scenario sends a bounded number of requests from 1 and from 20 client
threads (each with its own HTTP connection) and prints what it measured:

* typical data query: UN DESA 2024 stock, one origin–destination pair, SDMX-ML generic (16 observations);
* typical data query in SDMX-JSON, and an indicator from the JSON API (one country, one year);
* large data query: CBP south-west encounters, two fiscal years, SDMX-CSV and SDMX-ML generic;
* structure query: a data structure with its codelists and concepts (``references=all``).

Prints figures; asserts nothing. ``--workers N`` runs uvicorn with N processes; ``--cache`` keeps the
response cache on (off by default, so that every request computes its answer; indicator frames
stay cached per process either way).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [  # (name, path, requests with 1 client, requests with 20 clients)
    ("typical data, SDMX-ML generic", "/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....", 100, 400),
    (
        "typical data, SDMX-JSON",
        "/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?format=jsondata",
        100,
        400,
    ),
    ("indicator, JSON API", "/api/v1/indicators/immigrant_share?level=country&period=2024&country=GTM", 50, 200),
    (
        "large data, SDMX-CSV (10k obs)",
        "/sdmx/v2.1/data/CBP_SOUTHWEST_ENCOUNTERS?startPeriod=2022-10&endPeriod=2024-09&format=csvdata",
        10,
        40,
    ),
    (
        "large data, SDMX-ML generic (10k obs)",
        "/sdmx/v2.1/data/CBP_SOUTHWEST_ENCOUNTERS?startPeriod=2022-10&endPeriod=2024-09",
        5,
        20,
    ),
    ("structure, DSD + codelists", "/sdmx/v2.1/datastructure/PVIGM/DSD_UNDESA_IMS2024/1.0?references=all", 100, 400),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, versions: str, cache: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "ATLAS_API_RATE_LIMIT": "0",
        "ATLAS_API_VERSIONS": versions,
        "ATLAS_API_RESPONSE_CACHE_MB": "64" if cache else "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port), "--workers", str(workers)], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the API server did not start (see its output above)")


def run(base: str, path: str, clients: int, total: int) -> dict:
    """``total`` requests from ``clients`` threads; latency of each, wall time of all."""
    latencies: list[float] = []
    errors = [0]
    sizes = [0]
    lock = threading.Lock()
    local = threading.local()

    def one(_: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        t0 = time.perf_counter()
        r = session.get(base + path, timeout=120)
        elapsed = time.perf_counter() - t0
        with lock:
            latencies.append(elapsed)
            sizes[0] = len(r.content)
            if r.status_code != 200:
                errors[0] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(total)))
    wall = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return {
        "rps": total / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": p95 * 1000,
        "errors": errors[0],
        "bytes": sizes[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument(
        "--cache",
        action="store_true",
        help="keep the response cache on (default off: every request computes its answer)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as versions:
        proc, base = start_server(args.workers, versions, args.cache)
        try:
            print(
                f"API service at {base}, {args.workers} worker(s), response cache {'on' if args.cache else 'off'}, "
                f"{os.cpu_count()} CPU cores; "
                f"data version {requests.get(base + '/health').json()['data_version']}"
            )
            print(
                f"{'scenario':42} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
                f"{'errors':>6} {'bytes':>9}"
            )
            for name, path, n1, n20 in SCENARIOS:
                requests.get(base + path, timeout=120)  # warm: version copy opened, structures built
                for clients, total in ((1, n1), (20, n20)):
                    f = run(base, path, clients, total)
                    print(
                        f"{name:42} {clients:>7} {total:>8} {f['rps']:>8.1f} {f['p50']:>8.1f} {f['p95']:>8.1f} "
                        f"{f['errors']:>6} {f['bytes']:>9,}"
                    )
            print("budget: an API data query, p95 < 200 ms with 20 concurrent clients (typical data query rows)")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
