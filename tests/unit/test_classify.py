"""Choropleth classes: expected breaks on known inputs, and the edge cases decided once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layers.classify import (
    SCHEMES,
    UnknownSchemeError,
    assign_classes,
    compute_classification,
    validate_breaks,
)

ONE_TO_TEN = list(range(1, 11))


@pytest.mark.parametrize(
    "scheme,k,uppers,counts",
    [
        ("quantiles", 5, (2.8, 4.6, 6.4, 8.2, 10.0), (2, 2, 2, 2, 2)),
        ("equal_interval", 5, (2.8, 4.6, 6.4, 8.2, 10.0), (2, 2, 2, 2, 2)),
        ("fisher_jenks", 5, (2.0, 4.0, 6.0, 8.0, 10.0), (2, 2, 2, 2, 2)),
        ("quantiles", 2, (5.5, 10.0), (5, 5)),
        ("equal_interval", 3, (4.0, 7.0, 10.0), (4, 3, 3)),
    ],
)
def test_known_breaks_on_one_to_ten(scheme, k, uppers, counts):
    c = compute_classification(ONE_TO_TEN, scheme, k)
    assert c.lower == 1.0
    assert c.uppers == pytest.approx(uppers)
    assert c.counts == counts
    assert not c.k_reduced


def test_fisher_jenks_finds_the_natural_gaps():
    values = [1, 2, 3, 50, 51, 52, 200, 210]
    c = compute_classification(values, "fisher_jenks", 3)
    assert c.uppers == (3.0, 52.0, 210.0)
    assert c.counts == (3, 3, 2)


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks", "equal_interval"])
def test_all_equal_values_give_one_class(scheme):
    c = compute_classification([7.5, 7.5, 7.5, np.nan], scheme, 5)
    assert c.uppers == (7.5,) and c.counts == (3,) and c.lower == 7.5
    assert c.k_reduced


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks", "equal_interval"])
def test_fewer_values_than_classes_lowers_k(scheme):
    c = compute_classification([1.0, 4.0, 9.0], scheme, 5)
    assert c.k == 3 and c.k_reduced
    assert sum(c.counts) == 3
    assert c.uppers[-1] == 9.0


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks", "equal_interval"])
def test_no_values_gives_no_classes(scheme):
    c = compute_classification([np.nan, None], scheme, 4)
    assert c.k == 0 and c.lower is None


def test_missing_values_are_never_the_lowest_class():
    c = compute_classification([1, 2, 3, 4], "quantiles", 2)
    classes = assign_classes([np.nan, 1, 4, None], c)
    assert classes.tolist() == [-1, 0, 1, -1]


def test_manual_breaks_are_upper_bounds_and_the_maximum_closes_the_last_class():
    c = compute_classification([1, 2, 3, 50], "manual", breaks=[2, 10])
    assert c.uppers == (2.0, 10.0, 50.0) and c.counts == (2, 1, 1)
    c = compute_classification([1, 2, 3, 5], "manual", breaks=[2, 10])
    assert c.uppers == (2.0, 10.0) and c.counts == (2, 2)


@pytest.mark.parametrize(
    "breaks,match", [([], "at least one"), ([3, 2], "increase"), ([1, 1], "increase"), ([1, math.inf], "finite")]
)
def test_bad_manual_breaks_say_what_is_wrong(breaks, match):
    with pytest.raises(ValueError, match=match):
        validate_breaks(breaks)


def test_diverging_centre_splits_the_class_that_straddles_zero():
    c = compute_classification([-5, -1, 2, 3, 8, 10], "equal_interval", 3, centre=0)
    assert 0.0 in c.uppers
    bounds = c.bounds()
    assert all(high <= 0 or low >= 0 for low, high in bounds)
    assert sum(c.counts) == 6


def test_centre_outside_the_values_changes_nothing():
    plain = compute_classification([1, 2, 3, 4], "quantiles", 2)
    assert compute_classification([1, 2, 3, 4], "quantiles", 2, centre=0) == plain


def test_unknown_scheme_lists_the_valid_ones():
    with pytest.raises(UnknownSchemeError, match="quantiles, fisher_jenks, equal_interval, manual"):
        compute_classification([1, 2], "jenks")
    assert set(SCHEMES) == {"quantiles", "fisher_jenks", "equal_interval", "manual"}


def test_k_out_of_range_is_refused():
    with pytest.raises(ValueError, match="between"):
        compute_classification([1, 2, 3], "quantiles", 12)


def test_classification_is_deterministic():
    values = np.random.default_rng(1).lognormal(size=200)  # synthetic values for this test only
    assert compute_classification(values, "fisher_jenks", 6) == compute_classification(values, "fisher_jenks", 6)


# --- manual breaks from a URL or a text box (issue 15): messages, never a traceback ----------------


@pytest.mark.parametrize(
    "raw,code",
    [
        ("0,1e27", "breaks_too_large"),
        ("0,inf", "breaks_not_finite"),
        ("nan", "breaks_not_finite"),
        ("1e400", "breaks_not_finite"),
        ("abc", "breaks_not_number"),
        ("", "breaks_empty"),
        ("5,1", "breaks_not_increasing"),
        (",".join(str(i) for i in range(30)), "breaks_too_many"),
        ("-1e16,0", "breaks_too_large"),
    ],
)
def test_manual_breaks_out_of_range_give_a_bilingual_message(raw, code):
    from layers.classify import BreaksError, parse_manual_breaks

    with pytest.raises(BreaksError) as caught:
        parse_manual_breaks(raw)
    assert caught.value.code == code
    assert caught.value.message("es") != caught.value.message("en") and caught.value.fix("es")


def test_breaks_at_the_limit_classify_and_their_legend_formats():
    from etl.formatting import format_number
    from layers.classify import MAX_BREAK, parse_manual_breaks

    breaks = parse_manual_breaks(f"0, 1000, {MAX_BREAK:g}")
    c = compute_classification([1, 2, 5000], "manual", breaks=breaks)
    assert c.counts == (0, 2, 1)
    assert [format_number(v, "es", 1) for v in (0, 1e15, 1e27, -1e300)] == ["0,0", "1E15", "1E27", "-1E300"]
