"""Corridor arithmetic on hand-made series (SYNTHETIC numbers), and the catalogue's rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.corridors import (
    CorridorError,
    build_corridors,
    compute_attrition,
    compute_best_lag,
    compute_chain_points,
    compute_corridor_incidents,
    compute_distance_km,
    compute_incidents_near,
    compute_mirror,
    compute_overall_attrition,
    compute_series,
    load_corridors,
    to_monthly,
)
from tests.unit.test_flows import frame, obs_row


def monthly(start: str, values) -> pd.Series:
    return pd.Series(np.asarray(values, float), index=pd.period_range(start, periods=len(values), freq="M"))


def test_attrition_compares_downstream_a_month_later_with_upstream():
    darien = monthly("2023-01", [1000, 2000, 4000, 3000])
    honduras = monthly("2023-02", [800, 1500, 2000, 1200])  # what arrives one month later
    att = compute_attrition(darien, honduras, lag_months=1)
    assert att["month"].tolist() == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert att["downstream_month"].tolist() == ["2023-02", "2023-03", "2023-04", "2023-05"]
    assert att["ratio"].tolist() == [0.8, 0.75, 0.5, 0.4]
    assert compute_overall_attrition(att) == (800 + 1500 + 2000 + 1200) / (1000 + 2000 + 4000 + 3000)


def test_attrition_without_lag_and_with_gaps_and_zero():
    up = monthly("2023-01", [100, 0, np.nan, 50])
    down = monthly("2023-01", [90, 10, 30, np.nan])
    att = compute_attrition(up, down, 0)
    assert att["ratio"].iloc[0] == 0.9
    assert all(math.isnan(x) for x in att["ratio"].iloc[1:])  # zero upstream, missing either side
    assert compute_overall_attrition(att) == (90 + 10) / (100 + 0)


def test_attrition_of_nothing_in_common_is_missing():
    att = compute_attrition(monthly("2020-01", [1, 2]), monthly("2022-01", [1, 2]), 0)
    assert math.isnan(compute_overall_attrition(att))
    with pytest.raises(CorridorError, match="lag_months"):
        compute_attrition(monthly("2020-01", [1]), monthly("2020-01", [1]), -1)


def test_best_lag_finds_the_shift_that_was_built_in():
    rng = np.random.default_rng(7)
    up = monthly("2021-01", rng.integers(1000, 9000, size=30))
    down = pd.Series(up.to_numpy() * 0.6, index=up.index + 2)  # the same shape, two months later
    result = compute_best_lag(up, down, window=(0, 4))
    assert result.lag == 2
    assert result.correlation == pytest.approx(1.0)
    assert result.months == 30
    assert set(result.by_lag) == {0, 1, 2, 3, 4}


def test_best_lag_needs_enough_months_and_variation():
    up = monthly("2021-01", [5, 6, 7])
    assert compute_best_lag(up, up, (0, 1)).lag is None
    flat = monthly("2021-01", [5] * 12)
    assert compute_best_lag(flat, flat, (0, 2)).lag is None
    with pytest.raises(CorridorError, match="lag window"):
        compute_best_lag(up, up, (3, 1))


def test_best_lag_ties_go_to_the_shorter_lag():
    up = monthly("2021-01", [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
    result = compute_best_lag(up, up, (0, 2), min_months=6)
    assert result.lag == 0  # lags 0 and 2 both correlate perfectly


def test_mirror_sets_both_sides_apart_and_never_adds_them():
    left = pd.Series([100.0, 80.0, np.nan], index=["2024-01", "2024-02", "2024-03"])
    right = pd.Series([90.0, 0.0, 5.0], index=["2024-01", "2024-02", "2024-03"])
    mirror = compute_mirror(left, right)
    assert mirror.columns.tolist() == ["period", "left", "right", "difference", "ratio"]
    assert mirror["difference"].tolist()[:2] == [10.0, 80.0]
    assert mirror["ratio"].iloc[0] == pytest.approx(100 / 90)
    assert math.isnan(mirror["ratio"].iloc[1]) and math.isnan(mirror["difference"].iloc[2])


def test_series_sums_disjoint_parts_and_keeps_periods_apart():
    obs = frame(
        obs_row("GTM", "MEX", 10.0, period="2024-01", freq="M", sex="F", age="Y_GE18"),
        obs_row("GTM", "MEX", 20.0, period="2024-01", freq="M", sex="M", age="Y_GE18"),
        obs_row("GTM", "MEX", 3.0, period="2024-01", freq="M", sex="F", age="Y_LT18"),
        obs_row("GTM", "MEX", 4.0, period="2024-01", freq="M", sex="M", age="Y_LT18"),
        obs_row("GTM", "MEX", 5.0, period="2024-02", freq="M", sex="F", age="Y_GE18"),
        obs_row("GTM", "MEX", np.nan, period="2024-02", freq="M", sex="M", age="Y_GE18", status="M"),
    )
    series = compute_series(obs)
    assert series["period"].tolist() == ["2024-01", "2024-02"]
    assert series["value"].iloc[0] == 37.0
    assert math.isnan(series["value"].iloc[1])  # a sex missing makes the total unknown, not 5
    assert compute_series(obs, "F")["value"].tolist() == [13.0, 5.0]
    assert to_monthly(series).index.freqstr == "M"


def test_empty_series_is_empty():
    assert compute_series(frame(obs_row("A", "B", 1.0)).iloc[:0]).empty


NODE = {"geo_code": "PAN"}
GOOD = {
    "name": {"es": "a", "en": "b"},
    "description": {"es": "a", "en": "b"},
    "nationalities": ["VEN"],
    "chain": [
        {"geo_code": "COL"},
        {"geo_code": "PA-5", "country": "PAN"},
        {"id": "swb", "point": [-106.5, 31.8], "name": {"es": "Frontera", "en": "Border"}, "country": "USA"},
    ],
    "segments": [
        {
            "id": "darien",
            "at": "PA-5",
            "series": {
                "dataset_id": "d",
                "measure": "m",
                "ref_area": "PAN",
                "counterpart": "{nationality}",
                "label": {"es": "x", "en": "x"},
                "caveat": {"es": "c", "en": "c"},
            },
        }
    ],
}


def test_a_good_corridor_is_read():
    corridor = build_corridors({"corridors": {"c": GOOD}})["c"]
    assert [n.node_id for n in corridor.chain] == ["COL", "PA-5", "swb"]
    assert [n.country for n in corridor.chain] == ["COL", "PAN", "USA"]
    assert corridor.segments[0].series.resolved_counterpart("HTI") == "HTI"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"chain": [{"geo_code": "COL"}]}, "at least two places"),
        ({"nationalities": []}, "at least one nationality"),
        ({"name": {"es": "solo"}}, "'name' needs both 'es' and 'en'"),
        (
            {"chain": [{"geo_code": "COL"}, {"point": [-200, 5], "id": "x", "name": {"es": "a", "en": "b"}}]},
            "point must be",
        ),
        ({"chain": [{"geo_code": "COL"}, {"geo_code": "PA-5"}]}, "needs 'country'"),
        ({"segments": [{"at": "MEX", "series": {"dataset_id": "d"}}]}, "'at' must name a node"),
        (
            {"segments": [{"at": "PA-5", "series": {**GOOD["segments"][0]["series"], "filters": {"colour": "red"}}}]},
            "filters may only use",
        ),
        ({"lag_window_months": [3, 1]}, "lag_window_months"),
    ],
)
def test_bad_corridors_are_reported_with_where_and_how_to_fix(change, message):
    with pytest.raises(CorridorError, match=message) as err:
        build_corridors({"corridors": {"c": {**GOOD, **change}}})
    assert "corridor 'c'" in str(err.value)


def test_the_shipped_catalogue_is_valid_and_bilingual():
    corridors = load_corridors()
    assert len(corridors) >= 4
    for corridor in corridors.values():
        assert corridor.name.es and corridor.name.en and corridor.name.es != "" and corridor.description.en
        for segment in corridor.segments:
            assert segment.series.caveat.es and segment.series.caveat.en
        for mirror in corridor.mirrors:
            assert mirror.left.dataset_id != mirror.right.dataset_id  # two authorities, one movement


def test_the_nationality_fills_the_chain():
    raw = {**GOOD, "chain": [{"geo_code": "{nationality}", "country": "{nationality}"}, *GOOD["chain"][1:]]}
    corridor = build_corridors({"corridors": {"c": raw}})["c"]
    chain = corridor.resolved_chain("HTI")
    assert (chain[0].node_id, chain[0].geo_code, chain[0].country) == ("HTI", "HTI", "HTI")


def test_chain_points_use_label_points_and_crossings():
    corridor = build_corridors({"corridors": {"c": GOOD}})["c"]
    labels = pd.DataFrame({"geo_code": ["COL", "PA-5"], "label_lon": [-73.0, -77.8], "label_lat": [4.0, 8.0]})
    points = compute_chain_points(corridor, labels, "VEN")
    assert points[["lon", "lat"]].values.tolist() == [[-73.0, 4.0], [-77.8, 8.0], [-106.5, 31.8]]
    with pytest.raises(CorridorError, match="no label point for \\['PA-5'\\]"):
        compute_chain_points(corridor, labels.iloc[:1], "VEN")


def test_distance_to_a_path_is_great_circle():
    path = np.array([[0.0, 0.0], [0.0, 0.0]])
    d = compute_distance_km(np.array([0.0, 1.0]), np.array([1.0, 0.0]), path)
    assert d == pytest.approx([111.2, 111.2], abs=0.2)


def _incidents():
    return pd.DataFrame(
        {
            "incident_id": [1, 2, 3, 4, 5],
            "date": pd.to_datetime(["2023-01-02"] * 5),
            "lon": [-77.5, -90.0, -106.0, -99.0, np.nan],
            "lat": [8.2, 30.0, 31.9, 19.4, np.nan],
            "route": ["Central American Route"] * 5,
            "country": ["PAN", "USA", "USA", "MEX", "PAN"],
            "dead_and_missing": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )


def test_incidents_within_the_buffer_of_the_chain():
    pts = pd.DataFrame({"node_id": ["a", "b"], "geo_code": ["PA-5", None], "lon": [-77.8, -106.5], "lat": [8.0, 31.8]})
    near = compute_incidents_near(_incidents(), pts, 60.0)
    assert near["incident_id"].tolist() == [1, 3]
    assert (near["distance_km"] <= 60).all()
    with pytest.raises(CorridorError, match="buffer_km"):
        compute_incidents_near(_incidents(), pts, 0)


def test_incidents_on_the_route_in_chain_countries_are_added_and_labelled():
    corridor = build_corridors(
        {"corridors": {"c": {**GOOD, "incident_buffer_km": 60, "incident_routes": ["Central American Route"]}}}
    )["c"]
    pts = pd.DataFrame(
        {
            "node_id": ["COL", "PA-5", "swb"],
            "geo_code": ["COL", "PA-5", None],
            "lon": [-73.0, -77.8, -106.5],
            "lat": [4.0, 8.0, 31.8],
        }
    )
    chosen = compute_corridor_incidents(_incidents(), corridor, pts, "VEN")
    assert dict(zip(chosen["incident_id"], chosen["why"])) == {1: "buffer", 3: "buffer", 2: "route"}
