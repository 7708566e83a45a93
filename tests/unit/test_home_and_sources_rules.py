"""Pure rules of the home page (short source names, the overview map's legend) and the coverage matrix kept on
disk once per data version (``atlas.sources.loaders``)."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.home.views import build_map_legend_html, build_overview_message, compute_short_source
from atlas.sources import loaders
from layers.legend import LegendEntry


@pytest.mark.parametrize(
    ("publisher", "short"),
    [
        ("United Nations, Department of Economic and Social Affairs, Population Division (UN DESA)", "UN DESA"),
        ("UNHCR, the UN Refugee Agency (Refugee Data Finder)", "UNHCR"),
        ("U.S. Customs and Border Protection (CBP)", "CBP"),
        ("International Organization for Migration (IOM), Missing Migrants Project", "IOM"),
        ("A long publisher name without any acronym", "A long publisher name without any acronym"),
        ("  INE  ", "INE"),
    ],
)
def test_short_source_names(publisher, short):
    assert compute_short_source(publisher) == short


def test_map_legend_names_every_class_and_no_data_and_escapes():
    entries = [
        LegendEntry("#ffffcc", 3, 0.0, 1.05),
        LegendEntry("#253494", 2, 1.05, 9.9),
        LegendEntry("#ccc", 0, no_data=True),
    ]
    out = build_map_legend_html(entries, "Share <b>", "Sin datos", "es", 1)
    assert "Share &lt;b&gt;" in out and "<b>" not in out
    assert out.count("<li>") == 3 and "0,0 – 1,1" in out and "1,1 – 9,9" in out and "Sin datos" in out
    assert 'aria-label="Leyenda del mapa"' in out


def test_the_overview_says_which_countries_host_the_highest_and_lowest_shares_in_the_language():
    values = {"HND": 0.387, "GTM": 0.486, "NIC": 0.642, "MEX": 1.053, "CRI": 10.344, "BLZ": 15.875}
    names = {"HND": "Honduras", "GTM": "Guatemala", "CRI": "Costa Rica", "BLZ": "Belice"}
    es = build_overview_message(values, names, "es", 1)
    assert es == (
        "Mayor proporción de inmigrantes en la red: Belice (15,9\u00a0%) y Costa Rica (10,3\u00a0%); "
        "menor: Honduras (0,4\u00a0%) y Guatemala (0,5\u00a0%)."
    )
    en = build_overview_message(values, names, "en", 1)
    assert "Belice (15.9%) and Costa Rica (10.3%)" in en and "lowest: Honduras (0.4%) and Guatemala (0.5%)" in en
    assert build_overview_message({"HND": 1.0, "GTM": 2.0, "BLZ": 3.0}, names, "en", 1) == ""  # too few to rank
    out = build_map_legend_html([], "Title", "No data", "en", 1, message="A <i>b</i> & c")
    assert '<p class="home-map-message">A &lt;i&gt;b&lt;/i&gt; &amp; c</p>' in out


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_matrix_is_computed_once_per_data_version_and_kept_on_disk(cache_dir, monkeypatch):
    calls = []
    frame = pd.DataFrame({"country": ["GTM"], "year": [2020], "status": ["exists"], "link": ["/map?lang=es"]})
    monkeypatch.setattr(loaders, "compute_matrix", lambda: calls.append(1) or frame)
    key = loaders.matrix_key("stamp-1")
    assert len(key) == 16 and key == loaders.matrix_key("stamp-1") and key != loaders.matrix_key("stamp-2")
    pd.testing.assert_frame_equal(loaders.load_matrix(key), frame)
    pd.testing.assert_frame_equal(loaders.load_matrix(key), frame)  # a new process reads it back
    assert calls == [1] and loaders.matrix_file(key).is_file()
    other = loaders.matrix_key("stamp-2")
    loaders.load_matrix(other)  # a new data version: computed again, the old file removed
    assert calls == [1, 1] and [p.name for p in cache_dir.iterdir()] == [loaders.matrix_file(other).name]
    assert loaders.clear_matrix_files() == 1 and not list(cache_dir.iterdir())


def test_a_damaged_or_unwritable_cache_still_gives_the_matrix(cache_dir, monkeypatch):
    frame = pd.DataFrame({"year": [2020]})
    monkeypatch.setattr(loaders, "compute_matrix", lambda: frame)
    key = loaders.matrix_key("s")
    cache_dir.mkdir()
    loaders.matrix_file(key).write_bytes(b"not parquet")
    pd.testing.assert_frame_equal(loaders.load_matrix(key), frame)
    pd.testing.assert_frame_equal(pd.read_parquet(loaders.matrix_file(key)), frame)  # replaced
    blocker = cache_dir.parent / "file"
    blocker.write_text("x")
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    pd.testing.assert_frame_equal(loaders.load_matrix(key), frame)
