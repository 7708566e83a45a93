"""Bilateral flows: from store observations to origin -> destination flows, place totals and filters.

A *flow view* (``indicators/flows.yaml``) names one dataset and one measure, the direction
of its bilateral pairs (``inbound``: counterpart -> ref_area, e.g. the origin of a migrant
stock or the nationality of persons encountered; ``outbound``: ref_area -> counterpart,
e.g. deportations to the country of nationality) and how its periods are shown. One map
shows one view: flows of different sources, measures or units are never added up, and
stocks are never added to flows.

Every function here is pure (frames in, frames out) except ``load_*``, which read the
store through ``etl.store.connect()``. Missing values stay ``NaN``: never 0.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from common.text import Bilingual
from common.yamlfile import load_yaml
from etl.periods import (
    compute_covered_months,
    compute_expected_months,
    compute_fiscal_year_labels,
    period_sort_key,
)

VIEWS_FILE = Path(__file__).resolve().parent / "flows.yaml"

DIRECTIONS = ("inbound", "outbound")
YEAR_BASES = ("calendar", "us_fiscal")
STEPS = ("year", "month")
FOCUS_MODES = ("both", "in", "out")
SEXES = ("_T", "F", "M")
UNKNOWN = "_X"
NOT_APPLICABLE = "_Z"
DIM_COLUMNS = ("dim_1", "dim_2", "dim_3", "dim_4", "dim_5")
OBS_COLUMNS = (
    "dataset_id",
    "measure",
    "ref_area",
    "counterpart_area",
    "time_period",
    "freq",
    "time_start",
    "time_end",
    "sex",
    "age",
    *DIM_COLUMNS,
    "value",
    "unit",
    "obs_status",
)
FLOW_COLUMNS = ("origin", "destination", "reporter", "value", "unit", "dataset_id", "measure", "period", "obs_status")


class FlowViewError(ValueError):
    """A flow view in ``flows.yaml`` (or a request for one) that cannot be used."""


@dataclass(frozen=True)
class FlowView:
    """One measure of one dataset shown as flows on the map."""

    view_id: str
    dataset_id: str
    measure: str
    direction: str
    name: Bilingual  # ``view.name(lang)``
    kind: str  # "stock" or "flow": the legend and hover say which
    steps: tuple[str, ...] = ("year",)
    year_basis: str = "calendar"
    filters: Mapping[str, str] = field(default_factory=dict)
    unit: str | None = None  # keep only observations in this unit (a source that mixes units)
    note: Bilingual = Bilingual("", "")  # ``view.note(lang)``


def validate_flow_view(view_id: str, raw: Mapping) -> list[str]:
    """Every problem with one entry of ``flows.yaml``, as plain messages (empty when usable)."""
    problems = []
    required = ("dataset_id", "measure", "direction", "kind", "name")
    for key in required:
        if key not in raw:
            problems.append(f"flows.yaml, view {view_id!r}: missing {key!r} (required: {', '.join(required)})")
    if raw.get("direction") not in DIRECTIONS:
        problems.append(
            f"flows.yaml, view {view_id!r}: direction must be one of {DIRECTIONS}, got {raw.get('direction')!r}"
        )
    if raw.get("kind") not in ("stock", "flow"):
        problems.append(f"flows.yaml, view {view_id!r}: kind must be 'stock' or 'flow', got {raw.get('kind')!r}")
    steps = raw.get("steps", ["year"])
    if not steps or any(s not in STEPS for s in steps):
        problems.append(f"flows.yaml, view {view_id!r}: steps must be a list from {STEPS}, got {steps!r}")
    if raw.get("year_basis", "calendar") not in YEAR_BASES:
        problems.append(
            f"flows.yaml, view {view_id!r}: year_basis must be one of {YEAR_BASES}, got {raw.get('year_basis')!r}"
        )
    names = raw.get("name", {})
    if not isinstance(names, Mapping) or not {"es", "en"} <= set(names):
        problems.append(f"flows.yaml, view {view_id!r}: name needs both 'es' and 'en'")
    bad = [k for k in raw.get("filters", {}) if k not in (*DIM_COLUMNS, "age")]
    if bad:
        problems.append(f"flows.yaml, view {view_id!r}: filters may only use {(*DIM_COLUMNS, 'age')}, got {bad}")
    return problems


def build_flow_views(raw: Mapping) -> dict[str, FlowView]:
    """Flow views from the parsed YAML; raises ``FlowViewError`` listing every problem found."""
    entries = raw.get("views") if isinstance(raw, Mapping) else None
    if not isinstance(entries, Mapping) or not entries:
        raise FlowViewError("flows.yaml must have a non-empty 'views:' mapping of view id -> view")
    problems = [p for vid, entry in entries.items() for p in validate_flow_view(vid, entry)]
    if problems:
        raise FlowViewError("; ".join(problems))
    views = {}
    for vid, e in entries.items():
        views[vid] = FlowView(
            view_id=vid,
            dataset_id=e["dataset_id"],
            measure=e["measure"],
            direction=e["direction"],
            name=Bilingual.from_mapping(e["name"], f"flows.yaml, view {vid!r}: name", required=False),
            kind=e["kind"],
            steps=tuple(e.get("steps", ["year"])),
            year_basis=e.get("year_basis", "calendar"),
            filters=dict(e.get("filters", {})),
            unit=e.get("unit"),
            note=Bilingual.from_mapping(e.get("note"), f"flows.yaml, view {vid!r}: note", required=False),
        )
    return views


@functools.lru_cache(maxsize=1)
def load_flow_views() -> dict[str, FlowView]:
    """The flow views shipped in ``indicators/flows.yaml``, in file order."""
    return build_flow_views(load_yaml(VIEWS_FILE))


def load_flow_observations(view: FlowView, con) -> pd.DataFrame:
    """Every observation of ``view`` from ``public_observations`` (all periods and sexes), sorted.

    ``con`` is a connection from ``etl.store.connect()``. Filters of the view are applied
    in SQL, and rows without a partner breakdown (``_Z``) are left out: they cannot be drawn
    as flows. Totals over the other dimensions are chosen later (``select_totals``).
    """
    where = ["dataset_id = ?", "measure = ?", "counterpart_area <> '_Z'"]
    params: list[object] = [view.dataset_id, view.measure]
    for column, value in sorted(view.filters.items()):
        where.append(f"{column} = ?")
        params.append(value)
    if view.unit:
        where.append("unit = ?")
        params.append(view.unit)
    sql = (
        f"SELECT {', '.join(OBS_COLUMNS)} FROM public_observations WHERE {' AND '.join(where)} "
        "ORDER BY time_start, ref_area, counterpart_area, sex, age"
    )
    return con.execute(sql, params).df()


def select_totals(obs: pd.DataFrame, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Rows that add up without double counting: a total (``_T``) wins over its own breakdown.

    For ``age`` and each ``dim_*`` column (except those in ``keep``): where a ``_T`` row
    exists alongside other codes for the same pair, period, sex and other dimensions, only
    the ``_T`` row is kept. Rows whose column is ``_T`` with no breakdown beside them (a
    source that published no breakdown that month) and breakdowns with no total beside
    them are both kept: they are disjoint and may be summed.
    """
    out = obs
    for column in ("age", *DIM_COLUMNS):
        if column in keep or column not in out.columns or not out[column].eq("_T").any():
            continue
        others = [c for c in out.columns if c not in (column, "value", "obs_status")]
        is_total = out[column].eq("_T")
        has_total = (
            is_total.astype("int8")
            .groupby([out[c] for c in others], dropna=False, sort=False)
            .transform("max")
            .astype(bool)
        )
        out = out[~has_total | is_total]
    return out


