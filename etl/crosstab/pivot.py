"""The cross-tabulation as a table people read: rows × columns, labels in one language.

Pure functions over a ``CrosstabResult``. A cell's text is its number, or a symbol that
says why there is none: ``—`` missing (never 0; ``etl.formatting.NO_DATA``), ``C`` suppressed (primary), ``R``
suppressed because the same cell with fewer filters differs from it by a small number
(complement), ``D`` suppressed to protect another cell (secondary). Record-level data
have no missing cells: a combination with no records is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from etl.crosstab.catalogue import TOTAL
from etl.crosstab.engine import CrosstabResult
from etl.crosstab.messages import message
from etl.formatting import NO_DATA
from etl.formatting import format_number as _format
from geodata import normalise

MISSING = NO_DATA
SYMBOLS = {"primary": "C", "complement": "R", "secondary": "D"}
DECIMALS = {"value": (2, True), "share": (1, False), "per_capita": (2, False)}  # (decimals, drop trailing zeros)
OWN_FLAGS = ("p", "a", "c")  # the engine's own flags; observation statuses come from the obs_statuses codelist


def result_statistics(result: CrosstabResult) -> list[str]:
    """The statistics the query asked for: ``value``, then ``share`` and ``per_capita`` if requested."""
    out = ["value"]
    if result.spec.shares != "none":
        out.append("share")
    if result.spec.per_capita:
        out.append("per_capita")
    return out


def statistic_title(result: CrosstabResult, stat: str, lang: str) -> str:
    """What a statistic's numbers are, e.g. "Share of row (%)"."""
    if stat == "share":
        return message(f"stat_share_{result.spec.shares}", lang)
    if stat == "per_capita":
        return message("stat_per_capita", lang, per=result.per)
    unit = result.catalogue.unit_name(result.unit, lang) if result.unit else ""
    return f"{message('stat_value', lang)} ({unit})" if unit else message("stat_value", lang)


def build_cell_values(result: CrosstabResult, stat: str) -> list[object]:
    """Per tidy row: the number (float), or a symbol string (``..``, ``C``, ``D``)."""
    tidy = result.tidy
    reason_column = "share_hidden" if stat == "share" else "suppression"
    reasons = tidy[reason_column].fillna("").to_numpy() if reason_column in tidy else np.full(len(tidy), "")
    values = tidy[stat].to_numpy(dtype=float) if stat in tidy else np.full(len(tidy), np.nan)
    return [SYMBOLS[r] if r else (MISSING if math.isnan(v) else float(v)) for r, v in zip(reasons, values)]


def format_number(value: float, stat: str, lang: str) -> str:
    """``value`` with the grouping and decimal marks of ``lang``."""
    decimals, trim = DECIMALS[stat]
    return _format(value, lang, decimals, trim=trim)


def _flag_text(flags: str) -> str:
    present = sorted(f for f in str(flags).split(",") if f)
    return f" {''.join(present)}" if present else ""


def build_pivot(result: CrosstabResult, stat: str = "value", lang: str = "es", numeric: bool = False) -> pd.DataFrame:
    """Rows × columns of one statistic, with labels in ``lang``.

    ``numeric=False`` gives display text (formatted numbers, flags appended, symbols);
    ``numeric=True`` keeps numbers as floats (for spreadsheets), symbols as text.
    """
    spec = result.spec
    tidy = result.tidy[result.tidy["shown"]] if "shown" in result.tidy else result.tidy
    cells = build_cell_values(result, stat)
    cells = [
        c for c, keep in zip(cells, result.tidy["shown"] if "shown" in result.tidy else [True] * len(cells)) if keep
    ]
    fill = 0.0 if result.zero_fill and stat in ("value", "share") else MISSING
    flags = list(tidy["flags"]) if stat == "value" and "flags" in tidy else [""] * len(tidy)
    texts = [
        c if isinstance(c, str) or numeric else format_number(c, stat, lang) + _flag_text(f)
        for c, f in zip(cells, flags)
    ]
    row_keys = [tuple(r) for r in tidy[list(spec.rows)].itertuples(index=False)] if spec.rows else [()] * len(tidy)
    col_keys = [tuple(r) for r in tidy[list(spec.cols)].itertuples(index=False)] if spec.cols else [()] * len(tidy)
    rows_order = order_keys(result, spec.rows, row_keys, lang)
    cols_order = order_keys(result, spec.cols, col_keys, lang)
    grid = {(r, c): t for r, c, t in zip(row_keys, col_keys, texts)}
    fill_text = fill if numeric or isinstance(fill, str) else format_number(fill, stat, lang)
    headers = [_column_label(result, c, lang) if spec.cols else statistic_title(result, stat, lang) for c in cols_order]
    dim_names = _dimension_names(result, spec.rows, lang)
    records = []
    for r in rows_order:
        labels = [result.label(d, code, lang) for d, code in zip(spec.rows, r)]
        records.append(labels + [grid.get((r, c), fill_text) for c in cols_order])
    frame = pd.DataFrame(records, columns=[*dim_names, *_unique(headers)], dtype=object)
    if not spec.rows:
        frame.insert(0, " ", [message("total", lang)] * len(frame))
    return frame


def _dimension_names(result: CrosstabResult, dims: Sequence[str], lang: str) -> list[str]:
    return [result.catalogue.dimension_name(d, result.spec.measures, lang) for d in dims]


