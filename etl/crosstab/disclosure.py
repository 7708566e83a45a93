"""Disclosure control for confidential tables: primary, complement and secondary cell suppression.

A table of confidential data (record-level datasets, confidential submissions) never
shows a small cell, nor a cell that can be worked out from what it does show.

* **Primary**: a cell built from 1 to ``threshold - 1`` records is suppressed.
* **Complement** (differencing between tables): when filters narrow the table, the
  engine (``etl.crosstab.engine.compute_complement_mask``) computes in DuckDB, for every
  cell, what the same cell holds in each table anyone can ask for with fewer of those
  filters, minus what it holds here (for filters F and every non-empty subset R of them:
  the table filtered by F without R, minus this one). A cell whose complement is built from 1
  to ``threshold - 1`` records is suppressed too: subtracting the two tables would
  otherwise reveal a small group ("every port but one", "other months").
* **Secondary**: other cells are suppressed until no suppressed cell can be recovered
  from the published cells and totals. Every total shown (margins, subtotals, the
  denominators of shares) is an equation ``total = sum of its parts``.
* **Audit** (the protection criterion): for each suppressed cell, linear programmes
  (``scipy.optimize.linprog``) find how low and how high it can be given every published
  value, every equation ``total = sum of parts`` and non-negativity. The cell is
  protected when ``max - min >= min_interval_width``. Secondary cells are added until
  every suppressed cell passes; the audit is the proof, the heuristic only picks the cells.

Secondary cells are chosen deterministically: inner cells before totals, cells that close
an existing pattern (no new lonely suppression) first, non-zero before zero, small
before large, then by key.

What is protected:

* **Within one table**: no suppressed cell can be narrowed below ``min_interval_width``
  from the cells and totals the table shows (proved by the audit above).
* **Across tables, for these filter patterns**: the explorer refuses, on confidential
  sources, a filter on a dimension that the table does not show unless it keeps one
  code or all of them (``etl.crosstab.spec.validate_confidential_filters``): a subset
  such as "every port but one" would let anyone subtract two tables. With one code or
  all codes per hidden dimension, and any subset on a shown dimension, the difference
  between this table and any table with fewer of its filters (the unfiltered table, a
  one-value slice against the whole) is checked cell by cell by the complement rule, so
  a small group of records is never the difference of two published numbers.

Residual risk (known limits of cell suppression, stated in docs/STORE.md):

* the audit is per table: a cell suppressed as a *secondary* in one table may be shown
  in another slice or layout, and the pieces of several tables together can narrow a
  suppressed cell. Example: in nationality × port, ABW × Sixaola (3) is primary and
  ABW × Peñas Blancas secondary; the one-port slices of every other port each show ABW
  (each differs from the whole by a large number), and the nationality table shows ABW's
  total: the total minus the slices gives the primary cell;
* the complement rule covers tables with *fewer* filters (same rows and columns); it
  does not compare tables with different rows and columns, or two disjoint slices with
  a third one, beyond what that rule and the primary rule in each slice imply;
* the reason shown for a primary cell tells that it lies between 1 and
  ``threshold - 1``; the audit does not use that (with it, a row of small cells under a
  small total can be pinned whatever is suppressed, so no suppression pattern could pass).

The next step is cell-key perturbation (the ABS / Eurostat cell-key method): a small,
fixed noise per set of records, so that every table built from the same records gets
the same noise and differences across tables no longer reveal exact counts. Suppression
alone cannot make all slices and layouts consistent without protecting the whole cube.

The threshold and the criterion live in ``etl/crosstab/disclosure.yaml`` (configuration, not code).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from common.yamlfile import load_yaml

TOTAL = "_T"
SETTINGS_PATH = Path(__file__).resolve().with_name("disclosure.yaml")
PRIMARY = "primary"
COMPLEMENT = "complement"
SECONDARY = "secondary"


class DisclosureConfigError(ValueError):
    """``disclosure.yaml`` is missing a setting or holds a value that cannot protect anything."""


@dataclass(frozen=True)
class DisclosureSettings:
    threshold: int = 5
    min_interval_width: float = 1.0
    confidential_datasets: tuple[str, ...] = ()
    max_cells: int = 20000


@dataclass(frozen=True)
class Constraint:
    """``cells[parent] = sum(cells[children])``: one total the table shows."""

    parent: int
    children: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.parent, *self.children)


@dataclass(frozen=True)
class DisclosureReport:
    """What disclosure control did to one table."""

    threshold: int
    min_interval_width: float
    primary: int
    secondary: int
    intervals: Mapping[int, tuple[float, float]]  # row position -> a feasible interval proving protection
    complement: int = 0  # cells suppressed because their complement (a table with fewer filters minus this) is small

    @property
    def exposed(self) -> int:
        """Suppressed cells whose interval is narrower than the criterion (0 when the table is safe)."""
        return sum(1 for lo, hi in self.intervals.values() if hi - lo < self.min_interval_width - 1e-9)


def validate_disclosure_settings(raw: Mapping) -> list[str]:
    """Problems with a settings mapping (empty when it can be used)."""
    problems = []
    threshold = raw.get("threshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 3:
        problems.append(f"threshold must be an integer of at least 3, got {threshold!r}")
    width = raw.get("min_interval_width")
    if not isinstance(width, int | float) or isinstance(width, bool) or not width > 0:
        problems.append(f"min_interval_width must be a number above 0, got {width!r}")
    datasets = raw.get("confidential_datasets", [])
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        problems.append(f"confidential_datasets must be a list of dataset ids, got {datasets!r}")
    max_cells = raw.get("max_cells")
    if not isinstance(max_cells, int) or isinstance(max_cells, bool) or max_cells < 1:
        problems.append(f"max_cells must be a positive integer, got {max_cells!r}")
    return problems


@functools.lru_cache(maxsize=4)
def load_disclosure_settings(path: Path = SETTINGS_PATH) -> DisclosureSettings:
    """The settings in ``path`` (``etl/crosstab/disclosure.yaml``), checked."""
    raw = load_yaml(path) or {}
    problems = validate_disclosure_settings(raw)
    if problems:
        raise DisclosureConfigError(f"{path}: " + "; ".join(problems) + ". Fix the file and rerun.")
    return DisclosureSettings(
        raw["threshold"],
        float(raw["min_interval_width"]),
        tuple(raw.get("confidential_datasets") or ()),
        raw["max_cells"],
    )


def build_constraints(keys: Sequence[tuple[str, ...]]) -> list[Constraint]:
    """Every ``total = sum of parts`` relation among cells keyed by dimension codes.

    A cell's pattern is the set of dimensions where it holds a category (``_T`` marks a
    dimension summed over). A cell equals the sum of the cells of the next finer pattern
    present in the table that agree with it on its own categories: one dimension finer
    for subtotals, several at once for a margin over a block of dimensions (a column
    total of a table with two row dimensions sums over both).
    """
    patterns = [frozenset(i for i, code in enumerate(key) if code != TOTAL) for key in keys]
    present = set(patterns)
    finer = {p: [q for q in present if p < q and not any(p < r < q for r in present)] for p in present}
    index: dict[tuple[frozenset, frozenset, tuple[str, ...]], list[int]] = defaultdict(list)
    wanted = {(q, p) for p, qs in finer.items() for q in qs}
    for pos, (key, q) in enumerate(zip(keys, patterns)):
        for p in (p for (qq, p) in wanted if qq == q):
            index[(q, p, tuple(key[i] for i in sorted(p)))].append(pos)
    out = []
    for pos, (key, p) in enumerate(zip(keys, patterns)):
        for q in sorted(finer[p], key=sorted):
            children = index.get((q, p, tuple(key[i] for i in sorted(p))))
            if children:
                out.append(Constraint(pos, tuple(children)))
    return out


def compute_primary(basis: np.ndarray, threshold: int) -> np.ndarray:
    """Cells built from 1 to ``threshold - 1`` records (NaN and 0 are not sensitive)."""
    basis = np.asarray(basis, dtype=float)
    return (basis > 0) & (basis < threshold)  # NaN compares False: a missing cell is not a small one


def audit_intervals(
    values: np.ndarray,
    suppressed: Iterable[int],
    constraints: Sequence[Constraint],
    bounds: Mapping[int, tuple[float, float | None]],
    min_width: float | None = None,
    cache: dict | None = None,
) -> dict[int, tuple[float, float]]:
    """A feasible interval of every suppressed cell, given everything else the table shows.

    Each suppressed cell is a variable; every constraint holds (published cells are
    constants; NaN counts as 0, as it does in the totals); ``bounds`` per cell (``(0, None)``
    when absent). With ``min_width=None`` the intervals are exact (two linear programmes per
    cell). With a ``min_width``, an interval is only widened until it proves the cell
    protected: the true value is feasible, so a solution that moves the cell by
    ``min_width`` already proves it. A few probe programmes move many cells at once;
    only the cells they leave unproven get programmes of their own. Suppressed cells
    linked by no constraint are solved separately (connected components); ``cache`` keeps
    the results of components that did not change between calls.
    """
    suppressed = sorted(set(suppressed))
    values = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    in_set = set(suppressed)
    relevant = [c for c in constraints if any(m in in_set for m in c.members)]
    out: dict[int, tuple[float, float]] = {}
    for component, cons in _components(suppressed, relevant):
        key = (tuple(component), min_width)
        if cache is not None and key in cache:
            out.update(cache[key])
            continue
        found = _solve_component(values, component, cons, bounds, min_width)
        if cache is not None:
            cache[key] = found
        out.update(found)
    return out


def _components(
    suppressed: Sequence[int], constraints: Sequence[Constraint]
) -> list[tuple[list[int], list[Constraint]]]:
    parent = {s: s for s in suppressed}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    in_set = set(suppressed)
    for c in constraints:
        members = [m for m in c.members if m in in_set]
        for a, b in zip(members, members[1:]):
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for s in suppressed:
        groups[find(s)].append(s)
    cons_by_root: dict[int, list[Constraint]] = defaultdict(list)
    for c in constraints:
        member = next(m for m in c.members if m in in_set)
        cons_by_root[find(member)].append(c)
    return [(groups[r], cons_by_root[r]) for r in sorted(groups, key=lambda r: groups[r][0])]


def _solve_component(
    values: np.ndarray,
    cells: Sequence[int],
    constraints: Sequence[Constraint],
    bounds: Mapping[int, tuple[float, float | None]],
    min_width: float | None,
) -> dict[int, tuple[float, float]]:
    col = {cell: j for j, cell in enumerate(cells)}
    rows, cols, data = [], [], []
    b_eq = np.zeros(len(constraints))
    for k, c in enumerate(constraints):
        for member, sign in [(c.parent, 1.0), *[(ch, -1.0) for ch in c.children]]:
            if member in col:
                rows.append(k)
                cols.append(col[member])
                data.append(sign)
            else:
                b_eq[k] -= sign * values[member]
    a_eq = csr_matrix((data, (rows, cols)), shape=(len(constraints), len(cells))) if len(constraints) else None
    var_bounds = [bounds.get(cell, (0.0, None)) for cell in cells]
    truth = values[list(cells)]
    low, high = truth.copy(), truth.copy()
    if min_width is not None and len(cells) > 1:
        for objective in _probes(len(cells)):
            x = _solution(objective, a_eq, b_eq, var_bounds)
            if x is not None:
                low, high = np.minimum(low, x), np.maximum(high, x)
    out = {}
    for cell, j in col.items():
        if min_width is not None and high[j] - low[j] >= min_width - TOLERANCE:
            out[cell] = (float(low[j]), float(high[j]))
            continue
        hi = -_optimise(j, -1.0, a_eq, b_eq, var_bounds)
        if min_width is not None and hi - low[j] >= min_width - TOLERANCE:
            out[cell] = (float(low[j]), hi)
            continue
        out[cell] = (_optimise(j, 1.0, a_eq, b_eq, var_bounds), hi)
    return out


TOLERANCE = 1e-9


def _probes(n: int) -> list[np.ndarray]:
    """Objectives that push many cells at once: all down, all up, and two alternating patterns."""
    alternating = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return [np.ones(n), -np.ones(n), alternating, -alternating]


# HiGHS without presolve: these programmes are sparse sums of a few variables, and presolve
# costs more than it saves (measured on 10 million SYNTHETIC records, a 16,781-cell table with
# 10,101 primary cells: 3.4 s with presolve, 0.6 s without, the same suppression pattern).
HIGHS_PRESOLVE = False


def _linprog(c: np.ndarray, a_eq, b_eq: np.ndarray, bounds: list):
    """``min c·x`` subject to ``a_eq x = b_eq`` and ``bounds``, by HiGHS (``scipy.optimize.linprog``)."""
    return linprog(
        c,
        A_eq=a_eq,
        b_eq=b_eq if a_eq is not None else None,
        bounds=bounds,
        method="highs",
        options={"presolve": HIGHS_PRESOLVE},
    )


def _solution(c: np.ndarray, a_eq, b_eq: np.ndarray, bounds: list) -> np.ndarray | None:
    res = _linprog(c, a_eq, b_eq, bounds)
    return res.x if res.status == 0 else None


def _optimise(j: int, sign: float, a_eq, b_eq: np.ndarray, bounds: list) -> float:
    c = np.zeros(len(bounds))
    c[j] = sign
    res = _linprog(c, a_eq, b_eq, bounds)
    if res.status == 3:  # unbounded: the cell can grow without limit
        return -math.inf
    if res.status != 0:
        raise RuntimeError(
            f"disclosure audit: linear programme failed ({res.message}); the table's totals "
            "do not add up, which is a bug in the cross-tabulation"
        )
    return float(res.fun)


def _candidate_cost(
    cell: int, values: np.ndarray, is_margin: np.ndarray, keys: Sequence[tuple[str, ...]], new_lonely: int
) -> tuple:
    value = values[cell]
    value = 0.0 if math.isnan(value) else value
    return (bool(is_margin[cell]), new_lonely, value == 0, value, keys[cell])


def _best_complement(
    members: Iterable[int],
    suppressed: set[int],
    values: np.ndarray,
    is_margin: np.ndarray,
    keys: Sequence[tuple[str, ...]],
    member_of: Mapping[int, list[Constraint]],
    blocked: set[int],
) -> int | None:
    best, best_cost = None, None
    for m in members:
        if m in suppressed or m in blocked:
            continue
        new_lonely = sum(1 for c in member_of[m] if not any(x in suppressed for x in c.members))
        cost = _candidate_cost(m, values, is_margin, keys, new_lonely)
        if best_cost is None or cost < best_cost:
            best, best_cost = m, cost
    return best


def compute_suppression(
    keys: Sequence[tuple[str, ...]],
    values: np.ndarray,
    basis: np.ndarray,
    settings: DisclosureSettings,
    protect: np.ndarray | None = None,
) -> tuple[dict[int, str], dict[int, tuple[float, float]]]:
    """``{cell: "primary"|"complement"|"secondary"}`` and the audited interval of every suppressed cell.

    ``keys`` are the cells' dimension codes (``_T`` for totals), ``values`` what the table
    shows, ``basis`` what the threshold applies to (record counts). ``protect`` marks cells
    that must be hidden besides the primary ones (a small complement, see the module
    docstring); they are protected like primary cells before secondary suppression.
    """
    values = np.asarray(values, dtype=float)
    primary = set(np.flatnonzero(compute_primary(basis, settings.threshold)).tolist())
    status = {c: PRIMARY for c in primary}
    if protect is not None:
        status.update(
            {c: COMPLEMENT for c in np.flatnonzero(np.asarray(protect, dtype=bool)).tolist() if c not in status}
        )
    if not status:
        return {}, {}
    constraints = build_constraints(keys)
    member_of: dict[int, list[Constraint]] = defaultdict(list)
    for c in constraints:
        for m in c.members:
            member_of[m].append(c)
    is_margin = np.array([TOTAL in k for k in keys])
    bounds: dict[int, tuple[float, float | None]] = {}  # every suppressed cell: non-negative only
    suppressed = set(status)
    cache: dict = {}
    while True:
        _close_lonely(constraints, suppressed, status, values, is_margin, keys, member_of)
        intervals = audit_intervals(values, suppressed, constraints, bounds, settings.min_interval_width, cache)
        exposed = sorted(c for c, (lo, hi) in intervals.items() if hi - lo < settings.min_interval_width - 1e-9)
        if not exposed:
            return status, intervals
        added = False
        for cell in exposed:
            members = {m for c in member_of[cell] for m in c.members}
            pick = _best_complement(sorted(members), suppressed, values, is_margin, keys, member_of, set())
            if pick is not None:
                suppressed.add(pick)
                status[pick] = SECONDARY
                added = True
        if not added:
            before = len(suppressed)
            _suppress_everything(constraints, exposed, suppressed, status)
            if len(suppressed) == before:  # nothing left to hide: the report counts what stays exposed
                return status, intervals


def _close_lonely(
    constraints: Sequence[Constraint],
    suppressed: set[int],
    status: dict[int, str],
    values: np.ndarray,
    is_margin: np.ndarray,
    keys: Sequence[tuple[str, ...]],
    member_of: Mapping[int, list[Constraint]],
) -> None:
    """Until no total has exactly one suppressed part, add the cheapest complement to it."""
    changed = True
    while changed:
        changed = False
        for c in constraints:
            if sum(1 for m in c.members if m in suppressed) == 1:
                pick = _best_complement(c.members, suppressed, values, is_margin, keys, member_of, set())
                if pick is not None:
                    suppressed.add(pick)
                    status[pick] = SECONDARY
                    changed = True


def _suppress_everything(
    constraints: Sequence[Constraint], exposed: Sequence[int], suppressed: set[int], status: dict[int, str]
) -> None:
    """Last resort: suppress every cell linked to an exposed one."""
    frontier = list(exposed)
    seen = set(frontier)
    while frontier:
        cell = frontier.pop()
        for c in constraints:
            if cell in c.members:
                for m in c.members:
                    if m not in suppressed:
                        suppressed.add(m)
                        status[m] = SECONDARY
                    if m not in seen:
                        seen.add(m)
                        frontier.append(m)


def apply_disclosure_control(
    tidy: pd.DataFrame,
    dims: Sequence[str],
    settings: DisclosureSettings,
    basis_column: str,
    protect: np.ndarray | None = None,
) -> tuple[pd.DataFrame, DisclosureReport]:
    """``tidy`` with a ``suppression`` column ("", "primary", "complement", "secondary") and the report.

    ``protect`` (one boolean per row, optional) marks cells whose complement is small.
    The values of suppressed cells stay in the returned frame (the caller hides them on
    every output); ``suppression`` says why each one is hidden.
    """
    keys = (
        [tuple(str(v) for v in row) for row in tidy[list(dims)].itertuples(index=False)]
        if dims
        else [() for _ in range(len(tidy))]
    )
    status, intervals = compute_suppression(
        keys, tidy["value"].to_numpy(dtype=float), tidy[basis_column].to_numpy(dtype=float), settings, protect
    )
    out = tidy.assign(suppression=[status.get(i, "") for i in range(len(tidy))])
    report = DisclosureReport(
        settings.threshold,
        settings.min_interval_width,
        sum(1 for s in status.values() if s == PRIMARY),
        sum(1 for s in status.values() if s == SECONDARY),
        intervals,
        sum(1 for s in status.values() if s == COMPLEMENT),
    )
    return out, report