def compute_sex(obs: pd.DataFrame, sex: str) -> pd.DataFrame:
    """Rows of one sex. ``_T`` uses stored totals; where a source only has F and M, it is F + M.

    A total built from F and M is only known when both are: a pair with one sex missing
    ("not estimated") gets a missing total, never the other sex alone. Source dimensions
    are summed over (``select_totals`` has already kept only their totals where they have any).
    """
    if sex not in SEXES:
        raise FlowViewError(f"sex must be one of {SEXES}, got {sex!r}")
    if sex != "_T" or obs["sex"].eq("_T").any() or obs.empty:
        return obs[obs["sex"].eq(sex)]
    keys = [c for c in obs.columns if c not in ("sex", "value", "obs_status", *DIM_COLUMNS)]
    parts = obs[obs["sex"].isin(["F", "M"])]
    out = aggregate_groups(parts, keys)
    sexes = parts.groupby(keys, dropna=False, sort=True)["sex"].nunique().to_numpy()
    both = (sexes == 2) & (out["known"] == out["parts"]).to_numpy()
    out["value"] = out["value"].where(both)
    out["obs_status"] = out["obs_status"].where(both, "M")
    out = out.assign(sex="_T", **{c: None for c in DIM_COLUMNS if c in obs.columns})
    return out[list(obs.columns)]


