"""Pure rules of the Data and sources page: the coverage matrix's years and links (no streamlit calls)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

MATRIX_YEARS = range(1990, 2101)  # computed once; the page trims it to the years that have data
WINDOW = 26  # years shown at first (2000–2025 when the latest data are of 2025)
LEVELS = ("country", "admin1")


def with_lang(link: str, lang: str) -> str:
    """``link`` with its ``lang`` query parameter set to ``lang`` (every other parameter kept, in order)."""
    parts = urlsplit(link)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return f"{parts.path}?{urlencode([*pairs, ('lang', lang)])}"


def page_link(link: str) -> str:
    """A site link (``/map?…``) relative to the page (``map?…``), so it also works under a base path."""
    return link.lstrip("/")


def compute_year_bounds(filled_years: Iterable[int]) -> tuple[int, int]:
    """First and last year with any filled (existing or partial) cell; ``MATRIX_YEARS``' ends when none."""
    years = sorted(set(int(y) for y in filled_years))
    return (years[0], years[-1]) if years else (MATRIX_YEARS[0], MATRIX_YEARS[-1])


def compute_default_window(
    country_years: Iterable[int], bounds: tuple[int, int], width: int = WINDOW
) -> tuple[int, int]:
    """The years shown at first: the ``width`` years up to the last year with data at country level
    (projections, drawn at admin-1 up to 2070, are one drag away), clipped to ``bounds``."""
    years = sorted(set(int(y) for y in country_years))
    end = min(years[-1], bounds[1]) if years else bounds[1]
    start = max(bounds[0], end - width + 1)
    return start, max(start, end)
