"""Totals over partial pairs (issue 12): UN DESA and UNHCR were vendored as the pairs touching the Americas
or Spain, so Germany's "immigrants" (319,400) are not its total (16.75 million). Such totals carry a
coverage flag and a bilingual caveat in indicators.compute, flow place totals and the cross-tab engine."""

from __future__ import annotations

import pandas as pd
import pytest

from common.text import Bilingual
from etl import store
from etl.pair_scope import (
    PARTIAL,
    PairScope,
    compute_total_coverage,
    is_partial_cell,
    load_pair_scopes,
    load_scope_codes,
)
from tests.store_fixture import built_store  # noqa: F401  (fixture)

SCOPE = {
    "ims": PairScope(
        "ims", frozenset({"MEX", "USA", "ESP", "MX-CMX"}), Bilingual("solo pares americanos", "American pairs only")
    )
}


def test_scope_codes_are_the_americas_and_spain():
    codes = load_scope_codes("americas_esp", {"MX-CMX": "MEX", "DE-BY": "DEU"})
    assert {"MEX", "USA", "CAN", "BRA", "HTI", "ESP", "MX-CMX"} <= codes
    assert not {"DEU", "FRA", "CHN", "DE-BY"} & codes
    assert len(load_scope_codes("americas_esp")) == 59  # 58 M49 Americas codes + ESP
    with pytest.raises(ValueError, match="americas_esp"):
        load_scope_codes("world")


def test_total_coverage_flags_territories_outside_the_scope():
    frame = pd.DataFrame({"geo_code": ["MEX", "DEU", "DEU"], "dataset_id": ["ims", "ims;wb", "wb"]})
    out = compute_total_coverage(frame, SCOPE)
    assert out["coverage"].tolist() == ["complete", PARTIAL, "complete"]
    assert out["coverage_note_en"].tolist() == ["", "American pairs only", ""]
    assert out["coverage_note_es"].iloc[1] == "solo pares americanos"


@pytest.mark.parametrize(
    "ref,partner,partial",
    [
        ("DEU", None, True),
        ("MEX", None, False),
        (None, "DEU", True),
        (None, "MEX", False),
        ("DEU", "CHN", False),
        (None, None, True),
    ],
)
def test_cross_tab_cells(ref, partner, partial):
    assert is_partial_cell(ref, partner, "ims", SCOPE) is partial
    assert is_partial_cell(ref, partner, "other", SCOPE) is False


def test_store_keeps_the_scopes(built_store):
    with store.connect(built_store) as con:
        scopes = load_pair_scopes(con)
    assert {"undesa_ims2024", "undesa_ims2020", "unhcr_population"} <= set(scopes)
    assert "MEX" in scopes["undesa_ims2024"].codes and "DEU" not in scopes["undesa_ims2024"].codes


def test_indicator_germany_immigrants_are_flagged(built_store):
    import indicators

    frame = indicators.compute("immigrant_stock", "country", "2024")
    deu = frame.set_index("geo_code").loc["DEU"]
    assert deu["value"] == pytest.approx(319_400)
    assert deu["coverage"] == PARTIAL and "Germany" in deu["coverage_note_en"] and deu["coverage_note_es"]
    assert frame.set_index("geo_code").loc["MEX", "coverage"] == "complete"
    hosted = indicators.compute("refugees_hosted", "country", "2024").set_index("geo_code")
    assert hosted.loc["DEU", "coverage"] == PARTIAL and hosted.loc["CRI", "coverage"] == "complete"


def test_flow_place_totals_are_flagged(built_store):
    from indicators import flows

    view = flows.load_flow_views()["undesa_ims2024"]
    with store.connect(built_store) as con:
        obs = flows.load_flow_observations(view, con)
        scopes = load_pair_scopes(con)
    totals = flows.compute_place_totals(flows.compute_flows(obs, view, "2024", "_T"))
    out = flows.compute_place_total_coverage(totals, view, scopes).set_index("place")
    assert out.loc["DEU", "coverage"] == PARTIAL and out.loc["MEX", "coverage"] == "complete"


def test_cross_tab_marks_germany_and_says_why(built_store):
    from etl.crosstab import build_spec, run_crosstab
    from etl.crosstab.export import build_notes

    spec = build_spec(
        ["migrant_stock"],
        ["ref_area"],
        [],
        {"dataset": ["undesa_ims2024"], "time_period": ["2024"], "ref_area": ["DEU", "MEX"]},
        granularity="period",
    )
    with store.connect(built_store) as con:
        result = run_crosstab(con, spec)
    flags = result.tidy.set_index("ref_area")["flags"]
    assert "c" in flags["DEU"] and "c" not in flags["MEX"]
    assert any("Germany" in n for n in build_notes(result, "en"))
    assert any("Alemania" in n for n in build_notes(result, "es"))


def test_downloads_carry_the_coverage_flag_and_period_status():
    import geopandas as gpd
    from shapely.geometry import Point

    from layers.exports import build_export_frame

    values = pd.DataFrame(
        {
            "geo_code": ["DEU", "MEX"],
            "indicator_id": "immigrant_stock",
            "period": "2024",
            "value": [319_400.0, 1_726_089.0],
            "unit": "persons",
            "obs_status": "A",
            "months": 12.0,
            "dataset_id": "ims",
            "title_en": "t",
            "publisher": "p",
            "licence": "l",
            "licence_url": "u",
            "attribution": "a",
            "retrieved": "r",
            "revision": "v",
            "period_status": ["complete", "mid_year"],
        }
    )
    values = compute_total_coverage(values, SCOPE)
    geometry = gpd.GeoDataFrame(
        {"geo_code": ["DEU", "MEX"], "name_en": ["Germany", "Mexico"]},
        geometry=[Point(10, 51), Point(-102, 23)],
        crs=4326,
    )
    out = build_export_frame(values, geometry, "en", "Immigrants", "persons").set_index("geo_code")
    assert out.loc["DEU", "coverage"] == PARTIAL and out.loc["DEU", "coverage_note"] == "American pairs only"
    assert out.loc["MEX", "coverage"] == "complete" and out.loc["MEX", "period_status"] == "mid_year"