def order_keys(
    result: CrosstabResult, dims: Sequence[str], keys: Sequence[tuple[str, ...]], lang: str
) -> list[tuple[str, ...]]:
    """Distinct ``keys`` in reading order for ``lang``: per dimension, totals last, then the
    codelist's order (ages by age), then names alphabetically (periods by date)."""
    roles = {d: dim.role for d, dim in result.catalogue.dimensions_for(result.spec.measures).items()}

    def sort_key(key: tuple[str, ...]) -> tuple:
        parts = []
        for d, code in zip(dims, key):
            order = result.labels.get(d, {}).get(code, ("", "", 0))[2]
            text = code if roles.get(d) == "period" else normalise(result.label(d, code, lang))
            parts.append((code == TOTAL, order, text, code))
        return tuple(parts)

    return sorted(dict.fromkeys(keys), key=sort_key)


def _column_label(result: CrosstabResult, key: tuple[str, ...], lang: str) -> str:
    parts = [result.label(d, code, lang) for d, code in zip(result.spec.cols, key)]
    if all(code == TOTAL for code in key):
        return message("total", lang)
    return " · ".join(parts)


def _unique(headers: list[str]) -> list[str]:
    """Column headers made unique (two codes may share a name): repeats get " (2)", " (3)"."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def build_long_table(result: CrosstabResult, lang: str) -> pd.DataFrame:
    """One row per shown cell: codes and labels per dimension, the statistics, flags, suppression
    and its reason. Suppressed cells carry no number (neither value nor count)."""
    tidy = result.tidy[result.tidy["shown"]] if "shown" in result.tidy else result.tidy
    spec = result.spec
    out = pd.DataFrame(index=tidy.index)
    for d, name in zip(spec.dims, _dimension_names(result, spec.dims, lang)):
        out[f"{name} ({message('col_code', lang)})"] = tidy[d]
        out[name] = [result.label(d, c, lang) for c in tidy[d]]
    hidden = tidy["suppression"].fillna("") != ""
    out[message("col_value", lang)] = tidy["value"].where(~hidden).astype(object)
    out[message("col_n", lang)] = tidy["n"].where(~hidden).astype(object)
    if "share" in tidy:
        out[message("col_share", lang)] = tidy["share"]
    if "per_capita" in tidy:
        out[message("col_per_capita", lang)] = tidy["per_capita"]
        out[message("col_population", lang)] = tidy["population"]
    out[message("col_flags", lang)] = tidy["flags"].fillna("")
    out[message("col_suppression", lang)] = [SYMBOLS.get(s, "") for s in tidy["suppression"].fillna("")]
    threshold = result.disclosure.threshold if result.disclosure else 0
    out[message("col_reason", lang)] = [
        message(f"reason_{s}", lang, threshold=threshold) if s else "" for s in tidy["suppression"].fillna("")
    ]
    return out.reset_index(drop=True)


def build_chart_frame(result: CrosstabResult, stat: str, lang: str, max_categories: int = 25) -> pd.DataFrame:
    """The cells to draw: one row per inner cell with ``category`` (rows' labels), ``series``
    (columns' labels), ``value`` and ``order``. Totals, missing and suppressed cells are left
    out; only the ``max_categories`` largest categories are kept (all periods on a time axis).
    """
    spec = result.spec
    tidy = result.tidy
    values = build_cell_values(result, stat)
    keep = np.array([isinstance(v, float) for v in values], dtype=bool)
    if "shown" in tidy:
        keep &= tidy["shown"].to_numpy(dtype=bool)
    for d in spec.dims:
        keep &= (tidy[d] != TOTAL).to_numpy()
    x_dims = spec.rows or spec.cols[:1]
    series_dims = spec.cols if spec.rows else spec.cols[1:]
    cells = tidy[keep]
    frame = pd.DataFrame(
        {
            "category": _joined_labels(result, cells, x_dims, lang) if x_dims else message("total", lang),
            "series": _joined_labels(result, cells, series_dims, lang) if series_dims else "",
            "value": np.array([v for v, k in zip(values, keep) if k], dtype=float),
        },
        index=cells.index,
    )
    keys = [tuple(r) for r in cells[list(x_dims)].itertuples(index=False)] if x_dims else [()] * len(cells)
    rank = {k: n for n, k in enumerate(order_keys(result, x_dims, keys, lang))}
    frame["order"] = [rank[k] for k in keys]
    frame = frame.reset_index(drop=True)[["category", "series", "value", "order"]]
    if frame.empty or is_time_axis(result):
        return frame
    sizes = frame.groupby("category")["value"].sum().sort_values(ascending=False, kind="mergesort")
    return frame[frame["category"].isin(set(sizes.index[:max_categories]))].reset_index(drop=True)


def _joined_labels(result: CrosstabResult, cells: pd.DataFrame, dims: Sequence[str], lang: str) -> pd.Series:
    """Labels of ``dims`` per cell, joined with " · " (one dictionary lookup per code, not per cell)."""
    parts = [cells[d].map({c: result.label(d, c, lang) for c in pd.unique(cells[d])}) for d in dims]
    joined = parts[0].astype(str)
    for part in parts[1:]:
        joined = joined + " · " + part.astype(str)
    return joined


def is_time_axis(result: CrosstabResult) -> bool:
    """Whether the chart's horizontal axis is time (then a line chart reads best)."""
    x_dims = result.spec.rows or result.spec.cols[:1]
    return tuple(x_dims) == ("time_period",)
