"""URL parameters: read, validated, bad ones replaced by defaults with a reason."""

from __future__ import annotations

import pytest

from atlas.core.urlstate import choice, integer, read_params


def test_values_come_from_the_query_and_defaults_fill_the_rest():
    specs = [choice("lang", ["es", "en"], "es"), integer("year", 1990, 2024, 2024)]
    values, problems = read_params(specs, {"lang": "en"})
    assert values == {"lang": "en", "year": 2024}
    assert problems == []


def test_choice_ignores_case_and_spaces():
    values, _ = read_params([choice("country", ["MEX", "GTM"], None)], {"country": " mex "})
    assert values["country"] == "MEX"


@pytest.mark.parametrize(
    "raw,reason", [("abc", "reason_not_a_number"), ("1800", "reason_out_of_range"), ("2024.5", "reason_not_a_number")]
)
def test_bad_integer_falls_back_with_a_reason(raw, reason):
    values, problems = read_params([integer("year", 1990, 2024, 2020)], {"year": raw})
    assert values["year"] == 2020
    assert [(p.key, p.value, p.reason) for p in problems] == [("year", raw, reason)]


def test_unknown_choice_lists_valid_values_in_both_languages():
    spec = choice("country", ["", "MEX", "GTM"], "", label=lambda c: c or "region")
    values, problems = read_params([spec], {"country": "ZZZ"})
    assert values["country"] == ""
    es, en = problems[0].message("es"), problems[0].message("en")
    assert "ZZZ" in es and "ZZZ" in en and "MEX, GTM" in en and "region" in es
    assert es != en


def test_empty_value_means_default_without_notice():
    values, problems = read_params([choice("lang", ["es", "en"], "es")], {"lang": ""})
    assert values == {"lang": "es"} and problems == []
