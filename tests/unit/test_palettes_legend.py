"""Palettes as data, class colours (diverging centred on zero), and the legend with its no-data swatch."""

from __future__ import annotations

import pytest

from layers.classify import compute_classification
from layers.legend import build_legend, build_legend_html, format_range, rgb_hex
from layers.palettes import (
    NO_DATA,
    UnknownPaletteError,
    compute_class_colors,
    get_palette,
    hex_to_rgb,
    load_palettes,
    palettes_of_kind,
)


def test_every_palette_is_well_formed():
    pals = load_palettes()
    assert {"YlGnBu", "viridis", "PuOr", "BrBG"} <= set(pals)
    for p in pals.values():
        assert all(len(hex_to_rgb(c)) == 3 for c in p.colors)
        assert p.name("es") and p.name("en")
    assert palettes_of_kind("diverging") and palettes_of_kind("sequential")


def test_unknown_palette_lists_the_valid_ones():
    with pytest.raises(UnknownPaletteError, match="YlGnBu"):
        get_palette("Jet")


@pytest.mark.parametrize("n", [1, 2, 3, 5, 9])
def test_sequential_colours_are_distinct_and_light_to_dark(n):
    colors = compute_class_colors(get_palette("YlGnBu"), list(range(n)))
    assert len(colors) == n == len(set(colors))
    lum = [sum(hex_to_rgb(c)) for c in colors]
    assert lum == sorted(lum, reverse=True)


def test_diverging_colours_change_hue_at_zero():
    pal = get_palette("PuOr")
    colors = compute_class_colors(pal, [-10.0, -2.0, 0.0, 3.0, 9.0], lower=-20.0)
    negative, positive = set(pal.colors[:5]), set(pal.colors[6:])
    assert set(colors[:3]) <= negative and set(colors[3:]) <= positive
    assert colors[0] == pal.colors[0] and colors[-1] == pal.colors[-1]  # extremes are darkest


def test_diverging_with_only_positive_values_uses_the_positive_side():
    pal = get_palette("BrBG")
    colors = compute_class_colors(pal, [1.0, 2.0], lower=0.5)
    assert set(colors) <= set(pal.colors[6:])


def test_legend_has_ranges_counts_and_a_distinct_no_data_swatch():
    c = compute_classification([1, 2, 3, 4, 5, 6], "quantiles", 3)
    legend = build_legend(c, get_palette("YlGnBu"), no_data_count=4)
    assert [e.count for e in legend] == [2, 2, 2, 4]
    assert legend[-1].no_data and legend[-1].color == rgb_hex(NO_DATA)
    assert legend[-1].color not in get_palette("YlGnBu").colors
    assert (legend[0].low, legend[0].high) == (1.0, pytest.approx(c.uppers[0]))
    html = build_legend_html(legend, "en", 1, "Share", "No data", lambda n: f"({n})")
    assert "No data" in html and "(4)" in html and "1.0 – 2.7" in html


def test_a_one_value_class_shows_one_number():
    c = compute_classification([3, 3], "quantiles", 5)
    [entry, _] = build_legend(c, get_palette("viridis"), 0)
    assert format_range(entry, "en", 1) == "3.0"
