"""Flow computation on small synthetic observation frames (SYNTHETIC numbers, not real data)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from common.text import Bilingual
from indicators.flows import (
    FlowView,
    FlowViewError,
    build_flow_views,
    compute_drawable,
    compute_flows,
    compute_focus,
    compute_period_coverage,
    compute_periods,
    compute_place_totals,
    compute_selection,
    compute_sex,
    compute_summary,
    select_totals,
)

PLACES = {"VEN", "COL", "PAN", "CRI", "USA", "MEX", "GTM", "PA-5"}


def obs_row(ref, cp, value, period="2020", freq="A", sex="_T", age="_T", unit="persons", status="A", **dims):
    """One SYNTHETIC observation row in the store's shape."""
    if freq == "M":
        start = pd.Timestamp(f"{period}-01")
        end = start + pd.offsets.MonthEnd(0)
    else:
        start, end = pd.Timestamp(f"{period}-01-01"), pd.Timestamp(f"{period}-12-31")
    row = {
        "dataset_id": "synthetic",
        "measure": "m",
        "ref_area": ref,
        "counterpart_area": cp,
        "time_period": period,
        "freq": freq,
        "time_start": start,
        "time_end": end,
        "sex": sex,
        "age": age,
        "dim_1": None,
        "dim_2": None,
        "dim_3": None,
        "dim_4": None,
        "dim_5": None,
        "value": value,
        "unit": unit,
        "obs_status": status,
    }
    row.update(dims)
    return row


def frame(*rows):
    return pd.DataFrame(list(rows))


VIEW_IN = FlowView("v", "synthetic", "m", "inbound", Bilingual("v", "v"), "stock", steps=("year",))
VIEW_OUT = FlowView("d", "synthetic", "m", "outbound", Bilingual("d", "d"), "flow", steps=("year", "month"))
VIEW_FY = FlowView(
    "f", "synthetic", "m", "inbound", Bilingual("f", "f"), "flow", steps=("year", "month"), year_basis="us_fiscal"
)


def test_inbound_flows_go_from_counterpart_to_reporter_and_sum_parts():
    obs = frame(
        obs_row("COL", "VEN", 100.0),
        obs_row("COL", "VEN", 50.0, age="Y0T14"),
        obs_row("PAN", "VEN", 7.0),
        obs_row("COL", "VEN", 999.0, period="2019"),
    )
    flows = compute_flows(obs, VIEW_IN, "2020", "_T")
    assert list(zip(flows.origin, flows.destination, flows.value)) == [("VEN", "COL", 100.0), ("VEN", "PAN", 7.0)]
    assert set(flows.period) == {"2020"} and set(flows.reporter) == {"COL", "PAN"}


def test_outbound_flows_go_from_reporter_to_counterpart():
    obs = frame(obs_row("MEX", "GTM", 30.0), obs_row("MEX", "HND", 20.0))
    flows = compute_flows(obs, VIEW_OUT, "2020", "_T")
    assert list(zip(flows.origin, flows.destination)) == [("MEX", "GTM"), ("MEX", "HND")]


def test_months_add_up_to_calendar_years_and_to_us_fiscal_years():
    rows = [
        obs_row("USA", "GTM", float(i), period=f"{y}-{m:02d}", freq="M")
        for i, (y, m) in enumerate([(2022, 9), (2022, 10), (2023, 3), (2023, 9), (2023, 10)], start=1)
    ]
    obs = frame(*rows)
    cal = compute_flows(obs, FlowView("c", "s", "m", "inbound", Bilingual("c", "c"), "flow"), "2023", "_T")
    assert cal.value.tolist() == [3.0 + 4.0 + 5.0]
    fy = compute_flows(obs, VIEW_FY, "FY2023", "_T")
    assert fy.value.tolist() == [2.0 + 3.0 + 4.0]
    assert compute_periods(obs, "year", "us_fiscal") == ["FY2022", "FY2023", "FY2024"]
    month = compute_flows(obs, VIEW_FY, "2023-03", "_T", step="month")
    assert month.value.tolist() == [3.0]


def test_annual_rows_of_a_year_are_never_added_to_its_months():
    obs = frame(obs_row("PAN", "VEN", 1000.0, period="2019"), obs_row("PAN", "VEN", 10.0, period="2019-05", freq="M"))
    assert compute_flows(
        obs, VIEW_OUT.__class__("x", "s", "m", "inbound", Bilingual("x", "x"), "flow"), "2019", "_T"
    ).value.tolist() == [1000.0]


def test_partial_years_are_reported():
    obs = frame(
        *[obs_row("USA", "GTM", 1.0, period=f"2024-{m:02d}", freq="M") for m in range(1, 5)],
        obs_row("USA", "GTM", 5.0, period="2020"),
    )
    cov = compute_period_coverage(obs, "year")
    assert cov.set_index("period").loc["2024", "months"] == 4
    assert not cov.set_index("period").loc["2024", "complete"]
    assert cov.set_index("period").loc["2020", "complete"]


