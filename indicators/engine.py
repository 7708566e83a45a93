"""Compute harmonised indicators from store observations.

``compute(indicator_id, level, period=None, **filters)`` is the entry point: it reads the
observations an indicator needs through ``etl.store.connect()`` (its public views only:
unpublished submissions never reach a map) and hands them to the pure functions below,
which sum a numerator by territory and period, divide by a denominator when the
indicator is a ratio, combine the observation statuses, and keep every number's
dataset. Missing stays missing: a territory without a numerator or a denominator has no
value (never 0), and a zero denominator gives no value either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from etl.periods import PeriodError, compute_covered_months, compute_fiscal_year_labels
from indicators.catalogue import Indicator, LevelSpec, Term, load_catalogue
from indicators.quality import (
    STATUS_ORDER,
    coerce_missing,
    combine_status,
    fill_nearest,
    period_year,
    sort_periods,
)

OUTPUT_COLUMNS = ("indicator_id", "geo_code", "period", "value", "unit", "obs_status", "months", "dataset_id")
UNIT_FACTORS = {"thousand_persons": ("persons", 1000.0)}
SEX_CODES = ("_T", "F", "M")
PROJECTION = "F"  # SDMX status of a forecast: never the year a view opens on when observed years exist
ANY = ("*",)  # a ``where`` value that keeps every code of the column (e.g. all age groups)
OBS_READ_COLUMNS = (
    "dataset_id",
    "measure",
    "ref_area",
    "counterpart_area",
    "time_period",
    "freq",
    "time_start",
    "sex",
    "age",
    "dim_1",
    "dim_2",
    "dim_3",
    "dim_4",
    "dim_5",
    "value",
    "unit",
    "obs_status",
)


class ImpossibleCombinationError(ValueError):
    """A level, period or filter that the indicator does not have; the message says what it has."""


def compute_period_labels(obs: pd.DataFrame, rule: str) -> pd.Series:
    """The period each observation counts towards: as stored, its calendar year, or its US fiscal year."""
    if rule == "as_stored":
        return obs["time_period"].astype(str)
    start = pd.to_datetime(obs["time_start"])
    if rule == "calendar_year":
        return start.dt.year.astype(str)
    if rule == "us_fiscal_year":
        return compute_fiscal_year_labels(start)
    raise ValueError(f"unknown period rule {rule!r}")


def select_rows(obs: pd.DataFrame, term: Term, sex: str | None = None, partner: str | None = None) -> pd.DataFrame:
    """The observations of ``term``: its datasets and measures, ``where``/``exclude`` and the filters.

    Without a sex or age condition, totals (``_T``) are taken. ``partner`` fixes the
    other side of a bilateral measure (the origin of an immigrant stock, the destination
    of an emigrant stock).
    """
    keep = obs["dataset_id"].isin(term.datasets) & obs["measure"].isin(term.measures)
    where = dict(term.where)
    where.setdefault("age", ("_T",))
    if sex is not None:
        where["sex"] = (sex,)
    where.setdefault("sex", ("_T",))
    if partner is not None:
        other = "counterpart_area" if term.area == "ref_area" else "ref_area"
        where[other] = (partner,)
    for column, values in where.items():
        if values != ANY:
            keep &= obs[column].isin(values)
    for column, values in term.exclude.items():
        keep &= ~obs[column].isin(values)
    return obs[keep]


def compute_term(
    obs: pd.DataFrame,
    term: Term,
    codes: Iterable[str] | None = None,
    sex: str | None = None,
    partner: str | None = None,
) -> pd.DataFrame:
    """``geo_code, period, value, obs_status, months, dataset_id``: ``term`` summed by territory and period.

    Missing values (``NULL``) are left out of sums; a territory and period whose rows are
    all missing has no value. ``months`` is how many calendar months of the period the
    source covers (for monthly sources; 12 otherwise), so a partial year can be marked.
    Units in thousands are converted to units.
    """
    rows = select_rows(obs, term, sex, partner)
    if codes is not None:
        rows = rows[rows[term.area].isin(set(codes))]
    if rows.empty:
        return pd.DataFrame(columns=["geo_code", "period", "value", "obs_status", "months", "dataset_id", "unit"])
    rows = rows.assign(geo_code=rows[term.area], period=compute_period_labels(rows, term.period))
    factor = rows["unit"].map(lambda u: UNIT_FACTORS.get(u, (u, 1.0))[1])
    rows = rows.assign(value=rows["value"] * factor, unit=rows["unit"].map(lambda u: UNIT_FACTORS.get(u, (u,))[0]))
    months = compute_months(rows, compute_spans(obs, term))
    keys = ["geo_code", "period"]
    out = rows.groupby(keys, sort=True)["value"].sum(min_count=1).reset_index()
    out["obs_status"] = aggregate_status(rows, keys).reindex(pd.MultiIndex.from_frame(out[keys])).fillna("A").to_numpy()
    out["dataset_id"] = join_distinct(rows, keys, "dataset_id").reindex(pd.MultiIndex.from_frame(out[keys])).to_numpy()
    out["unit"] = join_distinct(rows, keys, "unit").reindex(pd.MultiIndex.from_frame(out[keys])).to_numpy()
    out["months"] = out["period"].map(months).astype("float64")
    return out


def aggregate_status(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The most severe status per group, over the rows that have a value."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    have = rows[rows["value"].notna()]
    ranks = have["obs_status"].map(rank).fillna(0).astype(int)
    worst = ranks.groupby([have[k] for k in keys]).max()
    return worst.map(dict(enumerate(STATUS_ORDER)))


def join_distinct(rows: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """Distinct values of ``column`` per group, sorted and joined with ';'."""
    distinct = rows[[*keys, column]].drop_duplicates().sort_values([*keys, column])
    sizes = distinct.groupby(keys)[column].transform("size")
    single = distinct[sizes == 1].set_index(keys)[column]
    several = distinct[sizes > 1]
    if several.empty:
        return single
    return pd.concat([single, several.groupby(keys)[column].agg(";".join)])


def compute_spans(obs: pd.DataFrame, term: Term | None = None) -> dict[str, tuple]:
    """``{dataset_id: (first month start, last month start)}``: the monthly reporting span of each dataset
    (of ``term``'s datasets and measures when given), whatever territory, partner or sex is selected."""
    monthly = obs[obs["freq"].eq("M")]
    if term is not None:
        monthly = monthly[monthly["dataset_id"].isin(term.datasets) & monthly["measure"].isin(term.measures)]
    if monthly.empty:
        return {}
    start = pd.to_datetime(monthly["time_start"])
    spans = start.groupby(monthly["dataset_id"]).agg(["min", "max"])
    return {d: (r["min"].date(), r["max"].date()) for d, r in spans.iterrows()}


def compute_months(rows: pd.DataFrame, spans: Mapping[str, tuple] | None = None) -> dict[str, float]:
    """Calendar months each period covers (12 when any row is annual or longer).

    With ``spans`` (``compute_spans``), a period made of monthly rows covers the months that lie inside
    the reporting span of its datasets: a month without a row inside the span had nothing to count
    (Darién, April–June 2020), it is not missing. Without ``spans``, the distinct months present count.
    """
    out: dict[str, float] = {}
    for period, group in rows.groupby("period"):
        monthly = group["freq"].eq("M")
        if not monthly.all():
            out[period] = 12.0
            continue
        datasets = [d for d in group["dataset_id"].unique() if spans and d in spans]
        try:
            out[period] = (
                float(min(compute_covered_months(period, *spans[d]) for d in datasets))
                if datasets
                else float(group["time_period"].nunique())
            )
        except PeriodError:
            out[period] = float(group["time_period"].nunique())
    return out


def denominator_periods(period: str, rule: str) -> list[str]:
    """The denominator periods a numerator period divides by."""
    if rule == "same":
        return [period]
    if rule == "fiscal_end_year":
        return [str(period_year(period))]
    if rule == "person_years":
        first = period_year(period)
        last = int(str(period).split("-")[-1]) if "-" in str(period) else first
        return [str(y) for y in range(first, last + 1)]
    raise ValueError(f"unknown denominator period rule {rule!r}")


def compute_ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float, rule: str) -> pd.DataFrame:
    """``num / den * scale`` by territory and period; missing or zero denominators give no value.

    For ``person_years`` the denominator is the sum of every year of the period (all years
    must be present). The status is the most severe of numerator and denominator.
    """
    if num.empty:
        return num.assign(value=pd.Series(dtype="float64"))
    pairs = num[["geo_code", "period"]].copy()
    pairs["den_period"] = [denominator_periods(p, rule) for p in pairs["period"]]
    pairs["needed"] = pairs["den_period"].map(len)
    pairs = pairs.explode("den_period")
    d = den.rename(
        columns={"period": "den_period", "value": "den_value", "obs_status": "den_status", "dataset_id": "den_dataset"}
    )[["geo_code", "den_period", "den_value", "den_status", "den_dataset"]]
    joined = pairs.merge(d, on=["geo_code", "den_period"], how="left")
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    joined["den_rank"] = joined["den_status"].map(rank).fillna(0).astype(int)
    per = joined.groupby(["geo_code", "period"], sort=False).agg(
        den_total=("den_value", "sum"),
        found=("den_value", "count"),
        needed=("needed", "first"),
        den_rank=("den_rank", "max"),
        den_dataset=("den_dataset", "first"),
    )
    per.loc[per["found"] < per["needed"], "den_total"] = np.nan
    merged = num.merge(per.reset_index(), on=["geo_code", "period"], how="left")
    total = merged["den_total"].where(merged["den_total"] != 0)
    value = merged["value"] / total * scale
    ok = total.notna()
    status = [
        combine_status([s, STATUS_ORDER[r]]) if k else s
        for s, r, k in zip(merged["obs_status"], merged["den_rank"].fillna(0).astype(int), ok)
    ]
    datasets = [
        ";".join(sorted({*a.split(";"), *str(b).split(";")})) if k else a
        for a, b, k in zip(merged["dataset_id"], merged["den_dataset"], ok)
    ]
    out = num.assign(
        value=coerce_missing(pd.Series(value.to_numpy(), index=num.index)), obs_status=status, dataset_id=datasets
    )
    return out


