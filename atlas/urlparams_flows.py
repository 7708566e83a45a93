"""Query-parameter kinds for the flow, corridor and workshop views (on top of ``atlas.urlstate``).

Pure: no Streamlit calls here, so the specs can be read and round-tripped in unit tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlas.urlstate import Param, ParamError, choice, integer

TRUE = ("1", "true", "yes", "si", "sí", "on")
FALSE = ("0", "false", "no", "off")
TOP_CHOICES = ("10", "25", "50", "100", "all")
DEFAULT_TOP = "25"
SPEEDS = ("0.5", "1", "2", "3")
DEFAULT_SPEED = "1"
MAX_MIN_FLOW = 100_000_000
YEAR_LOW, YEAR_HIGH = 1990, 2030
DEFAULT_YEARS = (2019, 2025)


def flag(key: str, default: bool = False) -> Param:
    """A yes/no parameter written as ``1`` or ``0`` (``true``/``false``, ``sí``/``no`` also read)."""

    def parse(raw: str) -> bool:
        text = raw.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ParamError("reason_unknown_value", valid="1, 0")

    return Param(key, default, parse, dump=lambda v: "1" if v else "0", label=lambda v: "1" if v else "0")


def period(key: str, periods: Sequence[str], default: str | None) -> Param:
    """A period among those the data have (``2024``, ``FY2023``, ``2024-03``)."""
    return choice(key, list(periods), default)


def build_flow_specs(views: Sequence[str], default_view: str, periods: Sequence[str], default_period: str | None,
                     units: Sequence[str], sexes: Sequence[str], places: Sequence[str]) -> list[Param]:
    """Every parameter of the flow page, in the order the page reads them."""
    return [
        choice("view", list(views), default_view),
        choice("unit", list(units), units[0] if units else "year"),
        period("period", periods, default_period),
        choice("sex", list(sexes), "_T"),
        choice("focus", ["", *places], ""),
        choice("mode", ["both", "in", "out"], "both"),
        choice("top", list(TOP_CHOICES), DEFAULT_TOP),
        integer("min", 0, MAX_MIN_FLOW, 0),
        flag("play", False),
        choice("speed", list(SPEEDS), DEFAULT_SPEED),
    ]


def build_corridor_specs(corridors: Sequence[str], default_corridor: str, nationalities: Sequence[str],
                         default_nationality: str) -> list[Param]:
    """Every parameter of the corridor page."""
    return [
        choice("corridor", list(corridors), default_corridor),
        choice("nationality", list(nationalities), default_nationality),
        year_range("years", YEAR_LOW, YEAR_HIGH, DEFAULT_YEARS),
    ]


def build_workshop_specs(stories: Sequence[str]) -> list[Param]:
    """Workshop mode and story steps, shared by every page that can be projected."""
    return [
        flag("workshop", False),
        choice("story", ["", *stories], ""),
        integer("story_step", 1, 99, 1),
    ]


QueryKey = tuple[tuple[str, str], ...]
OWN_URLS_KEPT = 16


def compute_query_key(query: Mapping[str, str]) -> QueryKey:
    """A query string's parameters as a sorted tuple, to compare and remember them."""
    return tuple(sorted((str(k), str(v)) for k, v in query.items()))


def remember_query(recent: Sequence[QueryKey], query: QueryKey, keep: int = OWN_URLS_KEPT) -> tuple[QueryKey, ...]:
    """``recent`` with ``query`` last (moved there if already in), at most ``keep`` of them."""
    kept = [q for q in recent if q != query] + [query]
    return tuple(kept[-keep:])


def compute_next_period(periods: Sequence[str], current: str | None) -> str | None:
    """The period after ``current``, back to the first after the last (the first when ``current`` is unknown)."""
    if not periods:
        return None
    i = list(periods).index(current) if current in periods else -1
    return periods[(i + 1) % len(periods)]


def top_limit(top: str) -> int | None:
    """The number of flows kept for a ``top`` value (``None`` for ``all``)."""
    return None if top == "all" else int(top)


def year_range(key: str, low: int, high: int, default: tuple[int, int]) -> Param:
    """A range of years written ``2021-2024`` (first and last year, both included)."""

    def parse(raw: str) -> tuple[int, int]:
        first, sep, last = raw.strip().partition("-")
        try:
            start, end = int(first), int(last if sep else first)
        except ValueError:
            raise ParamError("reason_not_a_number") from None
        if not low <= start <= end <= high:
            raise ParamError("reason_out_of_range", low=low, high=high)
        return start, end

    return Param(key, default, parse, dump=lambda v: f"{v[0]}-{v[1]}", label=lambda v: f"{v[0]}-{v[1]}")
