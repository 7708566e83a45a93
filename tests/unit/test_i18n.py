"""Every string exists in Spanish and English with the same placeholders."""

from __future__ import annotations

import string

import pytest

from atlas.core.i18n import LANGS, MissingStringError, catalogue, t


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    texts = catalogue()[key]
    assert set(texts) == set(LANGS), f"{key} has {sorted(texts)}"
    assert all(isinstance(v, str) and v.strip() for v in texts.values()), key
    assert _fields(texts["es"]) == _fields(texts["en"]), key


def test_placeholders_are_filled():
    assert "«x=1»" in t("common.url_notice", "es", param="x", value="1", reason="r", fallback="f")


def test_missing_key_is_an_error_that_names_it():
    with pytest.raises(MissingStringError, match="no_such_key"):
        t("common.no_such_key", "es")
