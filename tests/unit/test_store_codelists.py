"""Codelists: every etl/codelists/*.yaml merged, with both languages; malformed files fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.codelist import CodelistError, build_codelists, compound_names, load_codelist_files, load_codelists

MEASURE = {
    "name_es": "m",
    "name_en": "m",
    "unit": "persons",
    "kind": "flow",
    "counterpart_role": "none",
    "definition_es": "d",
    "definition_en": "d",
}
UNIT = {"persons": {"name_es": "personas", "name_en": "persons"}}


def test_shipped_codelists_load_with_names_in_both_languages():
    lists = load_codelists()
    for frame in (lists.measures, lists.units, lists.sexes, lists.ages, lists.obs_statuses, lists.dimension_codes):
        assert len(frame) and frame["name_es"].str.len().gt(0).all() and frame["name_en"].str.len().gt(0).all()
    assert {"_T", "F", "M"} == lists.codes("sexes")
    assert {"A", "E", "P", "I", "B", "M", "F"} == lists.codes("obs_statuses")
    assert {"migrant_stock", "irregular_transit", "encounters", "dead_and_missing"} <= lists.codes("measures")


def test_every_yaml_file_in_the_folder_is_loaded(tmp_path):
    (tmp_path / "a.yaml").write_text("units:\n  persons: {name_es: personas, name_en: persons}\n")
    (tmp_path / "b.yaml").write_text("units:\n  events: {name_es: eventos, name_en: events}\n")
    lists = build_codelists(load_codelist_files(tmp_path))
    assert lists.codes("units") == {"persons", "events"}


@pytest.mark.parametrize(
    "files,message",
    [
        ([{"units": UNIT}, {"units": UNIT}], "already defined"),
        ([{"colours": {}}], "unknown codelist 'colours'"),
        ([{"units": {"persons": {"name_es": "personas"}}}], "missing \\['name_en'\\]"),
        ([{"units": {True: {"name_es": "sí", "name_en": "yes"}}}], "quote it"),
        ([{"units": UNIT, "measures": {"m": {**MEASURE, "kind": "level"}}}], "kind 'level'"),
        ([{"units": UNIT, "measures": {"m": {**MEASURE, "counterpart_role": "partner"}}}], "counterpart_role"),
        ([{"units": UNIT, "measures": {"m": {**MEASURE, "unit": "kg"}}}], "unit 'kg' is not in units"),
        ([{"dimensions": {"d": {"name_es": "d", "name_en": "d"}}}], "non-empty `codes`"),
    ],
)
def test_malformed_codelists_name_the_file_and_problem(files, message):
    parsed = [(Path(f"f{i}.yaml"), content) for i, content in enumerate(files)]
    with pytest.raises(CodelistError, match=message):
        build_codelists(parsed)


def test_compound_dimension_codes_get_joined_names():
    lists = load_codelists()
    assert lists.is_compound("mmp_cause") and not lists.is_compound("cbp_title")
    assert compound_names(lists, "mmp_cause", "drowning+violence") == ("Ahogamiento + Violencia", "Drowning + Violence")


def test_an_unquoted_comma_that_splits_a_name_is_an_error_not_a_truncated_name(tmp_path):
    """``{name_es: por 1000 habitantes, name_en: per 1,000 population}`` once shipped as "per 1"."""
    (tmp_path / "units.yaml").write_text(
        "units:\n  per_1000: {name_es: por 1000, name_en: per 1,000 people}\n", encoding="utf-8"
    )
    with pytest.raises(CodelistError, match="put the value in double quotes"):
        build_codelists(load_codelist_files(tmp_path))


def test_shipped_names_with_commas_are_whole():
    lists = load_codelists()
    assert lists.units.set_index("unit").loc["per_1000", "name_en"] == "per 1,000 population"
    codes = lists.dimension_codes.set_index(["dimension_id", "code"])
    assert codes["name_en"].str.contains("Title 42 (public-health expulsion, Mar 2020–May 2023)", regex=False).any()
