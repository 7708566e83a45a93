"""The map's own URL parameter kinds and view choices (no Streamlit session needed)."""

from __future__ import annotations

import pytest

from atlas.core.urlstate import read_params
from atlas.map.params import (
    MapProblem,
    breaks_param,
    choose_year,
    dump_breaks,
    effective_classification,
    localise_problems,
    nearest_period,
    parse_breaks,
    settle_palette,
    slider_periods,
)
from indicators import load_catalogue


@pytest.mark.parametrize(
    "raw,expected", [("1,5,10", (1.0, 5.0, 10.0)), (" -2.5 ; 0 ,3", (-2.5, 0.0, 3.0)), ("7", (7.0,))]
)
def test_breaks_parse(raw, expected):
    assert parse_breaks(raw) == expected
    assert parse_breaks(dump_breaks(expected)) == expected


@pytest.mark.parametrize("raw", ["", "a,b", "5,1", "1,1", "1,inf"])
def test_bad_breaks_fall_back_with_a_notice_in_both_languages(raw):
    values, problems = read_params([breaks_param()], {"breaks": raw} if raw else {"breaks": "x"})
    assert values["breaks"] == ""
    [problem] = localise_problems(problems)
    assert isinstance(problem, MapProblem)
    es, en = problem.message("es"), problem.message("en")
    assert "breaks=" in es and "increasing numbers" in en and es != en


@pytest.mark.parametrize(
    "periods,wanted,expected",
    [
        (["2015", "2020", "2024"], "2021", "2020"),
        (["2015", "2020", "2024"], "2023", "2024"),
        (["FY2022", "FY2023"], "2023", "FY2023"),
        (["1990", "2000"], None, "2000"),
        (["1990", "2000"], "junk", "2000"),
        (["2010-2014", "2015-2019"], "2016", "2015-2019"),
    ],
)
def test_nearest_period(periods, wanted, expected):
    assert nearest_period(periods, wanted) == expected


def test_effective_classification_defaults_and_manual_fallback():
    ind = load_catalogue().get("net_migration_rate")
    assert effective_classification(ind, "", "", "") == ("quantiles", 6, ())
    assert effective_classification(ind, "manual", "3", "1,2") == ("manual", 3, (1.0, 2.0))
    assert effective_classification(ind, "manual", "", "2,1")[0] == "quantiles"


@pytest.mark.parametrize(
    "current,view_periods,default,changed,expected",
    [
        (None, ["2019"], "2019", False, ("2019", False)),  # a fresh view opens on its default
        ("", ["2019"], "2019", True, ("2019", False)),
        ("2019", ["2015", "2019"], "2019", True, ("2019", False)),  # a year with data stays
        ("2022", ["2019"], "2019", True, ("2019", True)),  # another view: nearest year, said
        ("2025", ["2021", "2022", "2024"], "2024", True, ("2024", True)),
        ("2070", ["2019"], "2019", False, ("2070", False)),  # a linked year without data is kept
        ("2020", [], None, True, ("2020", False)),  # nothing in the view: keep the year
        (None, [], None, False, (None, False)),
    ],
)
def test_choose_year(current, view_periods, default, changed, expected):
    assert choose_year(current, view_periods, default, changed) == expected


@pytest.mark.parametrize(
    "periods,current,expected",
    [
        (["2015", "2019"], "2019", ["2015", "2019"]),
        (["2015", "2019"], "2070", ["2015", "2019", "2070"]),
        (["2015", "2019"], "2017", ["2015", "2017", "2019"]),
        (["2019"], None, ["2019"]),
        ([], "2020", ["2020"]),
    ],
)
def test_slider_periods_always_hold_the_current_year(periods, current, expected):
    assert slider_periods(periods, current) == expected


@pytest.mark.parametrize(
    "value,kind,expected",
    [
        ("", "sequential", ""),
        (None, "sequential", ""),
        ("viridis", "sequential", "viridis"),
        ("PuOr", "sequential", ""),  # a diverging palette on a sequential indicator
        ("Default (Yellow-green-blue)", "sequential", ""),  # the browser's stale label of the default
        ("BrBG", "diverging", "BrBG"),
    ],
)
def test_settle_palette(value, kind, expected):
    assert settle_palette(value, kind) == expected


@pytest.mark.parametrize(
    "asked,levels,expected",
    [
        ("admin1", ["country", "admin1"], ("admin1", False)),
        ("admin1", ["country"], ("country", True)),
        (None, ["admin1"], ("admin1", True)),
    ],
)
def test_the_level_falls_back_to_one_the_indicator_has(asked, levels, expected):
    from atlas.map.params import settle_level

    assert settle_level(asked, levels) == expected


def test_a_selection_outside_the_view_is_dropped():
    from atlas.map.params import settle_selection

    assert settle_selection("GT-01", ["GT-01", "GT-02"], "GTM") == "GT-01"
    assert settle_selection("GTM", ["GT-01"], "GTM") == "GTM"
    assert settle_selection("MX-SON", ["GT-01"], "GTM") == ""
    assert settle_selection(None, ["GT-01"], "") == ""


def test_flow_and_corridor_choices_left_over_from_another_view_fall_back():
    from atlas.corridors.params import settle_nationality
    from atlas.flows.params import settle_choice

    assert settle_choice("2023", ["2022", "2023"], "2022") == "2023"
    assert settle_choice("FY2023", ["2022", "2023"], "2022") == "2022"
    assert settle_nationality("VEN", ["NIC"]) == "NIC" and settle_nationality("NIC", ["HTI", "NIC"]) == "NIC"
