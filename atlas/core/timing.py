"""Server time per script run, logged for the benchmarks (``bench/bench_first_load.py``).

Off unless ``ATLAS_TIMING_LOG`` names a file; then every run appends one line:
``<page url path> <milliseconds>``. Nothing is shown to users.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = logging.getLogger("atlas.timing")


def _configure() -> bool:
    path = os.environ.get("ATLAS_TIMING_LOG")
    if not path:
        return False
    if not LOGGER.handlers:
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    return True


@contextmanager
def timed_run(page: object, started: float | None = None) -> Iterator[None]:
    """Log how long the run of ``page`` (an ``st.Page``) took since ``started`` (the start of the
    entry script), including stops and reruns."""
    if not _configure():
        yield
        return
    started = started if started is not None else time.perf_counter()
    try:
        yield
    finally:
        LOGGER.info("%s %.1f", getattr(page, "url_path", "") or "home", (time.perf_counter() - started) * 1000)
