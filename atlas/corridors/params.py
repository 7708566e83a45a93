"""The corridor page's URL and view-state rules. Pure: no Streamlit calls, so they are unit-tested."""

from __future__ import annotations

from collections.abc import Sequence

from atlas.core.urlstate import Param, choice, year_range

YEAR_LOW, YEAR_HIGH = 1990, 2030
DEFAULT_YEARS = (2019, 2025)


def build_corridor_specs(
    corridors: Sequence[str], default_corridor: str, nationalities: Sequence[str], default_nationality: str
) -> list[Param]:
    """Every parameter of the corridor page."""
    return [
        choice("corridor", list(corridors), default_corridor),
        choice("nationality", list(nationalities), default_nationality),
        year_range("years", YEAR_LOW, YEAR_HIGH, DEFAULT_YEARS),
    ]


def settle_nationality(current: str | None, nationalities: Sequence[str]) -> str:
    """The nationality to show: the current one if the corridor has it, else the corridor's first."""
    return current if current in nationalities else nationalities[0]
