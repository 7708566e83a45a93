"""Choropleth classes with mapclassify: quantiles, Fisher-Jenks, equal interval, manual breaks.

One registry of schemes, as mapclassify keeps its own; an unknown name raises an error
that lists the valid ones. Edge cases are decided here, once: missing values are left
out of the classes (they are "No data", never the lowest class); all-equal values give
one class; fewer distinct values than classes lower ``k`` to the number of distinct
values (and ``k_reduced`` says so). Deterministic: the same values give the same breaks.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Scheme name -> mapclassify class. mapclassify is imported on first use: it pulls in
# scipy.stats and scikit-learn (about a second), which pages without a map never need.
SCHEMES = {
    "quantiles": "Quantiles",
    "fisher_jenks": "FisherJenks",
    "equal_interval": "EqualInterval",
    "manual": "UserDefined",
}
K_MIN, K_MAX = 2, 9
# Largest break a legend can show exactly: past 2**53 a float no longer holds every whole number, and
# number formatting (Babel, 28 significant digits) fails on values such as 1e27.
MAX_BREAK = 1e15
MAX_BREAKS = 20
BREAK_MESSAGES = {  # what is wrong (es, en) and how to fix it, for the map page's notice
    "breaks_empty": (
        "No se indicó ningún límite de clase: hace falta al menos uno.",
        "No class break was given: at least one is needed.",
    ),
    "breaks_not_number": ("«{value}» no es un número.", "'{value}' is not a number."),
    "breaks_not_finite": ("«{value}» no es un número finito.", "'{value}' is not a finite number."),
    "breaks_too_large": (
        "«{value}» está fuera del rango admitido (±{limit}).",
        "'{value}' is outside the range allowed (±{limit}).",
    ),
    "breaks_not_increasing": (
        "Los límites deben crecer: «{value}» no es mayor que el anterior.",
        "Breaks must increase: '{value}' is not greater than the one before.",
    ),
    "breaks_too_many": (
        "Hay {count} límites; el máximo es {limit}.",
        "There are {count} breaks; the maximum is {limit}.",
    ),
}
BREAK_FIX = (
    "Escriba números crecientes separados por comas, por ejemplo 10, 100, 1000.",
    "Type increasing numbers separated by commas, for example 10, 100, 1000.",
)


class UnknownSchemeError(ValueError):
    """A classification scheme that is not in ``SCHEMES``."""


class BreaksError(ValueError):
    """Manual breaks that cannot be used; ``message(lang)`` and ``fix(lang)`` are for the page (es/en)."""

    def __init__(self, code: str, **params: object):
        self.code, self.params = code, params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        es, en = BREAK_MESSAGES[self.code]
        return (es if lang == "es" else en).format(**self.params)

    def fix(self, lang: str) -> str:
        return BREAK_FIX[0] if lang == "es" else BREAK_FIX[1]


def parse_manual_breaks(raw: str | Sequence[object]) -> list[float]:
    """Manual breaks from text (``"10, 100; 1000"``) or a sequence; ``BreaksError`` says what is wrong.

    Pure: what the map page calls on a URL or a text box before classifying, so that ``0,1e27``,
    ``inf``, ``nan`` or ``abc`` give a notice instead of a traceback.
    """
    parts = [p.strip() for p in raw.replace(";", ",").split(",")] if isinstance(raw, str) else list(raw)
    parts = [p for p in parts if not (isinstance(p, str) and not p)]
    if not parts:
        raise BreaksError("breaks_empty")
    if len(parts) > MAX_BREAKS:
        raise BreaksError("breaks_too_many", count=len(parts), limit=MAX_BREAKS)
    out: list[float] = []
    for part in parts:
        shown = str(part)[:40]
        try:
            value = float(part)
        except (TypeError, ValueError, OverflowError):
            raise BreaksError("breaks_not_number", value=shown) from None
        if not np.isfinite(value):
            raise BreaksError("breaks_not_finite", value=shown)
        if abs(value) > MAX_BREAK:
            raise BreaksError("breaks_too_large", value=shown, limit=f"{MAX_BREAK:.0e}")
        if out and value <= out[-1]:
            raise BreaksError("breaks_not_increasing", value=shown)
        out.append(value)
    return out


@dataclass(frozen=True)
class Classification:
    """Classes of a set of values.

    ``uppers`` are the classes' upper bounds (inclusive), ascending; the first class
    starts at ``lower`` (the minimum). ``counts`` has one entry per class. ``k_reduced``
    is True when fewer classes than asked for could be formed.
    """

    scheme: str
    lower: float | None
    uppers: tuple[float, ...]
    counts: tuple[int, ...]
    k_asked: int
    k_reduced: bool

    @property
    def k(self) -> int:
        return len(self.uppers)

    def bounds(self) -> list[tuple[float, float]]:
        """``(low, high)`` of every class; the first starts at the minimum."""
        lows = [self.lower, *self.uppers[:-1]]
        return list(zip(lows, self.uppers))


def validate_breaks(breaks: Sequence[float]) -> list[float]:
    """Manual breaks as floats, increasing, within ±``MAX_BREAK``; raises ``BreaksError`` (a ``ValueError``)."""
    return parse_manual_breaks(list(breaks))


def compute_classification(
    values: Sequence[float] | pd.Series,
    scheme: str,
    k: int = 5,
    breaks: Sequence[float] | None = None,
    centre: float | None = None,
) -> Classification:
    """Classes for ``values`` (NaN ignored) with ``scheme`` and ``k`` classes (or manual ``breaks``).

    ``centre`` (0 for diverging indicators such as net migration) is added as a break when
    the values straddle it, so that no class mixes negative and positive values.
    """
    classification = _classify(values, scheme, k, breaks)
    if centre is None or classification.lower is None or not classification.lower < centre < classification.uppers[-1]:
        return classification
    if centre in classification.uppers:
        return classification
    uppers = tuple(sorted([*classification.uppers, float(centre)]))
    y = _finite(values)
    idx = np.searchsorted(np.asarray(uppers), y, side="left")
    counts = tuple(int((idx == i).sum()) for i in range(len(uppers)))
    return Classification(
        classification.scheme, classification.lower, uppers, counts, classification.k_asked, classification.k_reduced
    )


def _finite(values: Sequence[float] | pd.Series) -> np.ndarray:
    y = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").to_numpy()
    return y[np.isfinite(y)]


def _classify(
    values: Sequence[float] | pd.Series, scheme: str, k: int, breaks: Sequence[float] | None
) -> Classification:
    if scheme not in SCHEMES:
        raise UnknownSchemeError(f"unknown classification scheme {scheme!r}; valid: {', '.join(SCHEMES)}")
    if not K_MIN <= int(k) <= K_MAX and scheme != "manual":
        raise ValueError(f"k must be between {K_MIN} and {K_MAX}, got {k}")
    y = _finite(values)
    if scheme == "manual":
        return _manual(y, validate_breaks(breaks or []))
    if y.size == 0:
        return Classification(scheme, None, (), (), int(k), True)
    distinct = np.unique(y)
    if distinct.size == 1:
        return Classification(scheme, float(y[0]), (float(y[0]),), (int(y.size),), int(k), int(k) > 1)
    k_eff = min(int(k), int(distinct.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify warns about numba and about merged quantiles
        import mapclassify

        classifier = getattr(mapclassify, SCHEMES[scheme])(y, k=k_eff)
    uppers, counts = _dedupe(classifier.bins, classifier.counts)
    return Classification(scheme, float(y.min()), uppers, counts, int(k), len(uppers) < int(k))


def _manual(y: np.ndarray, breaks: list[float]) -> Classification:
    """Manual breaks as upper bounds; values above the last break form one more class."""
    lower = float(y.min()) if y.size else None
    uppers = list(breaks)
    if y.size and y.max() > uppers[-1]:
        uppers.append(float(y.max()))
    idx = np.searchsorted(np.asarray(uppers), y, side="left")
    counts = tuple(int((idx == i).sum()) for i in range(len(uppers)))
    return Classification("manual", lower, tuple(uppers), counts, len(breaks), False)


def _dedupe(bins: np.ndarray, counts: np.ndarray) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Drop repeated upper bounds (their classes are empty) and keep the counts aligned."""
    uppers: list[float] = []
    out_counts: list[int] = []
    for b, c in zip(bins.tolist(), counts.tolist()):
        if uppers and b <= uppers[-1]:
            out_counts[-1] += int(c)
            continue
        uppers.append(float(b))
        out_counts.append(int(c))
    return tuple(uppers), tuple(out_counts)


