"""Choropleth palettes, read from ``palettes.yaml`` (data, not code), and class colours.

Sequential ramps colour classes from light (low) to dark (high). Diverging ramps are
centred on zero: classes below zero take the negative half, classes above it the
positive half, the darkest colour at the extremes, so a sign change is always a hue
change. Missing values never take a palette colour: they get ``NO_DATA``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from common.text import Bilingual
from common.yamlfile import load_yaml

PALETTES_FILE = Path(__file__).resolve().parent / "palettes.yaml"
KINDS = ("sequential", "diverging")
NO_DATA = (205, 205, 205)  # neutral light grey; drawn with NO_DATA_LINE and named "No data"
NO_DATA_LINE = (110, 110, 110)
DEFAULT_PALETTE = {"sequential": "YlGnBu", "diverging": "PuOr"}


class UnknownPaletteError(KeyError):
    """A palette name that ``palettes.yaml`` does not define."""


@dataclass(frozen=True)
class Palette:
    """A named ramp of ``#rrggbb`` colours of one kind."""

    id: str
    kind: str
    name: Bilingual  # ``palette.name(lang)``
    colors: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def load_palettes() -> dict[str, Palette]:
    """Every palette in ``palettes.yaml``, by id; checks kinds and ramp lengths."""
    raw = load_yaml(PALETTES_FILE)
    out = {}
    for pid, spec in raw.items():
        if spec["kind"] not in KINDS:
            raise ValueError(f"palette {pid!r} in {PALETTES_FILE}: kind must be one of {KINDS}, got {spec['kind']!r}")
        colors = tuple(spec["colors"])
        if spec["kind"] == "diverging" and len(colors) % 2 == 0:
            raise ValueError(f"diverging palette {pid!r} needs an odd number of colours, got {len(colors)}")
        name = Bilingual.from_mapping(spec["name"], f"palette {pid!r} in {PALETTES_FILE}: name")
        out[pid] = Palette(pid, spec["kind"], name, colors)
    return out


def palettes_of_kind(kind: str) -> list[str]:
    """Ids of the palettes of ``kind`` ("sequential" or "diverging"), in file order."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return [pid for pid, p in load_palettes().items() if p.kind == kind]


def get_palette(palette_id: str) -> Palette:
    """The palette ``palette_id``; an unknown id raises an error that lists the valid ones."""
    try:
        return load_palettes()[palette_id]
    except KeyError:
        raise UnknownPaletteError(f"unknown palette {palette_id!r}; valid: {', '.join(load_palettes())}") from None


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``"#1d91c0"`` -> ``(29, 145, 192)``."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"expected a #rrggbb colour, got {color!r}")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _spread(ramp: tuple[str, ...], n: int) -> list[str]:
    """``n`` colours evenly spaced along ``ramp`` (both ends included when n > 1)."""
    if n <= 0:
        return []
    if n == 1:
        return [ramp[len(ramp) // 2]]
    last = len(ramp) - 1
    return [ramp[round(i * last / (n - 1))] for i in range(n)]


def compute_class_colors(palette: Palette, uppers: list[float], lower: float | None = None) -> list[str]:
    """One colour per class, given the classes' upper bounds (ascending).

    Sequential: evenly spaced from light to dark. Diverging: a class whose upper bound is
    at most 0 is negative, any other positive; each side is spread from its lightest
    colour (next to zero) outwards, so the most extreme class on each side is darkest.
    ``lower`` is the minimum value (the lower bound of the first class).
    """
    if palette.kind == "sequential":
        return _spread(palette.colors, len(uppers))
    mid = len(palette.colors) // 2
    negative_side = tuple(reversed(palette.colors[:mid]))  # lightest first
    positive_side = palette.colors[mid + 1 :]  # lightest first
    n_neg = sum(1 for u in uppers if u <= 0)
    if n_neg == len(uppers) and lower is not None and lower > 0:
        n_neg = 0
    n_pos = len(uppers) - n_neg
    neg = list(reversed(_spread_from_centre(negative_side, n_neg)))
    pos = _spread_from_centre(positive_side, n_pos)
    return neg + pos


def _spread_from_centre(side: tuple[str, ...], n: int) -> list[str]:
    """``n`` colours of one diverging side, lightest first; one class takes a middle tone."""
    if n <= 0:
        return []
    if n == 1:
        return [side[len(side) // 2]]
    return _spread(side, n)
