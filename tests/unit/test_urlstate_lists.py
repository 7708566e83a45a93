"""URL parameters for lists and yes/no values (atlas.core.urlstate.multi_choice and flag)."""

from __future__ import annotations

import pytest

from atlas.core.urlstate import flag, multi_choice, read_params


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("sex", ("sex",)),
        ("Age, sex,age", ("age", "sex")),
        (" , ", ()),
        ("-", ()),
        ("", ("ref_area",)),
    ],
)
def test_multi_choice_reads_known_values_in_order(raw, expected):
    values, problems = read_params([multi_choice("rows", ["sex", "age", "ref_area"], ("ref_area",))], {"rows": raw})
    assert values["rows"] == expected and problems == []


def test_an_unknown_value_falls_back_and_names_the_valid_ones():
    values, problems = read_params([multi_choice("rows", ["sex", "age"], ("sex",))], {"rows": "sex,colour"})
    assert values["rows"] == ("sex",)
    assert problems[0].values["valid"] == "sex, age"


def test_options_can_be_loaded_on_demand():
    calls = []
    param = multi_choice("f", lambda: calls.append(1) or ["A", "B"])
    assert read_params([param], {})[0]["f"] == () and calls == []
    assert read_params([param], {"f": "b"})[0]["f"] == ("B",) and calls == [1]


@pytest.mark.parametrize(
    "raw,expected,bad",
    [("1", True, False), ("false", False, False), ("yes", True, False), ("sí", True, False), ("maybe", False, True)],
)
def test_flag(raw, expected, bad):
    values, problems = read_params([flag("per_capita")], {"per_capita": raw})
    assert values["per_capita"] is expected and bool(problems) is bad


def test_lists_round_trip():
    param = multi_choice("cols", ["a", "b", "c"])
    assert param.parse(param.dump(("c", "a"))) == ("c", "a")
    assert param.dump(()) == ""  # empty default: absent from the link
    with_default = multi_choice("rows", ["a", "b"], ("a",))
    assert with_default.dump(()) == "-" and with_default.parse("-") == ()
    assert flag("x").parse(flag("x").dump(True)) is True