def test_total_of_sexes_is_known_only_when_both_are():
    obs = frame(
        obs_row("COL", "VEN", 60.0, sex="F"),
        obs_row("COL", "VEN", 40.0, sex="M"),
        obs_row("PAN", "VEN", 5.0, sex="F"),
        obs_row("CRI", "VEN", np.nan, sex="F", status="M"),
        obs_row("CRI", "VEN", 3.0, sex="M"),
    )
    total = compute_sex(obs, "_T").set_index("ref_area")
    assert total.loc["COL", "value"] == 100.0
    assert math.isnan(total.loc["PAN", "value"]) and math.isnan(total.loc["CRI", "value"])
    assert total.loc["PAN", "obs_status"] == "M"
    assert compute_sex(obs, "F").value.tolist()[:2] == [60.0, 5.0]


def test_stored_sex_totals_are_used_as_they_are():
    obs = frame(obs_row("COL", "VEN", 60.0, sex="F"), obs_row("COL", "VEN", 101.0, sex="_T"))
    assert compute_sex(obs, "_T").value.tolist() == [101.0]


def test_unknown_sex_is_refused():
    with pytest.raises(FlowViewError, match="sex must be one of"):
        compute_sex(frame(obs_row("COL", "VEN", 1.0)), "X")


def test_dimension_totals_are_preferred_to_their_parts():
    obs = frame(
        obs_row("USA", "GTM", 10.0, dim_1="_T"),
        obs_row("USA", "GTM", 4.0, dim_1="USBP"),
        obs_row("USA", "GTM", 6.0, dim_1="OFO"),
    )
    assert select_totals(obs).value.tolist() == [10.0]
    parts = obs[obs.dim_1 != "_T"]
    assert select_totals(parts).value.sum() == 10.0


def test_a_total_without_breakdown_in_another_month_is_kept():
    obs = frame(
        obs_row("USA", "GTM", 50.0, period="2018-03", freq="M", dim_2="_T"),
        obs_row("USA", "GTM", 4.0, period="2020-03", freq="M", dim_2="tucson_sector"),
        obs_row("USA", "GTM", 6.0, period="2020-03", freq="M", dim_2="yuma_sector"),
    )
    assert select_totals(obs).value.tolist() == [50.0, 4.0, 6.0]


def test_missing_values_stay_missing_and_are_never_drawn():
    obs = frame(obs_row("COL", "VEN", np.nan, status="M"), obs_row("PAN", "VEN", 5.0))
    flows = compute_flows(obs, VIEW_IN, "2020", "_T")
    assert math.isnan(flows.set_index("destination").loc["COL", "value"])
    sel = compute_selection(flows, PLACES)
    assert len(sel.missing) == 1 and sel.drawn.destination.tolist() == ["PAN"]


def test_mixed_units_are_refused():
    obs = frame(obs_row("COL", "VEN", 1.0), obs_row("PAN", "VEN", 2.0, unit="events"))
    with pytest.raises(FlowViewError, match="mixes units"):
        compute_flows(obs, VIEW_IN, "2020", "_T")


def test_a_step_the_view_lacks_is_refused():
    with pytest.raises(FlowViewError, match="no 'month' step"):
        compute_flows(frame(obs_row("COL", "VEN", 1.0)), VIEW_IN, "2020-01", "_T", step="month")


def _flows(pairs):
    return pd.DataFrame(
        {
            "origin": [o for o, _, _ in pairs],
            "destination": [d for _, d, _ in pairs],
            "reporter": [d for _, d, _ in pairs],
            "value": [v for _, _, v in pairs],
            "unit": "persons",
            "dataset_id": "synthetic",
            "measure": "m",
            "period": "2020",
            "obs_status": "A",
        }
    )


PAIRS = [
    ("VEN", "COL", 500.0),
    ("VEN", "PAN", 50.0),
    ("COL", "PAN", 50.0),
    ("_X", "PAN", 80.0),
    ("IND", "PAN", 30.0),
    ("VEN", "USA", 200.0),
    ("MEX", "USA", 900.0),
    ("GTM", "MEX", 10.0),
    ("VEN", "CRI", np.nan),
    ("USA", "USA", 3.0),
]


@pytest.mark.parametrize(
    "top_n,min_value,drawn",
    [
        (None, None, ["MEX>USA", "VEN>COL", "VEN>USA", "COL>PAN", "VEN>PAN", "GTM>MEX"]),
        (2, None, ["MEX>USA", "VEN>COL"]),
        (4, None, ["MEX>USA", "VEN>COL", "VEN>USA", "COL>PAN"]),  # the tie at 50 is broken by origin code
        (0, None, []),
        (None, 50.0, ["MEX>USA", "VEN>COL", "VEN>USA", "COL>PAN", "VEN>PAN"]),
        (3, 300.0, ["MEX>USA", "VEN>COL"]),
        (100, None, ["MEX>USA", "VEN>COL", "VEN>USA", "COL>PAN", "VEN>PAN", "GTM>MEX"]),
    ],
)
def test_top_n_and_minimum_keep_exactly_the_largest_drawable_flows(top_n, min_value, drawn):
    sel = compute_selection(_flows(PAIRS), PLACES, top_n=top_n, min_value=min_value)
    assert [f"{o}>{d}" for o, d in zip(sel.drawn.origin, sel.drawn.destination)] == drawn
    assert sorted(sel.undrawable.origin) == ["IND", "USA", "_X"]
    assert len(sel.missing) == 1
    assert len(sel.drawn) + len(sel.hidden) + len(sel.undrawable) + len(sel.missing) == len(PAIRS)
    summary = compute_summary(sel)
    assert summary["undrawable_volume"] == 80.0 + 30.0 + 3.0
    assert summary["hidden_volume"] + summary["drawn_volume"] == 500 + 50 + 50 + 200 + 900 + 10


