"""Quality that travels with a number: observation status, and the nearest-year fallback.

SDMX observation status codes: ``A`` normal, ``P`` provisional, ``E`` estimated, ``F``
forecast (projection), ``I`` imputed, ``B`` break in series, ``M`` missing. A value computed from several numbers takes
the most severe status among them (a share of an estimate is an estimate). When a
territory has no value for the chosen period, ``fill_nearest`` may take the nearest period
within a stated window, and marks the row (``nearest = True``, ``period`` says which one).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from etl.periods import period_year, sort_periods  # noqa: F401  (the one home of period rules)

STATUS_ORDER = ("A", "P", "E", "F", "I", "B")  # least to most severe; M (missing) never has a value
MARKED_STATUSES = frozenset(STATUS_ORDER[1:])


def combine_status(statuses: Iterable[str]) -> str:
    """The most severe status of ``statuses`` (``A`` when none is given or all are normal)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    worst = "A"
    for s in statuses:
        if isinstance(s, str) and rank.get(s, -1) > rank[worst]:
            worst = s
    return worst


def fill_nearest(frame: pd.DataFrame, period: str, window: int) -> pd.DataFrame:
    """One row per ``geo_code`` for ``period``: its own value, else the nearest within ``window`` years.

    ``frame`` has every period (columns ``geo_code``, ``period``, ``value`` ...). Rows with a
    missing value are not candidates. On a tie the earlier period wins (it was observed,
    a later one may be revised). The result adds ``requested_period`` and ``nearest``.
    """
    if frame.empty:
        return frame.assign(requested_period=pd.Series(dtype=str), nearest=pd.Series(dtype=bool))
    target = period_year(period)
    have = frame[frame["value"].notna()].copy()
    have["_distance"] = have["period"].map(period_year).sub(target).abs()
    have["_exact"] = have["period"].eq(period)
    have["_later"] = have["period"].map(period_year).gt(target)
    have = have[have["_exact"] | (have["_distance"] <= window)]
    have = have.sort_values(["geo_code", "_exact", "_distance", "_later"], ascending=[True, False, True, True])
    best = have.drop_duplicates("geo_code", keep="first")
    out = best.drop(columns=["_distance", "_exact", "_later"]).assign(requested_period=period)
    out["nearest"] = out["period"].ne(period)
    return out.sort_values("geo_code", ignore_index=True)


def is_marked(status: str, nearest: bool) -> bool:
    """Whether a value needs a mark on the map and in the table."""
    return bool(nearest) or status in MARKED_STATUSES


def coerce_missing(values: pd.Series) -> pd.Series:
    """Float values with infinities (a division by zero) turned into missing values."""
    out = pd.to_numeric(values, errors="coerce").astype("float64")
    return out.where(np.isfinite(out))