def _combine_status(statuses: pd.Series) -> str:
    """One status for a sum: ``A`` when every part is normal, else the parts' codes joined."""
    codes = sorted({ch for s in statuses.dropna() for ch in str(s) if ch != "A"})
    return "".join(codes) if codes else "A"


def aggregate_groups(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: ``value`` summed, ``obs_status`` combined, ``parts`` (rows) and ``known``
    (rows with a value). A sum is known only when every part is: one missing part makes the
    total missing, never a smaller number. Vectorised: one pass per status letter.
    """
    grouped = frame.groupby(keys, sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "value": grouped["value"].sum(min_count=1),
            "parts": grouped["value"].size(),
            "known": grouped["value"].count(),
        }
    )
    out["value"] = out["value"].where(out["known"] == out["parts"])
    statuses = frame["obs_status"].fillna("A").astype(str)
    letters = sorted({ch for s in statuses.unique() for ch in s} - {"A"})
    combined = pd.Series("", index=out.index, dtype=object)
    for letter in letters:
        has = (
            statuses.str.contains(letter, regex=False).groupby([frame[k] for k in keys], sort=True, dropna=False).max()
        )
        combined = combined + np.where(has.reindex(out.index).fillna(False).astype(bool), letter, "")
    out["obs_status"] = combined.where(combined != "", "A")
    return out.reset_index()


def compute_period_labels(obs: pd.DataFrame, step: str, year_basis: str = "calendar") -> pd.Series:
    """The period each observation counts in: a year (``2023``), a US fiscal year (``FY2023``) or a month.

    Annual or five-year rows keep their own period. Monthly rows are grouped into calendar
    years, or into US fiscal years (October to September, named by the year they end) when
    ``year_basis`` is ``us_fiscal``. With ``step="month"`` only monthly rows have a label.
    """
    if step not in STEPS:
        raise FlowViewError(f"step must be one of {STEPS}, got {step!r}")
    if year_basis not in YEAR_BASES:
        raise FlowViewError(f"year_basis must be one of {YEAR_BASES}, got {year_basis!r}")
    start = pd.to_datetime(obs["time_start"])
    monthly = obs["freq"].eq("M")
    if step == "month":
        return pd.Series(np.where(monthly, obs["time_period"], None), index=obs.index, dtype=object)
    if year_basis == "us_fiscal":
        label = compute_fiscal_year_labels(start)
    else:
        label = start.dt.year.astype(str)
    return pd.Series(np.where(monthly, label, obs["time_period"]), index=obs.index, dtype=object)


def compute_period_coverage(obs: pd.DataFrame, step: str, year_basis: str = "calendar") -> pd.DataFrame:
    """Per period label: how many months of it the dataset covers, and whether it is complete.

    ``months`` is ``NaN`` for periods made of annual or five-year rows (complete by nature). For
    monthly rows, the months of the period inside the dataset's reporting span (its first to its last
    month) are covered: a month inside the span without a row had nothing to count (Darién, April–June
    2020), it is not missing. A year is complete with 12 months; Darién 2025 (January–April) is not.
    """
    labels = compute_period_labels(obs, step, year_basis)
    frame = pd.DataFrame(
        {"period": labels, "freq": obs["freq"], "time_period": obs["time_period"], "time_start": obs["time_start"]}
    ).dropna(subset=["period"])
    monthly_all = frame[frame["freq"].eq("M")]
    span = None
    if len(monthly_all):
        starts = pd.to_datetime(monthly_all["time_start"])
        span = (starts.min().date(), starts.max().date())
    rows = []
    for period, part in frame.groupby("period", sort=True):
        monthly = part[part["freq"].eq("M")]
        if len(monthly) and span is not None:
            months = float(compute_covered_months(period, *span))
        else:
            months = np.nan
        needed = compute_expected_months(period) if len(monthly) else 12
        complete = bool(np.isnan(months) or months >= needed)
        rows.append({"period": period, "months": months, "complete": complete})
    return pd.DataFrame(rows, columns=["period", "months", "complete"])


def compute_periods(obs: pd.DataFrame, step: str, year_basis: str = "calendar") -> list[str]:
    """The sorted period labels present in ``obs`` for ``step``."""
    labels = compute_period_labels(obs, step, year_basis).dropna()
    return sorted(set(labels), key=_period_sort_key)


def _period_sort_key(label: str) -> tuple:
    return period_sort_key(label)


def compute_flows(obs: pd.DataFrame, view: FlowView, period: str, sex: str, step: str = "year") -> pd.DataFrame:
    """Origin -> destination flows of ``view`` in one period and sex (one row per pair).

    Monthly rows are summed into the period; where the source also stores an annual total
    for a year it is used as is (monthly and annual rows are never added together).
    ``value`` is ``NaN`` when every part of a pair is missing. Sorted by value (largest
    first), then origin and destination, so that the output is deterministic.
    """
    if step not in view.steps:
        raise FlowViewError(f"view {view.view_id!r} has no {step!r} step (it has {view.steps})")
    labels = compute_period_labels(obs, step, view.year_basis)
    part = compute_sex(select_totals(obs[labels.eq(period).fillna(False).astype(bool)]), sex)
    if step == "year" and part["freq"].ne("M").any():
        part = part[part["freq"].ne("M")]
    if view.direction == "inbound":
        origin, destination = part["counterpart_area"], part["ref_area"]
    else:
        origin, destination = part["ref_area"], part["counterpart_area"]
    frame = pd.DataFrame(
        {
            "origin": origin,
            "destination": destination,
            "reporter": part["ref_area"],
            "value": part["value"],
            "unit": part["unit"],
            "dataset_id": part["dataset_id"],
            "measure": part["measure"],
            "obs_status": part["obs_status"],
        }
    )
    frame = frame[~frame["origin"].eq(NOT_APPLICABLE) & ~frame["destination"].eq(NOT_APPLICABLE)]
    units = sorted(set(frame["unit"].dropna()))
    if len(units) > 1:
        raise FlowViewError(f"view {view.view_id!r} mixes units {units} in {period}: one unit per map")
    keys = ["origin", "destination", "reporter", "unit", "dataset_id", "measure"]
    flows = aggregate_groups(frame, keys)
    flows["period"] = period
    return sort_flows(flows[list(FLOW_COLUMNS)])


def sort_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Largest first (missing last), ties by origin then destination; a fresh index."""
    return flows.sort_values(
        ["value", "origin", "destination"],
        ascending=[False, True, True],
        na_position="last",
        kind="mergesort",
        ignore_index=True,
    )


