"""Plausibility of submitted counts: an absolute ceiling, and a ceiling per kind relative to population.

Figures in ``plausibility.yaml``. A count above ``max_count`` (``99999999999999999999``, ``1e30``)
is always an error; a count above ``multiple`` times the country's population (latest figure
of ``population_dataset`` in the store) is an error or a warning as the kind says. Without a
built store, the population check is skipped and the report says so (info).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from common.yamlfile import load_yaml
from etl.submissions.limits import number_text
from etl.submissions.report import Problem, Report

PLAUSIBILITY_FILE = Path(__file__).resolve().parent / "plausibility.yaml"


@dataclass(frozen=True)
class Ceiling:
    multiple: float
    severity: str  # error | warning


@dataclass(frozen=True)
class Plausibility:
    max_count: float
    population_ceiling: dict[str, Ceiling]
    population_dataset: str


@functools.lru_cache(maxsize=2)
def load_plausibility(path: str | Path = PLAUSIBILITY_FILE) -> Plausibility:
    raw = load_yaml(path)
    ceilings = {}
    for kind, spec in raw["population_ceiling"].items():
        if spec.get("severity") not in ("error", "warning"):
            raise ValueError(f"{path}: population_ceiling.{kind}.severity must be error or warning, got {spec!r}")
        ceilings[kind] = Ceiling(float(spec["multiple"]), spec["severity"])
    return Plausibility(float(raw["max_count"]), ceilings, raw["population_dataset"])


def load_country_population(country: str, dataset: str) -> tuple[float, str] | None:
    """``(population, year)`` of ``country`` from the store's latest total figure, or ``None`` (no store, no row)."""
    from etl.store import connect
    from geodata import DataNotBuiltError

    try:
        with connect() as con:
            row = con.execute(
                "SELECT value, time_period FROM observations WHERE measure = 'population' AND dataset_id = ? "
                "AND ref_area = ? AND sex = '_T' AND age = '_T' AND value IS NOT NULL "
                "ORDER BY time_period DESC LIMIT 1",
                [dataset, country],
            ).fetchone()
    except (DataNotBuiltError, OSError) as err:
        del err
        return None
    except Exception as err:  # duckdb's own error classes: a broken store must not stop validation
        if type(err).__module__.startswith("duckdb") or type(err).__module__.startswith("_duckdb"):
            return None
        raise
    return (float(row[0]), str(row[1])) if row else None


def check_plausibility(
    values: pd.Series,
    kind_id: str,
    country: str,
    header: str | None,
    sheet: str | None,
    report: Report,
    rules: Plausibility | None = None,
    population: tuple[float, str] | None | bool = True,
    texts: pd.Series | None = None,
) -> None:
    """Report counts over the absolute ceiling (error) and over the kind's population ceiling.

    ``values``: the parsed counts (float, NaN where empty), indexed by file row. ``population``:
    ``True`` reads it from the store; a ``(figure, year)`` or ``None`` gives it (tests). ``texts``: the
    cells as typed, shown in the report (``99999999999999999999`` rather than ``1e+20``).
    """
    from etl.submissions.validate import _add_cells, _fmt

    rules = rules or load_plausibility()
    v = values.dropna()
    huge = v[v.abs() > rules.max_count]
    shown = [texts[i] for i in huge.index] if texts is not None else [_show(x) for x in huge]
    _add_cells(report, "value_out_of_range", huge.index, shown, header, sheet, {"limit": number_text(rules.max_count)})
    ceiling = rules.population_ceiling.get(kind_id)
    if ceiling is None:
        return
    if population is True:
        population = load_country_population(country, rules.population_dataset)
    if population is None:
        report.add(Problem("plausibility_not_checked", "info", params={"dataset": rules.population_dataset}))
        return
    figure, year = population
    limit = figure * ceiling.multiple
    over = v[(v > limit) & (v.abs() <= rules.max_count)]
    _add_cells(
        report,
        "value_implausible",
        over.index,
        [_fmt(x) for x in over],
        header,
        sheet,
        {
            "limit": number_text(limit),
            "multiple": f"{ceiling.multiple:g}",
            "population": number_text(figure),
            "year": year,
            "country": country,
            "kind": kind_id,
        },
        severity=ceiling.severity,
    )


def _show(x: float) -> str:
    """A cell's number without the file's text at hand: digits as a spreadsheet shows them, no grouping."""
    from etl.submissions.validate import _fmt

    return f"{x:.6g}" if abs(x) >= 1e15 else _fmt(x)
