"""Import the heavy libraries once per server process, right after the first page is out.

The first page a visitor opens (usually the home page) is sent to the browser first;
then, still in that run, the libraries the other pages need are imported — mapclassify
(which pulls in SciPy and scikit-learn), Altair, the store and the indicator engine —
so that the map or the explorer, opened next, only has to compute. It runs in the
script's own thread, not a background one: two threads importing the same packages
at once can fail with Python's import-deadlock error. Nothing here touches Streamlit
state; an import error surfaces later, where the library is really used.
"""

from __future__ import annotations

import importlib
import threading

MODULES = ("mapclassify", "altair", "scipy.optimize", "etl.store", "indicators", "layers.choropleth")
_claimed = threading.Lock()
_done = threading.Event()


def run_once() -> bool:
    """Import ``MODULES`` unless another run already did (or is doing) it; True if this run did."""
    if _done.is_set() or not _claimed.acquire(blocking=False):
        return False
    try:
        for name in MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # reported by the page that needs it, with its own message
                continue
    finally:
        _done.set()
    return True
