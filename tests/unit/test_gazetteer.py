"""The gazetteer and resolve(): codes, names in both languages, aliases, helpful failures."""

from __future__ import annotations

import pytest

import geodata
from geodata.gazetteer import UnknownTerritoryError, normalise

EXPECTED_ADMIN1 = {
    "MEX": 32,
    "GTM": 22,
    "BLZ": 6,
    "SLV": 14,
    "HND": 18,
    "NIC": 17,
    "CRI": 7,
    "PAN": 12,
    "JAM": 14,
    "LCA": 11,
    "GUY": 10,
    "SUR": 10,
}


def test_network_is_the_twelve_countries():
    assert sorted(geodata.network_countries()) == sorted(EXPECTED_ADMIN1)


def test_one_row_per_code_and_every_name_in_both_languages():
    gaz = geodata.gazetteer()
    assert gaz.geo_code.is_unique
    assert gaz.name_es.str.len().gt(0).all() and gaz.name_en.str.len().gt(0).all()
    assert set(gaz.level) == {"country", "admin1", "special"}


@pytest.mark.parametrize("country,count", sorted(EXPECTED_ADMIN1.items()))
def test_admin1_units_with_geometry_match_known_counts(country, count):
    gaz = geodata.gazetteer()
    units = gaz[(gaz.level == "admin1") & (gaz.parent_code == country) & gaz.has_geometry]
    assert len(units) == count


@pytest.mark.parametrize(
    "code,text",
    [
        ("PA-8", "Panamá Oeste"),
        ("PA-10", "Panamá (PA-8)"),
        ("PA-NT", "Natural Earth"),
        ("LC-12", "Dauphin"),
        ("LC-04", "Dauphin"),
        ("LC-09", "Praslin"),
        ("NI-AN", "Atlántico Norte"),
    ],
)
def test_known_gaps_are_recorded_not_hidden(code, text):
    row = geodata.gazetteer().set_index("geo_code").loc[code]
    assert text in row.note_en or text in row.note_es


def test_units_missing_from_the_boundaries_are_listed_without_geometry():
    gaz = geodata.gazetteer().set_index("geo_code")
    assert not gaz.loc[["PA-10", "PA-NT", "LC-12"], "has_geometry"].any()
    assert gaz.loc[["LC-04", "LC-09"], "status"].eq("historic").all()


@pytest.mark.parametrize(
    "text,country,expected",
    [
        ("MEX", None, "MEX"),
        ("mx", None, "MEX"),
        ("484", None, "MEX"),
        ("México", None, "MEX"),
        ("mexico", None, "MEX"),
        ("Distrito Federal", None, "MX-CMX"),
        ("MX-DIF", None, "MX-CMX"),
        ("ciudad de mexico", None, "MX-CMX"),
        ("Mexico City", None, "MX-CMX"),
        ("GT-AV", None, "GT-16"),
        ("GT-QZ", None, "GT-09"),
        ("Quezaltenango", None, "GT-09"),
        ("Atlántico Norte", None, "NI-AN"),
        ("atlantico sur", None, "NI-AS"),
        ("RAAN", None, "NI-AN"),
        ("St. Lucia", None, "LCA"),
        ("Santa Lucía", None, "LCA"),
        ("saint lucia", None, "LCA"),
        ("  SANTA   LUCIA ", None, "LCA"),
        ("Anse-la-Raye", None, "LC-01"),
        ("Kuna Yala", None, "PA-KY"),
        ("Ngobe Bugle", None, "PA-NB"),
        ("Estados Unidos", None, "USA"),
        ("EE. UU.", None, "USA"),
        ("United States of America", None, "USA"),
        ("Guatemala", None, "GTM"),
        ("Guatemala", "GTM", "GT-01"),
        ("GTM", "GTM", "GTM"),
        ("SON", "MEX", "MX-SON"),
        ("01", "GTM", "GT-01"),
        ("TX", "USA", "US-TX"),
        ("Texas", None, "US-TX"),
        ("Nueva York", None, "US-NY"),
        ("Colón", "PAN", "PA-3"),
        ("Colon", "Honduras", "HN-CL"),
        ("Otros", None, "_X"),
        ("UNK", None, "_X"),
        ("Stateless", None, "XXA"),
        ("Sta. Lucía", None, "LCA"),
        ("The Bahamas", None, "BHS"),
        ("Saint Kitts", None, "KNA"),
        ("Belice", None, "BLZ"),
        ("Surinam", None, "SUR"),
        ("Venezuela", None, "VEN"),
    ],
)
def test_resolve_codes_names_and_aliases(text, country, expected):
    assert geodata.resolve(text, country=country) == expected


def test_resolve_restricted_to_a_level():
    assert geodata.resolve("Panamá", level="admin1") == "PA-8"
    assert geodata.resolve("Belize", level="country") == "BLZ"


@pytest.mark.parametrize(
    "text,country,closest",
    [
        ("Guatamala", None, "GTM"),
        ("Chihuahu", "MEX", "MX-CHH"),
        ("Tegucigalpa", "HND", None),
        ("Jamaca", None, "JAM"),
        ("Sonorra", "MEX", "MX-SON"),
    ],
)
def test_unknown_names_fail_with_the_closest_valid_territories(text, country, closest):
    with pytest.raises(UnknownTerritoryError) as err:
        geodata.resolve(text, country=country)
    assert err.value.reason == "unknown"
    assert err.value.text == text
    assert 1 <= len(err.value.suggestions) <= 3
    if closest:
        assert err.value.suggestions[0][0] == closest
        assert closest in str(err.value)


def test_ambiguous_name_lists_every_candidate():
    with pytest.raises(UnknownTerritoryError) as err:
        geodata.resolve("Colón")
    assert err.value.reason == "ambiguous"
    assert {c for c, _, _ in err.value.suggestions} == {"HN-CL", "PA-3"}


def test_unit_of_another_country_is_refused():
    with pytest.raises(UnknownTerritoryError) as err:
        geodata.resolve("Jalisco", country="GTM")
    assert err.value.reason == "other_country"
    assert err.value.suggestions[0][0] == "MX-JAL"


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_empty_or_non_text_input_is_unknown(bad):
    with pytest.raises(UnknownTerritoryError):
        geodata.resolve(bad)


def test_unknown_level_is_a_value_error():
    with pytest.raises(ValueError, match="level must be one of"):
        geodata.resolve("MEX", level="province")


@pytest.mark.parametrize(
    "a,b",
    [
        ("Ñuñoa", "nunoa"),
        ("St. Lucia", "saint lucia"),
        ("Anse-la-Raye", "anse la raye"),
        ("  Costa   Rica ", "costa rica"),
    ],
)
def test_normalise_ignores_case_accents_punctuation_and_spacing(a, b):
    assert normalise(a) == b


def test_names_follow_the_language():
    assert geodata.name("USA", "es") == "Estados Unidos"
    assert geodata.name("USA", "en") == "United States"
    assert geodata.name("LCA", "en") == "Saint Lucia"
    assert geodata.name("MX-CMX", "en") == "Mexico City"
    assert geodata.name("US-NY", "es") == "Nueva York"
