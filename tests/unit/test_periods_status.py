"""Period rules (issue 12): completeness from the reporting span, mid-year and projection flags, US fiscal
years, order and labels (``etl.periods``), and the default period of every indicator and flow view."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.periods import (
    PeriodStatus,
    build_period_status,
    choose_default_period,
    compute_covered_months,
    compute_expected_months,
    compute_label_bounds,
    fiscal_year_label,
    sort_periods,
)

D = dt.date


@pytest.mark.parametrize(
    "label,first,last",
    [
        ("FY2023", D(2022, 10, 1), D(2023, 9, 30)),
        ("2023", D(2023, 1, 1), D(2023, 12, 31)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2015-2019", D(2015, 1, 1), D(2019, 12, 31)),
    ],
)
def test_label_bounds(label, first, last):
    assert compute_label_bounds(label) == (first, last)


def test_unknown_label_says_how_to_write_it():
    with pytest.raises(ValueError, match="FY2023"):
        compute_label_bounds("twenty")


def test_sort_periods_puts_fiscal_years_at_their_first_day():
    assert sort_periods(["2024", "FY2024", "2015-2019", "FY2023", "2023"]) == [
        "2015-2019",
        "FY2023",
        "2023",
        "FY2024",
        "2024",
    ]
    assert fiscal_year_label(2023) == "FY2023"


def test_covered_months_count_the_span_not_the_rows():
    darien = (D(2020, 1, 1), D(2025, 4, 1))  # monthly from January 2020 to April 2025
    assert compute_covered_months("2020", *darien) == 12  # April-June 2020 had no crossings: not missing
    assert compute_covered_months("2025", *darien) == 4
    cbp = (D(2017, 10, 1), D(2025, 5, 1))
    assert compute_covered_months("FY2025", *cbp) == 8
    assert compute_covered_months("FY2018", *cbp) == 12
    assert compute_expected_months("2015-2019") == 60


@pytest.mark.parametrize(
    "kwargs,status,text_en",
    [
        ({"spans": [(D(2020, 1, 1), D(2025, 4, 1))]}, "partial", "partial: 4 of 12 months"),
        ({"flags": ["mid_year"]}, "mid_year", "mid-year figures, not end-of-year"),
        ({"projection": True}, "projection", "projection"),
        ({}, "complete", "complete"),
    ],
)
def test_build_period_status(kwargs, status, text_en):
    s = build_period_status("2025", **kwargs)
    assert s.status == status and s.text("en") == text_en and s.text("es")


def test_status_text_is_bilingual_and_checks_the_language():
    s = build_period_status("2025", spans=[(D(2020, 1, 1), D(2025, 4, 1))])
    assert s.text("es") == "parcial: 4 de 12 meses"
    with pytest.raises(ValueError):
        s.text("fr")
    with pytest.raises(ValueError, match="mid_year"):
        build_period_status("2025", flags=["half"])


def test_default_is_the_latest_complete_period():
    statuses = [
        PeriodStatus("2023", "complete"),
        PeriodStatus("2024", "complete"),
        PeriodStatus("2025", "mid_year"),
        PeriodStatus("2030", "projection"),
    ]
    assert choose_default_period(statuses) == "2024"
    assert choose_default_period([PeriodStatus("2025", "partial"), PeriodStatus("2030", "projection")]) == "2025"
    assert choose_default_period([PeriodStatus("2030", "projection")]) == "2030"
    assert choose_default_period([]) is None


# --- the store: every indicator and every flow view ------------------------------------------------

from tests.store_fixture import built_store  # noqa: E402,F401  (fixture)


@pytest.fixture(scope="module")
def reports(built_store):
    from indicators import load_catalogue
    from indicators.periods import indicator_period_status

    cat = load_catalogue()
    return {(i, lv): indicator_period_status(i, lv) for i, ind in cat.indicators.items() for lv in ind.levels}


@pytest.fixture(scope="module")
def flow_reports(built_store):
    from indicators.flows import load_flow_views
    from indicators.periods import flow_period_status

    return {v: flow_period_status(v) for v in load_flow_views()}


EXPECTED_DEFAULTS = {
    ("immigrant_stock", "country"): "2024",
    ("emigrant_stock", "country"): "2024",
    ("net_migration_rate", "country"): "2023",
    ("population", "country"): "2023",
    ("protection_hosted", "country"): "2024",
    ("protection_origin", "country"): "2024",
    ("refugees_hosted", "country"): "2024",
    ("asylum_seekers_hosted", "country"): "2024",
    ("oip_hosted", "country"): "2024",
    ("asylum_applications", "country"): "2024",
    ("cbp_encounters", "country"): "FY2024",
    ("cbp_encounters_rate", "country"): "FY2024",
    ("darien_transit", "country"): "2024",
    ("returned_nationals", "country"): "2024",
    ("deportations_from_mexico", "country"): "2024",
    ("dead_missing", "country"): "2024",
    ("dead_missing", "admin1"): "2024",
}


def test_every_indicator_opens_on_a_complete_period(reports):
    for key, report in reports.items():
        assert report.default is not None, key
        status = report.status(report.default)
        # complete, or (when nothing is complete) at least not a projection
        complete = [s for s in report.statuses if s.complete]
        assert status.complete or not complete, (key, report.default, status)


@pytest.mark.parametrize("key,default", sorted(EXPECTED_DEFAULTS.items()))
def test_default_periods(reports, key, default):
    assert reports[key].default == default


def test_unhcr_2025_is_mid_year_not_end_of_year(reports):
    status = reports[("protection_hosted", "country")].status("2025")
    assert status.status == "mid_year" and "mitad de año" in status.text("es")
    assert reports[("protection_hosted", "country")].notice("2025", "en").startswith("Period 2025: mid-year")


def test_count_and_rate_of_a_series_open_on_the_same_period(reports):
    assert reports[("cbp_encounters", "country")].default == reports[("cbp_encounters_rate", "country")].default
    assert reports[("cbp_encounters", "country")].status("FY2025").months == 8


def test_darien_2020_is_complete_and_2025_partial(reports, flow_reports):
    for report in (reports[("darien_transit", "country")], flow_reports["darien_transit"]):
        assert report.status("2020").complete
        assert report.status("2025").status == "partial" and report.status("2025").months == 4


FLOW_DEFAULTS = {
    "undesa_ims2024": "2024",
    "unhcr_refugees": "2024",
    "unhcr_asylum_applications": "2024",
    "cbp_encounters": "FY2024",
    "darien_transit": "2024",
    "honduras_arrivals": "2024",
    "mexico_presented": "2024",
    "mexico_deportations": "2024",
    "guatemala_returns": "2024",
}


@pytest.mark.parametrize("view,default", sorted(FLOW_DEFAULTS.items()))
def test_flow_default_periods(flow_reports, view, default):
    assert flow_reports[view].default == default


def test_every_flow_view_opens_on_a_complete_period(flow_reports):
    for view, report in flow_reports.items():
        assert report.status(report.default).complete, view
        assert list(report.frame().columns) == [
            "period",
            "status",
            "complete",
            "months",
            "months_expected",
            "text_es",
            "text_en",
        ]


def test_compute_marks_every_row_with_its_period_status(built_store):
    import indicators

    frame = indicators.compute("darien_transit", "country")
    status = frame.drop_duplicates("period").set_index("period")["period_status"]
    assert status["2020"] == "complete" and status["2025"] == "partial"
    from indicators.engine import compute_default_period

    assert compute_default_period(indicators.compute("protection_hosted", "country")) == "2024"


def test_fiscal_year_labels_are_derived_in_one_place():
    from etl.periods import compute_fiscal_year_labels, us_fiscal_year

    dates = pd.Series(pd.to_datetime(["2022-09-30", "2022-10-01", "2023-09-01", "2023-10-31"]))
    assert compute_fiscal_year_labels(dates).tolist() == ["FY2022", "FY2023", "FY2023", "FY2024"]
    assert [f"FY{us_fiscal_year(d.date())}" for d in dates] == compute_fiscal_year_labels(dates).tolist()
