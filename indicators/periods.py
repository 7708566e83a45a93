"""Which period a view opens on, and what to announce about every period it can show.

The rules live in ``etl.periods`` (labels, order, US fiscal years, completeness); this module applies them
to indicator frames and flow views:

    indicator_period_status(indicator_id, level, codes=None, sex=None) -> PeriodReport
    flow_period_status(view_id, step="year") -> PeriodReport

``PeriodReport.default`` is the latest *complete, end-of-period, non-projected* period;
``PeriodReport.statuses`` has one ``etl.periods.PeriodStatus`` per period (complete / partial with n of m
months / mid-year / projection) with bilingual text, so that pages announce a partial or mid-year period
wherever they show it, not only in tooltips. Partial and mid-year periods stay selectable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from common.text import Bilingual
from etl.periods import (
    PeriodError,
    PeriodStatus,
    choose_default_period,
    compute_expected_months,
    period_sort_key,
)

PROJECTION = "F"
NOTE_COLUMNS = ["dataset_id", "time_period", "flag", "note_es", "note_en"]
NOTES_SQL = "SELECT dataset_id, time_period, flag, note_es, note_en FROM period_notes"
STATUS_COLUMNS = ("period", "status", "complete", "months", "months_expected", "text_es", "text_en")


@dataclass(frozen=True)
class PeriodReport:
    """The default period of a view and the status of each of its periods."""

    default: str | None
    statuses: tuple[PeriodStatus, ...]

    def frame(self) -> pd.DataFrame:
        """One row per period: ``period, status, complete, months, months_expected, text_es, text_en``."""
        return pd.DataFrame([s.as_dict() for s in self.statuses], columns=list(STATUS_COLUMNS))

    def status(self, period: str) -> PeriodStatus | None:
        return next((s for s in self.statuses if s.period == period), None)

    def notice(self, period: str, lang: str) -> str:
        """The sentence a page shows above a view of ``period`` when it is not complete ('' when it is)."""
        status = self.status(period)
        if status is None or status.complete:
            return ""
        head = {"es": "Periodo {p}: {t}.", "en": "Period {p}: {t}."}[lang]
        return head.format(p=period, t=status.text(lang))


def load_period_notes() -> pd.DataFrame:
    """The store's ``period_notes`` (what sources say about some periods: UNHCR 2025 = mid-year)."""
    from etl.store import connect

    with connect() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "period_notes" not in tables:
            return pd.DataFrame(columns=NOTE_COLUMNS)
        return con.execute(NOTES_SQL).df()


def _notes_for(datasets: Iterable[str], period: str, notes: pd.DataFrame) -> tuple[list[str], tuple[str, str]]:
    hits = notes[notes["dataset_id"].isin(set(datasets)) & notes["time_period"].eq(str(period))]
    if hits.empty:
        return [], ("", "")
    first = hits.iloc[0]
    return sorted(set(hits["flag"])), (str(first["note_es"]), str(first["note_en"]))


def _status(
    period: str, months: float | None, flags: list[str], projection: bool, notes: tuple[str, str]
) -> PeriodStatus:
    es, en = notes
    if projection:
        return PeriodStatus(period, "projection", note=Bilingual(es, en))
    try:
        expected = compute_expected_months(period)
    except PeriodError:
        expected = None
    covered = None if months is None or (isinstance(months, float) and np.isnan(months)) else int(months)
    if expected is not None and covered is not None:
        covered = min(covered, expected)
    if "mid_year" in flags:
        return PeriodStatus(period, "mid_year", covered, expected, Bilingual(es, en))
    # a period of annual or longer rows reports 12 months: complete whatever its length
    short = covered is not None and expected is not None and covered < min(expected, 12)
    if "partial" in flags or short:
        return PeriodStatus(period, "partial", covered, expected, Bilingual(es, en))
    return PeriodStatus(period, "complete", covered, expected)


def compute_indicator_statuses(
    frame: pd.DataFrame, notes: pd.DataFrame, codes: Iterable[str] | None = None
) -> tuple[PeriodStatus, ...]:
    """Pure: one status per period with a value in an indicator frame (``indicators.compute`` output).

    ``months`` comes from the frame (the reporting span of its monthly sources); flags from ``notes``
    for the datasets behind the period's values; a period is a projection when every value is ``F``.
    """
    if frame.empty:
        return ()
    have = frame["value"].notna()
    if codes is not None:
        have &= frame["geo_code"].isin(set(codes))
    rows = frame[have]
    out = []
    for period, part in rows.groupby("period", sort=False):
        datasets = {d for ids in part["dataset_id"].dropna() for d in str(ids).split(";")}
        flags, texts = _notes_for(datasets, period, notes)
        projection = bool(part["obs_status"].astype(str).str.contains(PROJECTION, regex=False).all())
        months = part["months"].min() if "months" in part and part["months"].notna().any() else None
        out.append(_status(str(period), months, flags, projection, texts))
    return tuple(sorted(out, key=lambda s: period_sort_key(s.period)))


def compute_report(statuses: Iterable[PeriodStatus]) -> PeriodReport:
    statuses = tuple(statuses)
    return PeriodReport(choose_default_period(statuses), statuses)


def indicator_period_status(
    indicator_id: str,
    level: str,
    codes: Iterable[str] | None = None,
    sex: str | None = None,
    frame: pd.DataFrame | None = None,
) -> PeriodReport:
    """The default period and per-period status of an indicator at ``level`` (among ``codes`` when given:
    the territories a view draws). Pass ``frame`` (``indicators.compute`` output) to avoid recomputing."""
    if frame is None:
        from indicators.engine import compute

        frame = compute(indicator_id, level, **({"sex": sex} if sex else {}))
    return compute_report(compute_indicator_statuses(frame, load_period_notes(), codes))


def compute_flow_statuses(
    obs: pd.DataFrame, step: str, year_basis: str, notes: pd.DataFrame, dataset_id: str
) -> tuple[PeriodStatus, ...]:
    """Pure: one status per period of a flow view's observations (``indicators.flows`` period labels)."""
    from indicators.flows import compute_period_coverage, compute_period_labels

    coverage = compute_period_coverage(obs, step, year_basis)
    labels = compute_period_labels(obs, step, year_basis)
    statuses_by_period = (
        obs["obs_status"].astype(str).groupby(labels).agg(lambda s: bool(s.str.contains(PROJECTION, regex=False).all()))
    )
    out = []
    for row in coverage.itertuples(index=False):
        flags, texts = _notes_for([dataset_id], row.period, notes)
        out.append(_status(str(row.period), row.months, flags, bool(statuses_by_period.get(row.period, False)), texts))
    return tuple(sorted(out, key=lambda s: period_sort_key(s.period)))


def flow_period_status(view_id: str, step: str = "year", obs: pd.DataFrame | None = None) -> PeriodReport:
    """The default period and per-period status of a flow view (``indicators/flows.yaml``)."""
    from indicators.flows import load_flow_observations, load_flow_views

    view = load_flow_views()[view_id]
    if obs is None:
        from etl.store import connect

        with connect() as con:
            obs = load_flow_observations(view, con)
    return compute_report(compute_flow_statuses(obs, step, view.year_basis, load_period_notes(), view.dataset_id))


def period_status_column(
    frame: pd.DataFrame, statuses: Mapping[str, PeriodStatus] | Iterable[PeriodStatus]
) -> pd.Series:
    """``period_status`` per row of ``frame`` (by its ``period``), for downloads and tables."""
    lookup = statuses if isinstance(statuses, Mapping) else {s.period: s for s in statuses}
    return frame["period"].map(lambda p: lookup[p].status if p in lookup else None)
