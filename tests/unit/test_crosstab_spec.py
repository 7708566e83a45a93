"""The query spec: URL round trips and validation with messages that name the valid choices."""

from __future__ import annotations

import pytest

from common.text import Bilingual
from etl.crosstab.catalogue import Catalogue, Dataset, Dimension, Measure
from etl.crosstab.messages import CrosstabError, load_messages
from etl.crosstab.spec import build_spec, check_spec, dump_query, parse_query, query_string, validate_spec


def _measure(code, unit, kind, datasets=("d1",)):
    return Measure(
        code,
        Bilingual(code, code),
        unit,
        Bilingual(unit, unit),
        kind,
        tuple(datasets),
        units=tuple((d, unit) for d in datasets),
    )


def _dim(dim_id, role="code", by_dataset=()):
    return Dimension(dim_id, Bilingual(dim_id, dim_id), role, "", dim_id, tuple(by_dataset))


CATALOGUE = Catalogue(
    "observations",
    "observations",
    "public_observations",
    {
        "stock": _measure("stock", "persons", "stock"),
        "stock2": _measure("stock2", "persons", "stock"),
        "flow": _measure("flow", "persons", "flow"),
        "money": _measure("money", "usd_current", "context"),
        "rate": _measure("rate", "per_1000", "rate"),
        "rate2": _measure("rate2", "per_1000", "rate"),
        "twice": _measure("twice", "events", "flow", ("d1", "d2")),
    },
    {
        "measure": _dim("measure", "measure"),
        "dataset": _dim("dataset", "dataset"),
        "ref_area": _dim("ref_area", "territory"),
        "time_period": _dim("time_period", "period"),
        "sex": _dim("sex"),
        "special": _dim("special", by_dataset=[("d2", "dim_1")]),
    },
    {"d1": Dataset("d1", Bilingual("d1", "d1")), "d2": Dataset("d2", Bilingual("d2", "d2"))},
)


@pytest.mark.parametrize(
    "spec",
    [
        build_spec(["stock"]),
        build_spec(
            ["stock", "stock2"],
            ["ref_area", "measure"],
            ["sex"],
            {"sex": ["M", "F"], "ref_area": ["PAN"]},
            granularity="month",
            area_level="admin1",
            totals="subtotals",
            shares="col",
            per_capita=True,
        ),
        build_spec(
            ["movements"],
            ["nationality"],
            ["time_period"],
            {"time_period": ["2024-01"]},
            source="synthetic_entry_exit",
            totals="none",
        ),
    ],
)
def test_query_strings_round_trip(spec):
    assert parse_query(query_string(spec)) == spec
    assert parse_query(dump_query(spec)) == spec
    assert parse_query("?" + query_string(spec) + "&lang=en") == spec


def test_filters_are_normalised():
    spec = build_spec(["stock"], filters={"sex": ["M", "F", "M"], "age": []})
    assert spec.filters == (("sex", ("F", "M")),)


def test_a_malformed_flag_is_reported():
    with pytest.raises(CrosstabError) as err:
        parse_query("measure=stock&per_capita=maybe")
    assert err.value.keys == ("bad_flag",)


def test_a_valid_spec_has_no_problems():
    assert validate_spec(build_spec(["stock"], ["ref_area"], ["sex"], {"time_period": ["2024"]}), CATALOGUE) == []
    assert validate_spec(build_spec(["flow"], ["ref_area"], ["sex"]), CATALOGUE) == []


@pytest.mark.parametrize(
    "measure,filters,ok",
    [
        ("stock", {}, False),
        ("stock", {"time_period": ["2020", "2024"]}, False),
        ("stock", {"time_period": ["2024"]}, True),
        ("rate", {}, False),
        ("flow", {}, True),
        ("flow", {"time_period": ["2020", "2024"]}, True),
    ],
)
def test_stocks_and_rates_need_one_period_unless_the_period_is_shown(measure, filters, ok):
    problems = validate_spec(build_spec([measure], ["ref_area"], [], filters), CATALOGUE)
    assert (problems == []) is ok
    assert validate_spec(build_spec([measure], ["ref_area"], ["time_period"]), CATALOGUE) == [] or measure == "rate"


