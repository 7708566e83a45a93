"""The one data-version and cache-freshness check of the atlas.

``refresh_if_data_changed`` runs at the top of every script run. It first resolves the store
version this run reads (``etl.store.pin_run_version``: ``$ATLAS_STORE_VERSION``, else the one
``data/store/CURRENT`` names) and pins it for the run's thread, so every loader of the run reads
that one version even if a rebuild or a publish moves CURRENT meanwhile; the next run follows.
When the store, the published submissions or the geometry changed (a rebuild, a publish, a
withdrawal, a rollback), every cache is emptied so that no page keeps showing the old numbers.
``data_stamp`` is the same fingerprint for loaders that key their caches on it.

Streamlit runs each script run in a thread of its own (``ScriptRunner.scriptThread``); a fragment
rerun (``st.fragment``) does not run the top of the script, so it reads whatever version its
thread was pinned to, or CURRENT in a fresh thread (``pin_fragment_run`` pins it to the version
the session's last full run showed).
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


SESSION_VERSION_KEY = "_atlas_store_version"


def pin_run() -> str | None:
    """Pin this script run to one store version (resolved now) and remember it for the session's fragments.
    A ``$ATLAS_STORE_VERSION`` naming no kept version stops the page with a message saying which exist."""
    from etl.store import pin_run_version
    from etl.versions import VersionNotFoundError

    try:
        vid = pin_run_version()
    except VersionNotFoundError as err:
        st.error(f"This server is pinned to a data version it does not have: {err}")
        st.stop()
    st.session_state[SESSION_VERSION_KEY] = vid
    return vid


def pin_fragment_run() -> str | None:
    """For a fragment rerun: pin its thread to the version the session's last full run read."""
    from etl.versions import pin

    vid = st.session_state.get(SESSION_VERSION_KEY)
    pin(vid)
    return vid


def refresh_if_data_changed() -> bool:
    """Pin this run's store version, then empty every cache when the data changed since this process last
    looked; True if they did."""
    from etl.store import data_version, registry_dir
    from etl.submissions.registry import check_registry

    pin_run()
    version = data_version()
    seen = _seen_data_version()
    if seen["version"] == version:
        return False
    # New data, or this process's first run: settle a publish or withdraw killed half-way before the
    # caches are filled (the public files never hold more than the database calls published, so a
    # rerun with unchanged files has nothing to settle; a killed publish waits for the next open).
    notice = check_registry(registry_dir())  # never raises: public pages keep the last good published state
    seen["notice"] = notice
    pin_run()  # the recovery may have finished a publish: a new version to read
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
