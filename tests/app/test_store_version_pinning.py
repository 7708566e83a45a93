"""A page run reads one store version from start to end: a version swapped in mid-run (a rebuild, a rollback) shows
on the next run, with the caches emptied, never half-way through a page (issue 17). The script is a minimal page:
the real freshness check at its top, the real cached loader of the data version stamp every page cites."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from etl import versions
from tests.unit.test_store_versions import make_store


def page() -> None:
    import streamlit as st

    from atlas.core.freshness import refresh_if_data_changed
    from atlas.core.loaders import citable_data_version
    from etl import store, versions
    from etl.crosstab.version import load_data_version

    refresh_if_data_changed()
    st.markdown(f"before: {citable_data_version()}")
    swap = st.session_state.pop("swap_to", None)
    if swap:  # CURRENT moves while this run is drawing the page
        versions.set_current(swap)
    with store.connect() as con:
        st.markdown(f"after: {load_data_version(con)}")


@pytest.fixture
def two_versions(tmp_path, monkeypatch):
    for name in ("ATLAS_STORE", "ATLAS_STORE_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATLAS_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    ids = []
    for minute, label in ((15, "first"), (16, "second")):
        built = make_store(tmp_path / f"{label}.duckdb", f"{label}-build")
        when = dt.datetime(2026, 12, 6, 7, minute, tzinfo=dt.UTC)
        ids.append(versions.add_build_version(built, {}, tmp_path / "registry" / "published", built_at=when))
    versions.set_current(ids[0])
    return ids


def shown(at: AppTest) -> list[str]:
    assert not at.exception
    return [m.value.split(": ", 1)[1].split(" · ")[0] for m in at.markdown]


def test_a_run_started_before_a_swap_shows_the_old_version_and_the_next_run_the_new(two_versions):
    first, second = two_versions
    at = AppTest.from_function(page, default_timeout=300)
    at.run()
    assert shown(at) == ["first-build", "first-build"]
    at.session_state["swap_to"] = second
    at.run()
    assert shown(at) == ["first-build", "first-build"]  # the whole run stays on the version it started with
    assert versions.read_current() == second
    at.run()
    assert shown(at) == ["second-build", "second-build"]  # the next run switched, its cached stamp too