def rollup_areas(obs: pd.DataFrame, column: str, parents: Mapping[str, str]) -> pd.DataFrame:
    """Observations with admin-1 codes in ``column`` replaced by their country (to add them up)."""
    mapped = obs[column].map(parents)
    return obs.assign(**{column: mapped.where(mapped.notna() & mapped.ne(""), obs[column])})


def compute_difference(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """``first - second`` by territory and period (e.g. immigrants minus emigrants); missing if either is."""
    merged = first.merge(second, on=["geo_code", "period"], how="outer", suffixes=("", "_2"))
    out = merged[["geo_code", "period"]].copy()
    out["value"] = merged["value"] - merged["value_2"]
    out["obs_status"] = [combine_status([a, b]) for a, b in zip(merged["obs_status"], merged["obs_status_2"])]
    out["dataset_id"] = [
        ";".join(sorted({*str(a).split(";"), *str(b).split(";")} - {"nan"}))
        for a, b in zip(merged["dataset_id"], merged["dataset_id_2"])
    ]
    out["unit"] = merged["unit"].fillna(merged["unit_2"])
    out["months"] = merged[["months", "months_2"]].min(axis=1)
    return out.sort_values(["geo_code", "period"], ignore_index=True)


def compute_level(
    spec: LevelSpec,
    obs: pd.DataFrame,
    codes: Iterable[str] | None,
    sex: str | None = None,
    partner: str | None = None,
    parents: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """An indicator at one level, every period: sum, or ratio with its denominator.

    A numerator with ``rollup`` adds admin-1 observations into their country (``parents``).
    """
    codes = None if codes is None else list(codes)
    if spec.numerator.rollup and parents:
        obs = rollup_areas(obs, spec.numerator.area, parents)
    num = compute_term(obs, spec.numerator, codes, sex, partner)
    if spec.subtract is not None:
        num = compute_difference(num, compute_term(obs, spec.subtract, codes, sex, partner))
    if spec.method == "sum":
        return num
    if spec.denominator is None:
        raise ValueError("a ratio needs a denominator")
    den = compute_term(obs, spec.denominator, codes)
    return compute_ratio(num, den, spec.scale, spec.denominator_period)


def finish_frame(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The output columns, in order, sorted by territory and period."""
    out = frame.assign(indicator_id=indicator.id, unit=indicator.unit)
    if out.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c in ("value", "months") else object) for c in OUTPUT_COLUMNS}
        )
    out["value"] = coerce_missing(out["value"])
    out = out[list(OUTPUT_COLUMNS)]
    order = out["period"].map(period_year)
    return out.assign(_o=order).sort_values(["geo_code", "_o", "period"]).drop(columns="_o").reset_index(drop=True)


def validate_request(indicator: Indicator, level: str, filters: Mapping[str, object]) -> None:
    """Raise ``ImpossibleCombinationError`` for a level or filter the indicator does not have."""
    if level not in indicator.levels:
        raise ImpossibleCombinationError(
            f"indicator {indicator.id!r} has no data at level {level!r}; its levels: {', '.join(indicator.levels)}"
        )
    for name, value in filters.items():
        if value is None:
            continue
        if name not in indicator.disaggregations:
            valid = ", ".join(indicator.disaggregations) or "none"
            raise ImpossibleCombinationError(
                f"indicator {indicator.id!r} cannot be broken down by {name!r}; its disaggregations: {valid}"
            )
        if name == "sex" and value not in SEX_CODES:
            raise ImpossibleCombinationError(f"sex must be one of {SEX_CODES}, got {value!r}")


def compute_frame(
    indicator: Indicator,
    level: str,
    obs: pd.DataFrame,
    codes: Iterable[str] | None,
    sex: str | None = None,
    partner: str | None = None,
    parents: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Pure: the indicator's tidy frame at ``level`` for every period from ``obs`` (store-shaped rows)."""
    validate_request(indicator, level, {"sex": sex, "partner": partner})
    return finish_frame(compute_level(indicator.levels[level], obs, codes, sex, partner, parents), indicator)


def select_period(frame: pd.DataFrame, indicator: Indicator, period: str) -> pd.DataFrame:
    """The rows for ``period``, filled from the nearest period within the indicator's window."""
    periods = sort_periods(frame["period"]) if not frame.empty else []
    if period not in periods:
        shown = ", ".join(periods[:3] + (["…"] if len(periods) > 6 else []) + periods[-3:]) if periods else "none"
        raise ImpossibleCombinationError(f"indicator {indicator.id!r} has no period {period!r}; periods: {shown}")
    return fill_nearest(frame, period, indicator.window)


def level_codes(level: str) -> list[str]:
    """Codes of the territories at ``level`` in the gazetteer (special codes such as _X are left out)."""
    import geodata

    gaz = geodata.gazetteer()
    return sorted(gaz.loc[gaz["level"] == level, "geo_code"])


def admin1_parents() -> dict[str, str]:
    """``{admin-1 code: country code}`` from the gazetteer."""
    import geodata

    gaz = geodata.gazetteer()
    a1 = gaz[gaz["level"] == "admin1"]
    return dict(zip(a1["geo_code"], a1["parent_code"]))


def compute(indicator_id: str, level: str, period: str | None = None, **filters: str | None) -> pd.DataFrame:
    """The indicator as a tidy frame keyed by ``geo_code`` and ``period``.

    Columns: ``indicator_id, geo_code, period, value, unit, obs_status, months,
    dataset_id`` plus the sources (``title_es, title_en, publisher, licence, licence_url,
    attribution, retrieved, revision``). With ``period``, one row per territory for that period, with the
    nearest period inside the indicator's window where a territory has none (marked by
    ``nearest`` and ``requested_period``). ``filters``: ``sex`` (``_T``, ``F``, ``M``)
    and ``partner`` (ISO3 of the other side of a bilateral measure), when the indicator
    has them. Raises ``UnknownIndicatorError`` (listing the valid ids) or
    ``ImpossibleCombinationError``.
    """
    from indicators.store import load_datasets, load_observations

    indicator = load_catalogue().get(indicator_id)
    validate_request(indicator, level, filters)
    spec = indicator.levels[level]
    obs = load_observations(spec)
    parents = admin1_parents() if level == "country" else None
    frame = compute_frame(indicator, level, obs, level_codes(level), parents=parents, **filters)
    notes, scopes = load_period_metadata()
    frame = attach_pair_coverage(attach_period_status(frame, notes), scopes)
    if period is not None:
        frame = select_period(frame, indicator, period)
    return attach_sources(frame, load_datasets())


def load_period_metadata() -> tuple[pd.DataFrame, dict]:
    """The store's period notes and pair scopes, read on one connection."""
    from etl.pair_scope import load_pair_scopes
    from etl.store import connect
    from indicators.periods import NOTE_COLUMNS, NOTES_SQL

    with connect() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        notes = con.execute(NOTES_SQL).df() if "period_notes" in tables else pd.DataFrame(columns=NOTE_COLUMNS)
        return notes, load_pair_scopes(con)


def attach_period_status(frame: pd.DataFrame, notes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add ``period_status`` (complete / partial / mid_year / projection, ``indicators.periods``) to every row,
    so that a map, a table or a download says when a period is partial or mid-year."""
    from indicators.periods import compute_indicator_statuses, load_period_notes, period_status_column

    notes = load_period_notes() if notes is None else notes
    return frame.assign(period_status=period_status_column(frame, compute_indicator_statuses(frame, notes)))


def attach_pair_coverage(frame: pd.DataFrame, scopes: Mapping | None = None) -> pd.DataFrame:
    """Add ``coverage`` (``complete`` / ``partial_pairs``) and ``coverage_note_es/en`` to every row: a total
    over partners of a territory outside a dataset's pair scope (UN DESA or UNHCR for Germany: only its
    American and Spanish partners were vendored) is not the territory's real total (``etl.pair_scope``)."""
    from etl.pair_scope import compute_total_coverage, load_pair_scopes
    from etl.store import connect

    if scopes is None:
        with connect() as con:
            scopes = load_pair_scopes(con)
    return compute_total_coverage(frame, scopes)


def load_unit_exclusions(indicator_id: str, level: str) -> pd.DataFrame:
    """``compute_unit_exclusions`` over the store's public observations, for every territory of ``level``."""
    from indicators.store import load_observations

    indicator = load_catalogue().get(indicator_id)
    validate_request(indicator, level, {})
    return compute_unit_exclusions(indicator, level, load_observations(indicator.levels[level]), level_codes(level))


SOURCE_COLUMNS = ("title_es", "title_en", "publisher", "licence", "licence_url", "attribution", "retrieved", "revision")


def attach_sources(frame: pd.DataFrame, datasets: pd.DataFrame) -> pd.DataFrame:
    """Add each row's dataset titles, publishers, licences, attributions, retrieval dates and
    revisions (joined with '; ' when a number draws on several datasets), so that every number
    that leaves the atlas can be traced to its source, licence and date."""
    columns = list(SOURCE_COLUMNS)
    meta = datasets.set_index("dataset_id")
    lookup: dict[str, dict[str, str]] = {}
    for ids in frame["dataset_id"].dropna().unique():
        parts = [d for d in str(ids).split(";") if d in meta.index]
        lookup[ids] = {
            c: "; ".join(dict.fromkeys(str(meta.at[d, c]) for d in parts if pd.notna(meta.at[d, c]))) for c in columns
        }
    extra = pd.DataFrame(
        [lookup.get(i, {c: "" for c in columns}) for i in frame["dataset_id"]], columns=columns, index=frame.index
    )
    return pd.concat([frame, extra], axis=1)


def compute_periods(frame: pd.DataFrame, codes: Iterable[str] | None = None) -> list[str]:
    """The periods that have at least one value (among ``codes`` when given), in time order.

    With ``codes`` (the territories a view draws), a year list offers only years that colour
    something in that view: a country view lists the years of that country's units.
    """
    if frame.empty:
        return []
    have = frame["value"].notna()
    if codes is not None:
        have &= frame["geo_code"].isin(set(codes))
    return sort_periods(frame.loc[have, "period"])


def compute_default_period(frame: pd.DataFrame, codes: Iterable[str] | None = None) -> str | None:
    """The period a view opens on: the latest complete one with a value among ``codes``, else the latest
    that is not a projection. "Complete" comes from the ``period_status`` column that ``compute`` adds
    (end-of-period, every month reported, not projected; ``indicators.periods``).

    Sources such as CONAPO project to 2070: opening on the last year would show a projection
    (or, in a country whose data stop earlier, an empty map). A period counts as observed when
    at least one of its values has a status other than ``F`` (forecast). When every value is a
    projection (e.g. Honduras' 2019 department projection), the latest period with a value is
    taken; ``None`` when nothing has a value.
    """
    periods = compute_periods(frame, codes)
    if not periods:
        return None
    have = frame["value"].notna() & frame["obs_status"].ne(PROJECTION)
    if codes is not None:
        have &= frame["geo_code"].isin(set(codes))
    observed = set(frame.loc[have, "period"])
    if "period_status" in frame.columns:  # issue 12: the latest *complete* period (not partial, not mid-year)
        complete = set(frame.loc[have & frame["period_status"].eq("complete"), "period"])
        found = next((p for p in reversed(periods) if p in complete), None)
        if found is not None:
            return found
    return next((p for p in reversed(periods) if p in observed), periods[-1])


def compute_unit_exclusions(
    indicator: Indicator, level: str, obs: pd.DataFrame, codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """What an indicator leaves out because of its unit, by territory and period.

    An indicator whose numerator keeps one unit (``where: {unit: persons}``) drops the rows
    a source counts in another unit (UNHCR asylum applications that some countries count in
    cases, a case covering one or more people). The page says so instead of a bare "no
    data". Columns: ``geo_code, period, unit, value`` (the left-out sum, in that unit) and
    ``only`` (True when the territory has no value at all in the indicator's unit for that
    period). Empty when the indicator keeps every unit.
    """
    columns = ["geo_code", "period", "unit", "value", "only"]
    none = pd.DataFrame({c: pd.Series(dtype="bool" if c == "only" else object) for c in columns})
    spec = indicator.levels[level]
    kept = spec.numerator.where.get("unit")
    if not kept:
        return none
    other = replace(
        spec.numerator,
        where={k: v for k, v in spec.numerator.where.items() if k != "unit"},
        exclude={**spec.numerator.exclude, "unit": kept},
    )
    left_out = compute_term(obs, other, codes)
    left_out = left_out[left_out["value"].notna()] if not left_out.empty else left_out
    if left_out.empty:
        return none
    counted = compute_term(obs, spec.numerator, codes)
    counted = counted[counted["value"].notna()]
    have = set(zip(counted["geo_code"], counted["period"]))
    only = [(g, p) not in have for g, p in zip(left_out["geo_code"], left_out["period"])]
    out = left_out.assign(only=only)[columns]
    return out.sort_values(["period", "geo_code"], ignore_index=True)