def compute_drawable(flows: pd.DataFrame, places: Iterable[str]) -> pd.Series:
    """Whether each flow can be drawn: both ends have a label point, neither is ``_X``, value known."""
    places = set(places) - {UNKNOWN, NOT_APPLICABLE}
    return (
        flows["origin"].isin(places)
        & flows["destination"].isin(places)
        & flows["value"].notna()
        & flows["origin"].ne(flows["destination"])
    )


def compute_focus(flows: pd.DataFrame, place: str | None, mode: str = "both") -> pd.DataFrame:
    """Flows into (``in``), out of (``out``) or touching (``both``) ``place``; all flows when no place."""
    if mode not in FOCUS_MODES:
        raise FlowViewError(f"focus mode must be one of {FOCUS_MODES}, got {mode!r}")
    if not place:
        return flows
    incoming, outgoing = flows["destination"].eq(place), flows["origin"].eq(place)
    keep = {"in": incoming, "out": outgoing, "both": incoming | outgoing}[mode]
    return flows[keep].reset_index(drop=True)


@dataclass(frozen=True)
class FlowSelection:
    """What the map draws and what it leaves out, with counts and volumes of both."""

    drawn: pd.DataFrame  # flows on the map
    hidden: pd.DataFrame  # drawable flows below the top N or the minimum
    undrawable: pd.DataFrame  # flows with an end without geometry or unknown (_X), or to itself
    missing: pd.DataFrame  # pairs whose value is missing (never drawn, never zero)

    @property
    def hidden_volume(self) -> float:
        return float(self.hidden["value"].sum())

    @property
    def undrawable_volume(self) -> float:
        return float(self.undrawable["value"].sum())


