"""The one formatting helper: numbers, dates, months and "no data" in Spanish and English."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from etl.formatting import (
    NO_DATA,
    format_count,
    format_date,
    format_number,
    format_signed_percent,
    is_missing,
    month_name,
    vega_locale,
)


@pytest.mark.parametrize(
    "value,lang,decimals,text",
    [
        (1234567.891, "en", 1, "1,234,567.9"),
        (1234567.891, "es", 0, "1.234.568"),
        (1234567.0, "es", 0, "1.234.567"),
        (0.25, "es", 2, "0,25"),
        (-0.04, "en", 1, "0.0"),
        (1234, "es", 0, "1.234"),
        (np.int64(52375047), "es", 0, "52.375.047"),
    ],
)
def test_numbers_follow_the_language(value, lang, decimals, text):
    assert format_number(value, lang, decimals) == text


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, ""])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_missing_value_is_the_one_no_data_symbol_never_zero_or_none(missing, lang):
    assert is_missing(missing)
    assert format_number(missing, lang, 2) == NO_DATA == format_count(missing, lang)
    assert NO_DATA not in ("0", "None", "nan", "")


def test_zero_is_a_number_not_a_missing_value():
    assert not is_missing(0) and format_count(0, "es") == "0"


def test_trim_drops_trailing_zeros_only_when_asked():
    assert format_number(2.5, "es", 2, trim=True) == "2,5"
    assert format_number(2.5, "es", 2) == "2,50"
    assert format_number(3.0, "en", 2, trim=True) == "3"


def test_text_is_refused_with_what_was_given():
    with pytest.raises(TypeError, match="got str '12'"):
        format_number("12", "es")


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang must be one of"):
        format_number(1, "fr")


@pytest.mark.parametrize("lang,text", [("es", "+12,3\u00a0%"), ("en", "+12.3%")])
def test_signed_percent(lang, text):
    assert format_signed_percent(12.34, lang) == text
    assert format_signed_percent(None, lang) == NO_DATA
    assert format_signed_percent(-5, lang).startswith("−5")


def test_dates_and_months_are_words_of_the_language():
    assert format_date(dt.date(2026, 3, 1), "es") == "1 de marzo de 2026"
    assert format_date("2026-03-01", "en") == "March 1, 2026"
    assert month_name(3, "es") == "marzo" and month_name(3, "en") == "March"


@pytest.mark.parametrize("lang,decimal,thousands,march", [("es", ",", ".", "marzo"), ("en", ".", ",", "March")])
def test_charts_get_the_same_conventions_as_tables(lang, decimal, thousands, march):
    locale = vega_locale(lang)
    assert locale["number"]["decimal"] == decimal and locale["number"]["thousands"] == thousands
    assert locale["time"]["months"][2] == march and len(locale["time"]["shortMonths"]) == 12
    assert len(locale["time"]["days"]) == 7
