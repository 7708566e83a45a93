"""Warm a just-started atlas server before its first visitor (``make run`` calls this).

Waits for ``/_stcore/health``, then asks once for ``/_stcore/script-health-check``
(the server must run with ``--server.scriptHealthCheckEnabled true``): the server runs
the app once in its own process, which imports the libraries and fills the caches that
every later visitor shares, so the first real page load only computes. It talks only to
that local server (127.0.0.1, the loopback interface): nothing is fetched from the network.
Uses only the standard library; a failure is reported and never stops the server.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request


def wait_for(url: str, seconds: float) -> bool:
    """Poll ``url`` until it answers 200 or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atlas.core.prewarm", description=__doc__)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}/_stcore"
    if not wait_for(f"{base}/health", args.timeout):
        print(f"atlas: the server on port {args.port} did not answer; not pre-warmed", file=sys.stderr)
        return 1
    started = time.perf_counter()
    if not wait_for(f"{base}/script-health-check", args.timeout):
        print("atlas: the app's warm-up run did not succeed; check the server log", file=sys.stderr)
        return 1
    print(f"atlas: warmed up in {time.perf_counter() - started:.1f} s — http://localhost:{args.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