def compute_selection(
    flows: pd.DataFrame, places: Iterable[str], top_n: int | None = None, min_value: float | None = None
) -> FlowSelection:
    """Split ``flows`` into drawn, hidden (top N / minimum), undrawable and missing.

    ``top_n`` keeps the N largest drawable flows (ties broken by origin, destination);
    ``min_value`` keeps drawable flows of at least that value. Both may apply; neither
    means every drawable flow is drawn. Nothing is silently dropped: every input row ends
    in exactly one of the four parts.
    """
    if top_n is not None and top_n < 0:
        raise FlowViewError(f"top_n must be zero or more, got {top_n}")
    flows = sort_flows(flows)
    missing = flows["value"].isna()
    drawable = compute_drawable(flows, places)
    candidates = flows[drawable]
    keep = pd.Series(True, index=candidates.index)
    if min_value is not None:
        keep &= candidates["value"].ge(min_value)
    if top_n is not None:
        rank = keep.cumsum()
        keep &= rank.le(top_n)
    return FlowSelection(
        drawn=candidates[keep].reset_index(drop=True),
        hidden=candidates[~keep].reset_index(drop=True),
        undrawable=flows[~drawable & ~missing].reset_index(drop=True),
        missing=flows[missing].reset_index(drop=True),
    )


def compute_place_totals(flows: pd.DataFrame) -> pd.DataFrame:
    """Incoming, outgoing and net (incoming - outgoing) per place, over every flow (drawn or not).

    A side with no known flow is missing (``NaN``), never 0: an inbound dataset reports
    arrivals at its reporters, so a place that reports nothing has no known incoming
    total, and a place's outgoing total covers only the partners that report. Net is
    known only when both sides are. Sorted by place code; ``_X`` and places without
    geometry are kept (they are part of the totals).
    """
    known = flows[flows["value"].notna()]
    incoming = known.groupby("destination")["value"].sum()
    outgoing = known.groupby("origin")["value"].sum()
    places = sorted((set(flows["origin"]) | set(flows["destination"])) - {NOT_APPLICABLE})
    totals = pd.DataFrame({"place": pd.Series(places, dtype=object)})
    totals["incoming"] = totals["place"].map(incoming).astype(float)
    totals["outgoing"] = totals["place"].map(outgoing).astype(float)
    totals["net"] = totals["incoming"] - totals["outgoing"]
    return totals


def compute_place_total_coverage(totals: pd.DataFrame, view: FlowView, scopes: Mapping) -> pd.DataFrame:
    """``compute_place_totals`` plus ``coverage`` (``complete`` / ``partial_pairs``) and its caveat
    (``coverage_note_es``, ``coverage_note_en``): a place outside the view's dataset pair scope (UN DESA,
    UNHCR: Americas and Spain) has totals over its American and Spanish partners only (``etl.pair_scope``).
    ``scopes``: ``etl.pair_scope.load_pair_scopes(con)``."""
    from etl.pair_scope import compute_total_coverage

    framed = totals.assign(dataset_id=view.dataset_id)
    return compute_total_coverage(framed, scopes, area_column="place").drop(columns="dataset_id")


def compute_summary(selection: FlowSelection) -> dict[str, float | int]:
    """Counts and volumes of what is drawn, hidden, not drawable and missing (for the page and tests)."""
    return {
        "drawn_count": len(selection.drawn),
        "drawn_volume": float(selection.drawn["value"].sum()),
        "hidden_count": len(selection.hidden),
        "hidden_volume": selection.hidden_volume,
        "undrawable_count": len(selection.undrawable),
        "undrawable_volume": selection.undrawable_volume,
        "missing_count": len(selection.missing),
    }
