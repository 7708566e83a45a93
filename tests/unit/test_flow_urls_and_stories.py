"""Flow, corridor and workshop URL parameters round-trip; stories are read and stepped through."""

from __future__ import annotations

import pytest
import yaml

from atlas.core.i18n import catalogue
from atlas.core.play import next_period as compute_next_period
from atlas.core.projector import build_workshop_specs
from atlas.core.stories import (
    MY_STORY,
    StoryError,
    build_current_step,
    build_step_query,
    build_stories,
    compute_step_index,
    dump_story_yaml,
    load_stories,
    parse_step_url,
)
from atlas.core.urlstate import OWN_URLS_KEPT, compute_query_key, flag, read_params, remember_query, year_range
from atlas.corridors.params import build_corridor_specs
from atlas.flows.params import TOP_CHOICES, build_flow_specs, top_limit
from indicators.corridors import load_corridors
from indicators.flows import load_flow_views

FLOW_SPECS = build_flow_specs(
    ["undesa_ims2024", "cbp_encounters"],
    "undesa_ims2024",
    ["2020", "2024", "FY2023"],
    "2024",
    ["year", "month"],
    ["_T", "F", "M"],
    ["COL", "GTM", "VEN"],
)


def _dump(specs, values):
    return {s.key: s.dump(values[s.key]) for s in specs if values[s.key] is not None and s.dump(values[s.key])}


@pytest.mark.parametrize(
    "query",
    [
        {
            "view": "cbp_encounters",
            "unit": "year",
            "period": "FY2023",
            "sex": "_T",
            "focus": "GTM",
            "mode": "out",
            "top": "all",
            "min": "1000",
            "play": "1",
            "speed": "0.5",
        },
        {
            "view": "undesa_ims2024",
            "unit": "month",
            "period": "2020",
            "sex": "F",
            "focus": "",
            "mode": "both",
            "top": "10",
            "min": "0",
            "play": "0",
            "speed": "3",
        },
    ],
)
def test_flow_parameters_round_trip(query):
    values, problems = read_params(FLOW_SPECS, query)
    assert problems == []
    again, _ = read_params(FLOW_SPECS, _dump(FLOW_SPECS, values))
    assert again == values
    assert {k: v for k, v in _dump(FLOW_SPECS, values).items()} == {k: v for k, v in query.items() if v != ""}


def test_bad_flow_parameters_fall_back_with_reasons():
    values, problems = read_params(
        FLOW_SPECS, {"period": "1700", "top": "7", "min": "-5", "play": "maybe", "focus": "ZZZ"}
    )
    assert values["period"] == "2024" and values["top"] == "25" and values["min"] == 0 and values["play"] is False
    assert values["focus"] == ""
    assert sorted(p.key for p in problems) == ["focus", "min", "period", "play", "top"]
    assert all(p.message("es") != p.message("en") for p in problems)


@pytest.mark.parametrize("raw,value", [("1", True), ("true", True), ("Sí", True), ("0", False), ("no", False)])
def test_flags_read_yes_and_no(raw, value):
    assert read_params([flag("workshop")], {"workshop": raw})[0]["workshop"] is value


@pytest.mark.parametrize(
    "raw,value,problem",
    [
        ("2021-2024", (2021, 2024), False),
        ("2022", (2022, 2022), False),
        ("2024-2021", (2019, 2025), True),
        ("a-b", (2019, 2025), True),
    ],
)
def test_year_ranges(raw, value, problem):
    values, problems = read_params([year_range("years", 1990, 2030, (2019, 2025))], {"years": raw})
    assert values["years"] == value and bool(problems) is problem


def test_corridor_and_workshop_parameters_round_trip():
    specs = build_corridor_specs(["a", "b"], "a", ["VEN", "HTI"], "VEN") + build_workshop_specs(["s1"])
    query = {
        "corridor": "b",
        "nationality": "HTI",
        "years": "2021-2024",
        "workshop": "1",
        "story": "s1",
        "story_step": "3",
    }
    values, problems = read_params(specs, query)
    assert problems == [] and values["years"] == (2021, 2024) and values["workshop"] is True
    assert _dump(specs, values) == query


def test_top_limits():
    assert [top_limit(t) for t in TOP_CHOICES] == [10, 25, 50, 100, None]