@pytest.mark.parametrize(
    "spec,key,names",
    [
        (build_spec([]), "no_measure", ["flow", "stock"]),
        (build_spec(["stok"]), "unknown_measure", ["stock", "flow"]),
        (build_spec(["stock", "money"]), "mixed_units", ["persons", "usd_current"]),
        (build_spec(["stock", "flow"]), "mixed_kinds", ["stock (stock)", "flow (flow)"]),
        (build_spec(["rate", "rate2"]), "several_non_additive", ["rate, rate2"]),
        (build_spec(["stock"], ["region"]), "unknown_dimension", ["ref_area", "sex"]),
        (build_spec(["stock"], ["special"]), "unknown_dimension", ["ref_area"]),
        (build_spec(["stock"], ["sex"], ["sex"]), "duplicate_dimension", ["sex"]),
        (
            build_spec(["stock"], ["sex", "ref_area", "measure", "dataset", "time_period"], ["special"]),
            "too_many_dimensions",
            [],
        ),
        (build_spec(["stock"], filters={"colour": ["red"]}), "unknown_filter_dimension", ["sex"]),
        (build_spec(["stock"], filters={"sex": ["_T"]}), "total_in_filter", ["_T"]),
        (build_spec(["flow"], filters={"time_period": ["2024-3"]}, granularity="month"), "bad_period_code", ["2024-3"]),
        (build_spec(["stock"], granularity="week"), "unknown_option", ["year", "month"]),
        (build_spec(["stock"], totals="all"), "unknown_option", ["subtotals"]),
        (build_spec(["twice"]), "several_datasets", ["d1, d2"]),
        (build_spec(["rate"], ["ref_area"], shares="row"), "shares_not_additive", ["rate"]),
        (build_spec(["stock"], ["ref_area"], ["dataset"], shares="row"), "shares_over_non_additive", ["dataset"]),
        (
            build_spec(["stock"], ["ref_area"], ["time_period"], shares="row"),
            "shares_over_non_additive",
            ["time_period"],
        ),
        (build_spec(["stock"], ["sex"], {"time_period": ["2024"]}, per_capita=True), "per_capita_needs_area", []),
        (build_spec(["flow"], ["ref_area"], per_capita=True), "per_capita_needs_year", []),
        (build_spec(["stock"], ["ref_area"]), "one_period_needed", []),
        (build_spec(["flow"], ["ref_area"], granularity="period"), "published_periods_overlap", []),
    ],
)
def test_problems_name_what_is_wrong_and_the_valid_choices(spec, key, names):
    problems = validate_spec(spec, CATALOGUE)
    assert key in [p.key for p in problems]
    problem = next(p for p in problems if p.key == key)
    for lang in ("es", "en"):
        text = problem.message(lang)
        assert all(n in text for n in names), text


def test_every_problem_is_reported_at_once():
    spec = build_spec(["stok", "money"], ["region"], ["sex", "sex"], {"colour": ["x"]}, totals="all")
    with pytest.raises(CrosstabError) as err:
        check_spec(spec, CATALOGUE)
    assert {
        "unknown_measure",
        "unknown_dimension",
        "duplicate_dimension",
        "unknown_filter_dimension",
        "unknown_option",
    } <= set(err.value.keys)


def test_a_dataset_filter_resolves_a_measure_with_two_datasets():
    assert validate_spec(build_spec(["twice"], ["special"], filters={"dataset": ["d2"]}), CATALOGUE) == []
    assert [p.key for p in validate_spec(build_spec(["twice"], ["special"]), CATALOGUE)] == ["several_datasets"]


def test_every_message_has_both_languages_and_its_placeholders():
    import string

    for key, texts in load_messages().items():
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in ("es", "en")]
        assert fields[0] == fields[1], key
