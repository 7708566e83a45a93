"""The one data-version and cache-freshness check of the atlas.

``refresh_if_data_changed`` runs at the top of every script run: when the store, the published
submissions or the geometry changed (a rebuild, a publish, a withdrawal), every cache is
emptied so that no page keeps showing the old numbers. ``data_stamp`` is the same fingerprint
for loaders that key their caches on it.
"""

from __future__ import annotations

import streamlit as st


@st.cache_resource(show_spinner=False)
def _seen_data_version() -> dict[str, object]:
    """The data version this process's caches were filled from, and the registry's notice if it could not
    be opened (one holder per process)."""
    return {"version": "", "notice": None}


def data_stamp() -> str:
    """The fingerprint of the data every page reads (store, published submissions, geometry)."""
    from etl.store import data_version

    return data_version()


def refresh_if_data_changed() -> bool:
    """Empty every cache when the data changed since this process last looked; True if it did."""
    from etl.store import data_version, registry_dir
    from etl.submissions.registry import check_registry

    version = data_version()
    seen = _seen_data_version()
    if seen["version"] == version:
        return False
    # New data, or this process's first run: settle a publish or withdraw killed half-way before the
    # caches are filled (the public files never hold more than the database calls published, so a
    # rerun with unchanged files has nothing to settle; a killed publish waits for the next open).
    notice = check_registry(registry_dir())  # never raises: public pages keep the last good published state
    seen["notice"] = notice
    version = data_version()
    changed = bool(seen["version"])
    if changed:
        st.cache_data.clear()
        st.cache_resource.clear()
    seen["version"] = version
    return changed


def registry_notice():
    """The notice to show when the submission registry could not be opened (``None`` when all is well)."""
    return _seen_data_version()["notice"]
