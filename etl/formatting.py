"""How numbers, dates and "no data" are written for people, in Spanish and English.

One module for every page, legend, tooltip, chart, table and download, so that the same
number reads the same everywhere: Babel (CLDR) conventions of the language — ``1.234.567,5``
in Spanish, ``1,234,567.5`` in English — and one symbol for a missing value, never ``0``,
``None`` or ``nan``. Charts get the same conventions through ``vega_locale``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from numbers import Real

import pandas as pd
from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

NO_DATA = "—"  # the one "no data" symbol: pages, legends, tooltips, tables and downloads
LANGS = ("es", "en")


def is_missing(value: object) -> bool:
    """True for ``None``, NaN, ``pd.NA``/``NaT`` and empty strings: what is shown as ``NO_DATA``."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def format_number(value: object, lang: str, decimals: int = 0, *, trim: bool = False) -> str:
    """``value`` rounded to ``decimals`` and written in the conventions of ``lang``.

    ``trim`` drops trailing zeros (``2,5`` rather than ``2,50``); a missing value gives ``NO_DATA``.
    Non-numbers are refused with a TypeError naming what was given.
    """
    if is_missing(value):
        return NO_DATA
    if not isinstance(value, Real):
        raise TypeError(f"format_number needs a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if abs(number) >= 1e15:  # past what Babel's 28 significant digits can show exactly
        return format_decimal(number, format="0.###E0", locale=_locale(lang))
    pattern = ("#,##0." + "#" * decimals if decimals > 0 else "#,##0") if trim else _pattern(decimals)
    return format_decimal(round(number, decimals) + 0.0, format=pattern, locale=_locale(lang))


def format_count(value: object, lang: str) -> str:
    """A count of people or events: whole numbers with the language's thousands separator."""
    return format_number(value, lang, 0)


def format_signed_percent(value: object, lang: str, decimals: int = 1) -> str:
    """A change in percent with its sign (``+12,5 %`` / ``+12.5%``); ``NO_DATA`` when missing."""
    if is_missing(value):
        return NO_DATA
    text = format_number(abs(float(value)), lang, decimals)
    sign = "+" if float(value) > 0 else ("−" if float(value) < 0 else "")
    return f"{sign}{text}\u00a0%" if lang == "es" else f"{sign}{text}%"


def format_date(value: dt.date | str, lang: str, width: str = "long") -> str:
    """A date in words (``6 de diciembre de 2026`` / ``December 6, 2026``); ISO strings are read."""
    if is_missing(value):
        return NO_DATA
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return _babel_date(value, format=width, locale=_locale(lang))


def month_name(month: int, lang: str, width: str = "wide") -> str:
    """The name of month 1–12 (``marzo`` / ``March``; ``width="abbreviated"`` for ``mar`` / ``Mar``)."""
    return Locale.parse(_locale(lang)).months["stand-alone"][width][int(month)]


@functools.cache
def vega_locale(lang: str) -> dict:
    """Vega-Lite's ``config.locale`` for ``lang``: number marks and month/day names from CLDR.

    Charts drawn with it write ``1.234,5`` and ``marzo`` in Spanish, as the tables do.
    """
    loc = Locale.parse(_locale(lang))
    symbols = loc.number_symbols["latn"]
    months = loc.months["stand-alone"]
    days = loc.days["stand-alone"]
    order = [6, 0, 1, 2, 3, 4, 5]  # Vega starts the week on Sunday; CLDR numbers Monday 0
    return {
        "number": {"decimal": symbols["decimal"], "thousands": symbols["group"], "grouping": [3], "currency": ["", ""]},
        "time": {
            "dateTime": "%x, %X",
            "date": "%d/%m/%Y" if lang == "es" else "%m/%d/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [days["wide"][i] for i in order],
            "shortDays": [days["abbreviated"][i] for i in order],
            "months": [months["wide"][m] for m in range(1, 13)],
            "shortMonths": [months["abbreviated"][m] for m in range(1, 13)],
        },
    }


def _locale(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def format_columns(frame, lang: str, decimals: dict[str, int], trim: bool = False):
    """A copy of ``frame`` for people: the columns named in ``decimals`` written as numbers of ``lang``
    (``NO_DATA`` where missing), every other missing cell written ``NO_DATA`` too (never ``None``/``nan``)."""
    out = frame.copy()
    for column in out.columns:
        if column in decimals:
            out[column] = [format_number(v, lang, decimals[column], trim=trim) for v in out[column]]
        elif out[column].dtype == object or str(out[column].dtype).startswith(("string", "str")):
            out[column] = [NO_DATA if is_missing(v) else v for v in out[column]]
    return out
