"""Disclosure control: primary and secondary suppression, checked by solving for each hidden cell.

The check is independent of the module: from the table exactly as published (cells and
totals, with suppressed cells blank), a linear programme finds how low and how high each
suppressed cell can be. Protected means the interval is at least one unit wide.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from etl.crosstab.disclosure import (
    DisclosureConfigError,
    DisclosureSettings,
    apply_disclosure_control,
    build_constraints,
    compute_primary,
    load_disclosure_settings,
    validate_disclosure_settings,
)

SETTINGS = DisclosureSettings(threshold=5, min_interval_width=1.0)


def make_table(grid: np.ndarray) -> pd.DataFrame:
    """A 2-D table of counts with row totals, column totals and the grand total (``_T``)."""
    rows = []
    n_r, n_c = grid.shape
    for i, j in itertools.product(range(n_r), range(n_c)):
        if grid[i, j] > 0:
            rows.append((f"r{i}", f"c{j}", float(grid[i, j])))
    for i in range(n_r):
        rows.append((f"r{i}", "_T", float(grid[i].sum())))
    for j in range(n_c):
        rows.append(("_T", f"c{j}", float(grid[:, j].sum())))
    rows.append(("_T", "_T", float(grid.sum())))
    frame = pd.DataFrame(rows, columns=["r", "c", "value"])
    return frame.assign(n=frame["value"])


def solve_intervals(published: pd.DataFrame, dims: list[str]) -> dict[tuple, tuple[float, float]]:
    """From the published table only (``value`` NaN where suppressed), each hidden cell's range.

    Independent of the module: every total shown equals the sum of the inner cells (no
    ``_T``) it covers; inner cells absent from the table are published zeros.
    """
    keys = [tuple(r) for r in published[dims].itertuples(index=False)]
    value = dict(zip(keys, published["value"]))
    hidden = [k for k in keys if np.isnan(value[k])]
    col = {k: i for i, k in enumerate(hidden)}
    inner = [k for k in keys if "_T" not in k]
    a_eq, b_eq = [], []
    for total in (k for k in keys if "_T" in k):
        parts = [k for k in inner if all(t == "_T" or t == c for t, c in zip(total, k))]
        row, b = np.zeros(len(hidden)), 0.0
        for key, sign in [(total, 1.0), *[(p, -1.0) for p in parts]]:
            if key in col:
                row[col[key]] += sign
            else:
                b -= sign * value[key]
        a_eq.append(row)
        b_eq.append(b)
    bounds = [(0, None)] * len(hidden)  # what anyone knows of a hidden count: it is not negative
    out = {}
    for key, j in col.items():
        c = np.zeros(len(hidden))
        c[j] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert lo.status == 0
        out[key] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def assert_protected(protected: pd.DataFrame, dims: list[str], report) -> None:
    intervals = solve_intervals(publish(protected), dims)
    assert len(intervals) == report.primary + report.secondary
    for key, (lo, hi) in intervals.items():
        assert hi - lo >= 1 - 1e-9, f"{key} is pinned to [{lo}, {hi}]"
    assert report.exposed == 0


def publish(table: pd.DataFrame) -> pd.DataFrame:
    """What a user sees: suppressed cells have no value."""
    return table.assign(value=table["value"].where(table["suppression"] == ""))


RNG = np.random.default_rng(7)
GRIDS = [RNG.integers(0, 30, size=(4, 5)) for _ in range(6)] + [
    np.array([[20, 3, 15], [12, 30, 9], [2, 25, 40]]),
    np.array([[3, 40], [50, 60]]),  # a lonely primary in a 2 x 2 table
    np.array([[4, 0, 0], [0, 30, 12], [7, 8, 9]]),  # a row whose only cell is primary
    np.array([[1, 2, 3], [4, 1, 2], [3, 4, 1]]),  # almost everything is small
]


@pytest.mark.parametrize("grid", GRIDS, ids=[f"grid{i}" for i in range(len(GRIDS))])
def test_no_suppressed_cell_can_be_recovered_from_the_totals(grid):
    table = make_table(grid)
    protected, report = apply_disclosure_control(table, ["r", "c"], SETTINGS, "n")
    small = (protected["n"] > 0) & (protected["n"] < SETTINGS.threshold)
    assert (protected.loc[small, "suppression"] == "primary").all()
    assert_protected(protected, ["r", "c"], report)


def test_a_table_without_small_cells_is_left_alone():
    table = make_table(np.array([[10, 20], [30, 40]]))
    protected, report = apply_disclosure_control(table, ["r", "c"], SETTINGS, "n")
    assert (protected.suppression == "").all() and report.primary == report.secondary == 0


def test_suppression_is_deterministic():
    table = make_table(GRIDS[0])
    first, _ = apply_disclosure_control(table, ["r", "c"], SETTINGS, "n")
    second, _ = apply_disclosure_control(
        table.sample(frac=1, random_state=3).reset_index(drop=True).sort_values(["r", "c"]).reset_index(drop=True),
        ["r", "c"],
        SETTINGS,
        "n",
    )
    assert first.sort_values(["r", "c"]).suppression.tolist() == second.suppression.tolist()


def test_hierarchical_subtotals_are_protected_too():
    """Rows nested in two levels with subtotals: the audit covers every equation."""
    rows = []
    counts = {
        ("a", "x", "m"): 30,
        ("a", "x", "f"): 2,
        ("a", "y", "m"): 12,
        ("a", "y", "f"): 14,
        ("b", "x", "m"): 8,
        ("b", "x", "f"): 21,
        ("b", "y", "m"): 3,
        ("b", "y", "f"): 16,
    }
    keys = set()
    for g, s, c in counts:
        for kg, ks, kc in itertools.product([g, "_T"], [s, "_T"], [c, "_T"]):
            if kg == "_T" and ks != "_T":
                continue  # ROLLUP over (g, s): no (total, s) cells
            keys.add((kg, ks, kc))
    for key in sorted(keys):
        value = sum(v for k, v in counts.items() if all(a == "_T" or a == b for a, b in zip(key, k)))
        rows.append((*key, float(value)))
    table = pd.DataFrame(rows, columns=["g", "s", "c", "value"]).assign(n=lambda f: f.value)
    protected, report = apply_disclosure_control(table, ["g", "s", "c"], SETTINGS, "n")
    assert report.primary == 2
    assert_protected(protected, ["g", "s", "c"], report)


def make_cube(counts: dict[tuple[str, str, str], int]) -> pd.DataFrame:
    """Two row dimensions and one column dimension with grand margins only (totals="totals"):
    the column totals sum over both row dimensions at once."""
    rows = {(a, b) for a, b, _ in counts}
    cols = {c for _, _, c in counts}
    cells = [(a, b, c, float(v)) for (a, b, c), v in counts.items()]
    cells += [(a, b, "_T", float(sum(v for k, v in counts.items() if k[:2] == (a, b)))) for a, b in rows]
    cells += [("_T", "_T", c, float(sum(v for k, v in counts.items() if k[2] == c))) for c in cols]
    cells.append(("_T", "_T", "_T", float(sum(counts.values()))))
    return pd.DataFrame(cells, columns=["a", "b", "c", "value"]).assign(n=lambda f: f.value)


@pytest.mark.parametrize("seed", [1, 2, 4, 5])
def test_margins_over_several_dimensions_are_protected(seed):
    rng = np.random.default_rng(seed)
    counts = {
        (f"a{i}", f"b{j}", f"c{k}"): int(v)
        for i in range(4)
        for j in range(3)
        for k in range(4)
        if (v := rng.choice([0, 1, 2, 3, 6, 12, 40], p=[0.25, 0.15, 0.1, 0.1, 0.15, 0.15, 0.1])) > 0
    }
    protected, report = apply_disclosure_control(make_cube(counts), ["a", "b", "c"], SETTINGS, "n")
    assert report.primary > 0
    assert_protected(protected, ["a", "b", "c"], report)


@pytest.mark.parametrize(
    "basis,expected",
    [
        ([0, 1, 4, 5, 100], [False, True, True, False, False]),
        ([np.nan, 2.0], [False, True]),
        ([], []),
    ],
)
def test_primary_rule(basis, expected):
    assert compute_primary(np.array(basis, dtype=float), 5).tolist() == expected


def test_a_margin_over_two_dimensions_is_one_constraint():
    keys = [("a", "x", "p"), ("b", "y", "p"), ("a", "x", "_T"), ("b", "y", "_T"), ("_T", "_T", "p"), ("_T", "_T", "_T")]
    found = {(keys[c.parent], tuple(sorted(keys[ch] for ch in c.children))) for c in build_constraints(keys)}
    assert (("_T", "_T", "p"), (("a", "x", "p"), ("b", "y", "p"))) in found
    assert (("_T", "_T", "_T"), (("_T", "_T", "p"),)) in found


def test_constraints_follow_the_totals_shown():
    keys = [("a", "x"), ("a", "y"), ("a", "_T"), ("_T", "x"), ("_T", "y"), ("_T", "_T"), ("b", "x"), ("b", "_T")]
    found = {(keys[c.parent], tuple(sorted(keys[ch] for ch in c.children))) for c in build_constraints(keys)}
    assert (("a", "_T"), (("a", "x"), ("a", "y"))) in found
    assert (("_T", "x"), (("a", "x"), ("b", "x"))) in found
    assert (("_T", "_T"), (("_T", "x"), ("_T", "y"))) in found


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ({"threshold": 2, "min_interval_width": 1, "max_cells": 10}, "threshold"),
        ({"threshold": 5, "min_interval_width": 0, "max_cells": 10}, "min_interval_width"),
        ({"threshold": 5, "min_interval_width": 1, "max_cells": 0}, "max_cells"),
        ({"threshold": "5", "min_interval_width": 1, "max_cells": 10}, "threshold"),
        (
            {"threshold": 5, "min_interval_width": 1, "max_cells": 10, "confidential_datasets": "x"},
            "confidential_datasets",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_reason(raw, fragment):
    assert any(fragment in p for p in validate_disclosure_settings(raw))


def test_the_threshold_is_configuration(tmp_path):
    path = tmp_path / "disclosure.yaml"
    path.write_text("threshold: 10\nmin_interval_width: 2\nmax_cells: 50\nconfidential_datasets: [x]\n")
    settings = load_disclosure_settings(path)
    assert (settings.threshold, settings.min_interval_width, settings.confidential_datasets) == (10, 2.0, ("x",))
    bad = tmp_path / "bad.yaml"
    bad.write_text("threshold: 1\nmin_interval_width: 1\nmax_cells: 50\n")
    with pytest.raises(DisclosureConfigError, match="threshold"):
        load_disclosure_settings(bad)
    assert load_disclosure_settings().threshold >= 3
