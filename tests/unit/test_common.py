"""The bottom of the house: the checked YAML loader and the bilingual-text type."""

from __future__ import annotations

import pytest

from common.text import Bilingual, load_texts
from common.yamlfile import YamlFileError, load_yaml, parse_yaml


def test_a_key_written_twice_is_an_error_with_its_lines():
    with pytest.raises(YamlFileError, match=r"x.yaml: line 3: the key 'a' is written twice .*first on line 1"):
        parse_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")


def test_duplicates_are_found_in_nested_and_flow_mappings():
    with pytest.raises(YamlFileError, match="written twice"):
        parse_yaml("top:\n  per_1000: {name_es: x, name_en: y, name_en: z}\n", "codes.yaml")


def test_the_top_level_shape_is_checked_and_an_empty_file_is_empty():
    with pytest.raises(YamlFileError, match="expected a dict at the top level, got list"):
        parse_yaml("- a\n- b\n", "list.yaml")
    assert parse_yaml("", "empty.yaml") == {} and parse_yaml("- a", "l.yaml", list) == ["a"]


def test_a_missing_or_malformed_file_names_itself(tmp_path):
    with pytest.raises(YamlFileError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match="bad.yaml: not valid YAML"):
        load_yaml(bad)


def test_bilingual_text_picks_a_language_and_refuses_others():
    text = Bilingual("Mapa", "Map")
    assert text("es") == "Mapa" and text.get("en") == "Map"
    with pytest.raises(ValueError, match="lang must be one of"):
        text("fr")
    assert Bilingual("{n} países", "{n} countries").format(n=12) == Bilingual("12 países", "12 countries")


def test_bilingual_text_from_a_catalogue_needs_both_languages():
    assert Bilingual.from_mapping({"es": "a", "en": "b"}, "x") == Bilingual("a", "b")
    with pytest.raises(ValueError, match="the text in en is missing"):
        Bilingual.from_mapping({"es": "a"}, "catalogue.yaml: k")
    assert Bilingual.from_mapping(None, "x", required=False) == Bilingual("", "")


def test_a_text_file_needs_es_and_en_for_every_key(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("title: {es: Hola, en: Hello}\n", encoding="utf-8")
    assert load_texts(good) == {"title": {"es": "Hola", "en": "Hello"}}
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: {es: Hola}\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match="'title' needs exactly es and en"):
        load_texts(bad)
