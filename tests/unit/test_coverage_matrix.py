"""The coverage matrix (issue 12): country x level x theme x year, status exists / partial / missing, the view
each filled cell opens and the submission page for each empty one. Pure builder, synthetic frames."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from indicators.catalogue import build_catalogue
from indicators.coverage import (
    build_coverage_matrix,
    build_coverage_pivot,
    build_submit_link,
    build_view_link,
    label_matrix,
)

RAW = {
    "themes": {"stocks": {"es": "Stocks", "en": "Stocks"}, "irregular": {"es": "Irregular", "en": "Irregular"}},
    "indicators": {
        ind: {
            "theme": theme,
            "name": {"es": ind, "en": ind},
            "definition": {"es": "d", "en": "d"},
            "comparability": {"es": "c", "en": "c"},
            "unit": {"code": "persons", "es": "p", "en": "p"},
            "levels": {
                "country": {"method": "sum", "numerator": {"measure": "m", "datasets": "ds"}},
                "admin1": {"method": "sum", "numerator": {"measure": "m", "datasets": "ds"}},
            },
        }
        for ind, theme in (("stock", "stocks"), ("transit", "irregular"))
    },
}
CAT = build_catalogue(RAW)
PARENTS = {"GT-01": "GTM", "GT-02": "GTM", "SV-AH": "SLV"}
UNITS = {"GTM": 2, "SLV": 1}


def frame(*rows):
    return pd.DataFrame(rows, columns=["geo_code", "period", "value", "period_status", "coverage"])


def matrix(frames, years=(2023, 2024, 2025)):
    return build_coverage_matrix(frames, CAT, ["GTM", "SLV"], PARENTS, UNITS, years, "en").set_index(
        ["country", "level", "theme", "year"]
    )


def test_exists_partial_and_missing():
    frames = {
        ("stock", "country"): frame(
            ("GTM", "2024", 10.0, "complete", "complete"),
            ("GTM", "2025", 11.0, "mid_year", "complete"),
            ("SLV", "2024", None, "complete", "complete"),
        ),  # a missing value is not data
        ("transit", "country"): frame(("SLV", "2024", 0.0, "complete", "complete")),  # a true zero is data
    }
    m = matrix(frames)
    assert m.loc[("GTM", "country", "stocks", 2024), "status"] == "exists"
    assert m.loc[("GTM", "country", "stocks", 2025), "status"] == "partial"
    assert m.loc[("GTM", "country", "stocks", 2025), "reason_en"].startswith("Only partial, mid-year")
    assert m.loc[("SLV", "country", "stocks", 2024), "status"] == "missing"
    assert m.loc[("SLV", "country", "irregular", 2024), "status"] == "exists"
    assert m.loc[("GTM", "country", "stocks", 2023), "status"] == "missing"
    assert len(m) == 2 * 2 * 2 * 3  # every country x level x theme x year, gaps included


def test_admin1_needs_every_unit_for_exists():
    frames = {
        ("stock", "admin1"): frame(
            ("GT-01", "2024", 5.0, "complete", "complete"),
            ("SV-AH", "2024", 3.0, "complete", "complete"),
            ("GT-01", "2023", 5.0, "complete", "complete"),
            ("GT-02", "2023", 1.0, "complete", "complete"),
        )
    }
    m = matrix(frames)
    assert m.loc[("GTM", "admin1", "stocks", 2024), "status"] == "partial"
    assert m.loc[("GTM", "admin1", "stocks", 2024), "units_with_data"] == 1
    assert m.loc[("GTM", "admin1", "stocks", 2024), "units"] == 2
    assert m.loc[("GTM", "admin1", "stocks", 2023), "status"] == "exists"
    assert m.loc[("SLV", "admin1", "stocks", 2024), "status"] == "exists"


def test_totals_over_incomplete_pairs_are_partial():
    frames = {("stock", "country"): frame(("GTM", "2024", 10.0, "complete", "partial_pairs"))}
    cell = matrix(frames).loc[("GTM", "country", "stocks", 2024)]
    assert cell["status"] == "partial" and "pairs" in cell["reason_en"]


def test_fiscal_years_count_in_the_year_they_are_named_five_year_periods_in_their_first():
    frames = {
        ("transit", "country"): frame(
            ("GTM", "FY2024", 10.0, "complete", "complete"), ("SLV", "2020-2024", 3.0, "complete", "complete")
        )
    }
    m = matrix(frames, years=(2020, 2023, 2024))
    assert m.loc[("GTM", "country", "irregular", 2024), "periods"] == "FY2024"
    assert m.loc[("GTM", "country", "irregular", 2023), "status"] == "missing"
    assert m.loc[("SLV", "country", "irregular", 2020), "status"] == "exists"


def test_links_open_the_view_or_the_submission_page():
    frames = {("stock", "admin1"): frame(("SV-AH", "2024", 3.0, "complete", "complete"))}
    m = matrix(frames)
    link = urlparse(m.loc[("SLV", "admin1", "stocks", 2024), "link"])
    assert link.path == "/map"
    assert parse_qs(link.query) == {
        "indicator": ["stock"],
        "level": ["admin1"],
        "year": ["2024"],
        "lang": ["en"],
        "country": ["SLV"],
    }
    assert m.loc[("GTM", "admin1", "stocks", 2024), "link"] == build_submit_link("GTM", "en")
    assert "sel=MEX" in build_view_link("x", "country", "MEX", "2024")


def test_empty_input_is_all_missing_and_pivot_and_labels_work():
    m = build_coverage_matrix({}, CAT, ["GTM"], PARENTS, UNITS, [2024], "es")
    assert set(m["status"]) == {"missing"} and len(m) == 4
    pivot = build_coverage_pivot(m, "country")
    assert pivot.loc[("GTM", "stocks"), 2024] == "missing"
    labelled = label_matrix(m, CAT, {"GTM": {"es": "Guatemala", "en": "Guatemala"}}, "es")
    assert labelled["status_text"].eq("falta").all() and labelled["country_name"].eq("Guatemala").all()
    assert "theme_name" in labelled and "reason" in labelled


@pytest.mark.parametrize("bad", [[], ["GTM"]])
def test_unknown_theme_indicator_raises(bad):
    frames = {("nope", "country"): frame(("GTM", "2024", 1.0, "complete", "complete"))}
    with pytest.raises(Exception, match="nope"):
        build_coverage_matrix(frames, CAT, bad or ["SLV"], PARENTS, UNITS, [2024])


def test_the_store_matrix_shows_the_new_admin1_sources_and_the_gaps():
    from etl import store
    from indicators.coverage import load_coverage_matrix
    from tests.store_fixture import built_store  # noqa: F401

    if not store.store_path().exists():
        pytest.skip("no built store: run python -m etl build")
    m = load_coverage_matrix([2018, 2023, 2024, 2025], "en").set_index(["country", "level", "theme", "year"])
    assert m.loc[("GTM", "admin1", "household_emigration", 2018), "status"] == "exists"
    assert m.loc[("SLV", "admin1", "household_emigration", 2024), "status"] == "exists"
    assert m.loc[("HND", "admin1", "household_emigration", 2023), "status"] == "exists"
    assert m.loc[("BLZ", "admin1", "household_emigration", 2024), "status"] == "missing"
    assert m.loc[("MEX", "country", "protection", 2025), "status"] == "partial"  # UNHCR 2025 is mid-year
    assert m.loc[("GTM", "country", "irregular", 2025), "status"] == "partial"  # CBP FY2025: 8 of 12 months
    assert m.loc[("GTM", "country", "irregular", 2024), "status"] == "exists"
    assert m.loc[("SUR", "country", "irregular", 2024), "status"] == "missing"
    assert m.loc[("PAN", "country", "irregular", 2024), "status"] == "exists"  # Panama reports Darién
    assert m.loc[("PAN", "country", "irregular", 2025), "status"] == "partial"  # 4 of 12 months
    assert m.loc[("MEX", "country", "returns", 2024), "status"] == "exists"  # Mexico reports deportations


def test_reporter_rows_count_for_the_reporting_country():
    from indicators.coverage import compute_reporter_rows

    numerator = pd.DataFrame({"ref_area": ["PAN", "PAN", "PAN"], "value": [5.0, None, 2.0]})
    labels = pd.Series(["2024", "2025", "2025"])
    frame = pd.DataFrame(
        {
            "geo_code": ["VEN", "VEN"],
            "period": ["2024", "2025"],
            "value": [5.0, 2.0],
            "period_status": ["complete", "partial"],
        }
    )
    rows = compute_reporter_rows(numerator, labels, frame).set_index("period")
    assert rows.loc["2024", "geo_code"] == "PAN" and rows.loc["2024", "period_status"] == "complete"
    assert rows.loc["2025", "period_status"] == "partial"
    frames = {("transit", "country"): rows.reset_index()[["geo_code", "period", "value", "period_status", "coverage"]]}
    m = build_coverage_matrix(frames, CAT, ["PAN"], PARENTS, UNITS, [2024, 2025], "en").set_index(
        ["country", "level", "theme", "year"]
    )
    assert m.loc[("PAN", "country", "irregular", 2024), "status"] == "exists"
    assert m.loc[("PAN", "country", "irregular", 2025), "status"] == "partial"
