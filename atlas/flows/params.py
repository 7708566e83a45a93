"""The flow page's URL and view-state rules. Pure: no Streamlit calls, so they are unit-tested."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlas.core.urlstate import Param, choice, flag, integer

TOP_CHOICES = ("10", "25", "50", "100", "all")
DEFAULT_TOP = "25"
SPEEDS = ("0.5", "1", "2", "3")
DEFAULT_SPEED = "1"
MAX_MIN_FLOW = 100_000_000
OWN_SPECS = ("view", "unit")  # read before the others: they decide the periods, sexes and places offered


def build_flow_specs(
    views: Sequence[str],
    default_view: str,
    periods: Sequence[str],
    default_period: str | None,
    units: Sequence[str],
    sexes: Sequence[str],
    places: Sequence[str],
) -> list[Param]:
    """Every parameter of the flow page, in the order the page reads them."""
    return [
        choice("view", list(views), default_view),
        choice("unit", list(units), units[0] if units else "year"),
        choice("period", list(periods), default_period),
        choice("sex", list(sexes), "_T"),
        choice("focus", ["", *places], ""),
        choice("mode", ["both", "in", "out"], "both"),
        choice("top", list(TOP_CHOICES), DEFAULT_TOP),
        integer("min", 0, MAX_MIN_FLOW, 0),
        flag("play", False),
        choice("speed", list(SPEEDS), DEFAULT_SPEED),
    ]


def settle_choice(current: object, options: Sequence[object], fallback: object) -> object:
    """``current`` if it is still an option of the view, else ``fallback`` (a choice left over from another view)."""
    return current if current in options else fallback


def top_limit(top: str) -> int | None:
    """The number of flows kept for a ``top`` value (``None`` for ``all``)."""
    return None if top == "all" else int(top)


def compute_picked_place(selection: Mapping | None) -> str | None:
    """The place code a click on the map picked (a dot of the ``places`` layer), or ``None``.

    Clicks on arcs or on empty map pick nothing, so they leave the focus as it is.
    """
    objects = (selection or {}).get("objects") or {}
    picked = objects.get("places") or []
    code = picked[0].get("code") if picked and isinstance(picked[0], Mapping) else None
    return code if isinstance(code, str) and code else None