def assign_classes(values: Sequence[float] | pd.Series, classification: Classification) -> np.ndarray:
    """The class index of every value (-1 for a missing value, never the lowest class)."""
    y = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").to_numpy()
    out = np.full(y.shape, -1, dtype=int)
    if not classification.uppers:
        return out
    ok = np.isfinite(y)
    idx = np.searchsorted(np.asarray(classification.uppers), y[ok], side="left")
    out[ok] = np.minimum(idx, len(classification.uppers) - 1)
    return out


def compute_focused_classification(
    values: Sequence[float] | pd.Series, focus: Sequence[bool], scheme: str, k: int = 5, centre: float | None = None
) -> Classification:
    """Classes whose breaks separate the ``focus`` values (e.g. the network's twelve countries), drawn over all.

    In a view of the whole Americas, quantiles over every territory spend their classes on small
    islands and paint the focus countries in one pale class. Here the inner breaks come from the
    focus values only; the first class starts at the minimum of all values and the last ends at
    their maximum, so every territory still has a class whose range holds its value, and the counts
    are those of all values. Falls back to the plain classification when the focus has fewer than
    ``k`` distinct values.
    """
    series = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce")
    mask = pd.Series(list(focus), index=series.index, dtype=bool)
    own = series[mask & series.notna()]
    if own.nunique() < max(k, 2):
        return compute_classification(series, scheme, k, centre=centre)
    inner = compute_classification(own, scheme, k, centre=centre)
    every = _finite(series)
    uppers = list(inner.uppers)
    uppers[-1] = max(uppers[-1], float(every.max()))
    lower = min(float(inner.lower), float(every.min()))
    idx = np.minimum(np.searchsorted(np.asarray(uppers), every, side="left"), len(uppers) - 1)
    counts = tuple(int((idx == i).sum()) for i in range(len(uppers)))
    return Classification(inner.scheme, lower, tuple(uppers), counts, inner.k_asked, inner.k_reduced)