def test_shipped_stories_point_at_real_views_corridors_and_periods():
    views, corridors = load_flow_views(), load_corridors()
    stories = load_stories()
    assert "darien_2021_2024" in stories
    for story in stories.values():
        assert story.title.es and story.title.en and len(story.steps) >= 2
        for step in story.steps:
            params = dict(step.params)
            assert step.caption.es and step.caption.en
            if step.page == "flows":
                assert params["view"] in views
            else:
                assert params["corridor"] in corridors
                assert params["nationality"] in corridors[params["corridor"]].nationalities


def test_a_step_url_is_parsed_without_story_keys():
    step = parse_step_url("/flows?view=x&period=2021&story=s&story_step=2&lang=en", {"es": "a", "en": "b"})
    assert step.page == "flows" and step.params == (("view", "x"), ("period", "2021"))
    assert step.url == "flows?view=x&period=2021" and step.caption("en") == "b"
    with pytest.raises(StoryError, match="must be one of"):
        parse_step_url("admin?x=1")
    with pytest.raises(StoryError, match="needs a url"):
        parse_step_url("")


def test_step_query_adds_story_step_language_and_workshop():
    step = parse_step_url("corridors?corridor=darien_north&nationality=VEN")
    query = build_step_query("darien", 2, step, "en", True)
    assert query == {
        "corridor": "darien_north",
        "nationality": "VEN",
        "story": "darien",
        "story_step": "2",
        "lang": "en",
        "workshop": "1",
    }


@pytest.mark.parametrize("number,count,expected", [(0, 3, 1), (2, 3, 2), (9, 3, 3)])
def test_step_numbers_are_clamped(number, count, expected):
    assert compute_step_index(number, count) == expected


def test_an_empty_story_has_no_steps():
    with pytest.raises(StoryError):
        compute_step_index(1, 0)


def test_the_current_view_becomes_a_step_and_a_story_file():
    step = build_current_step(
        "flows", {"view": "darien_transit", "period": "2023", "lang": "es", "focus": "", "workshop": "1"}
    )
    assert step.url == "flows?period=2023&view=darien_transit"
    text = dump_story_yaml(MY_STORY, "Mi historia", [step])
    again = yaml.safe_load(text)
    assert again["stories"][MY_STORY]["steps"][0]["url"] == step.url


@pytest.mark.parametrize(
    "raw,message",
    [
        ({}, "non-empty 'stories:'"),
        ({"stories": {"x": {"title": {"es": "a"}, "steps": [{"url": "flows?view=v"}]}}}, "needs both 'es' and 'en'"),
        ({"stories": {"x": {"title": {"es": "a", "en": "b"}, "steps": []}}}, "at least one step"),
        ({"stories": {"mine": {"title": {"es": "a", "en": "b"}, "steps": [{"url": "flows"}]}}}, "kept for"),
    ],
)
def test_bad_stories_are_reported(raw, message):
    with pytest.raises(StoryError, match=message):
        build_stories(raw)


@pytest.mark.parametrize("namespace", ["flows", "corridors", "workshop"])
def test_every_string_of_the_feature_is_in_both_languages(namespace):
    entries = {k: v for k, v in catalogue().items() if k.startswith(f"{namespace}.")}
    assert len(entries) > 10
    for key, texts in entries.items():
        assert set(texts) == {"es", "en"}, key
        assert texts["es"].strip() and texts["en"].strip(), key


@pytest.mark.parametrize(
    "periods,current,expected",
    [
        (["2018", "2019", "2020"], "2018", "2019"),
        (["2018", "2019", "2020"], "2020", "2018"),  # starts again at the end
        (["2018", "2019", "2020"], "1999", "2018"),  # unknown: the first
        (["2018"], "2018", "2018"),
        ([], "2018", None),
    ],
)
def test_the_next_period_of_a_playing_flow(periods, current, expected):
    assert compute_next_period(periods, current) == expected


def test_own_addresses_are_remembered_newest_last_and_bounded():
    keys = [compute_query_key({"period": str(2000 + i), "play": "1"}) for i in range(20)]
    recent: tuple = ()
    for key in keys:
        recent = remember_query(recent, key)
    assert len(recent) == OWN_URLS_KEPT and recent[-1] == keys[-1] and keys[0] not in recent
    assert remember_query(recent, keys[10])[-1] == keys[10] and len(remember_query(recent, keys[10])) == OWN_URLS_KEPT
    assert compute_query_key({"b": "1", "a": "2"}) == compute_query_key({"a": "2", "b": "1"})
    assert compute_query_key({"b": "1", "a": "2"}) == (("a", "2"), ("b", "1"))