def test_negative_top_n_is_refused():
    with pytest.raises(FlowViewError, match="top_n"):
        compute_selection(_flows(PAIRS), PLACES, top_n=-1)


@pytest.mark.parametrize(
    "place,mode,expected",
    [
        ("PAN", "in", {"VEN>PAN", "COL>PAN", "_X>PAN", "IND>PAN"}),
        ("PAN", "out", set()),
        ("COL", "both", {"VEN>COL", "COL>PAN"}),
        ("COL", "out", {"COL>PAN"}),
        ("VEN", "out", {"VEN>COL", "VEN>PAN", "VEN>USA", "VEN>CRI"}),
        (None, "in", {f"{o}>{d}" for o, d, _ in PAIRS}),
    ],
)
def test_focus_keeps_flows_into_out_of_or_touching_a_place(place, mode, expected):
    kept = compute_focus(_flows(PAIRS), place, mode)
    assert {f"{o}>{d}" for o, d in zip(kept.origin, kept.destination)} == expected


def test_unknown_focus_mode_is_refused():
    with pytest.raises(FlowViewError, match="focus mode"):
        compute_focus(_flows(PAIRS), "PAN", "sideways")


def test_place_totals_count_every_flow_and_leave_unknown_sides_missing():
    totals = compute_place_totals(_flows(PAIRS)).set_index("place")
    assert totals.loc["PAN", "incoming"] == 50 + 50 + 80 + 30
    assert math.isnan(totals.loc["PAN", "outgoing"]) and math.isnan(totals.loc["PAN", "net"])
    assert totals.loc["VEN", "outgoing"] == 500 + 50 + 200  # the missing VEN>CRI adds nothing
    assert totals.loc["USA", "net"] == (200 + 900 + 3) - 3
    assert totals.loc["MEX", "net"] == 10 - 900
    assert "_X" in totals.index and math.isnan(totals.loc["_X", "incoming"])
    assert math.isnan(totals.loc["CRI", "incoming"])


def test_drawable_needs_both_ends_known_and_distinct():
    flows = _flows([("VEN", "COL", 1.0), ("VEN", "ESP", 1.0), ("_X", "COL", 1.0), ("COL", "COL", 1.0)])
    assert compute_drawable(flows, PLACES | {"_X"}).tolist() == [True, False, False, False]


def test_empty_flows_select_nothing():
    sel = compute_selection(_flows([]), PLACES, top_n=5)
    assert sel.drawn.empty and sel.hidden.empty and compute_summary(sel)["hidden_volume"] == 0.0


@pytest.mark.parametrize(
    "raw,message",
    [
        ({}, "non-empty 'views:'"),
        (
            {
                "views": {
                    "x": {
                        "dataset_id": "d",
                        "measure": "m",
                        "direction": "up",
                        "kind": "stock",
                        "name": {"es": "a", "en": "b"},
                    }
                }
            },
            "direction must be one of",
        ),
        (
            {
                "views": {
                    "x": {
                        "dataset_id": "d",
                        "measure": "m",
                        "direction": "inbound",
                        "kind": "stock",
                        "name": {"es": "a"},
                    }
                }
            },
            "needs both 'es' and 'en'",
        ),
        (
            {
                "views": {
                    "x": {
                        "dataset_id": "d",
                        "direction": "inbound",
                        "kind": "rate",
                        "name": {"es": "a", "en": "b"},
                        "steps": ["week"],
                        "filters": {"sex": "F"},
                    }
                }
            },
            "missing 'measure'",
        ),
    ],
)
def test_bad_view_definitions_are_reported_with_what_and_where(raw, message):
    with pytest.raises(FlowViewError, match=message) as err:
        build_flow_views(raw)
    if "rate" in str(raw):
        text = str(err.value)
        assert "kind must be" in text and "steps must be" in text and "filters may only use" in text


def test_a_sum_with_a_missing_part_is_missing_not_smaller():
    obs = frame(
        obs_row("COL", "VEN", 10.0, age="Y_LT18"),
        obs_row("COL", "VEN", np.nan, age="Y_GE18", status="M"),
        obs_row("PAN", "VEN", 3.0, age="Y_LT18"),
        obs_row("PAN", "VEN", 4.0, age="Y_GE18"),
    )
    flows = compute_flows(obs, VIEW_IN, "2020", "_T").set_index("destination")
    assert math.isnan(flows.loc["COL", "value"]) and "M" in flows.loc["COL", "obs_status"]
    assert flows.loc["PAN", "value"] == 7.0 and flows.loc["PAN", "obs_status"] == "A"
