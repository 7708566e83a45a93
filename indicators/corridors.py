"""Corridors as data: the catalogue (``corridors.yaml``), segment series, attrition, lag and mirrors.

A corridor is an ordered chain of territories and crossing points (e.g. Venezuela ->
Colombia -> Darién -> ... -> the US south-west border -> United States). Each *segment*
is a place on the chain where an authority counts the movement (Panama's SNM at the
Darién, Honduras' INM, Mexico's UPM, US CBP), with the series that measures it. Each
authority counts something different: series are shown side by side, compared as
ratios and lags, and never added up. *Mirrors* are two authorities reporting the same
movement from both ends (Mexico's deportations of Guatemalans and Guatemala's nationals
returned from Mexico).

Everything here is pure except ``load_*``, which read YAML or the store.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from common.text import Bilingual
from common.yamlfile import load_yaml
from indicators.flows import DIM_COLUMNS, OBS_COLUMNS, aggregate_groups, compute_sex, select_totals

CORRIDORS_FILE = Path(__file__).resolve().parent / "corridors.yaml"
NATIONALITY = "{nationality}"
EARTH_RADIUS_KM = 6371.0088
FILTER_COLUMNS = (*DIM_COLUMNS, "age", "sex", "unit")
NO_TEXT = Bilingual("", "")


class CorridorError(ValueError):
    """A corridor definition (or a request about one) that cannot be used."""


@dataclass(frozen=True)
class SeriesSpec:
    """One series of the store: a dataset, a measure, a reporting area, a partner and filters.

    ``counterpart`` may be ``{nationality}``: the nationality chosen on the page.
    """

    dataset_id: str
    measure: str
    ref_area: str
    counterpart: str
    filters: Mapping[str, str] = field(default_factory=dict)
    label: Bilingual = NO_TEXT  # ``spec.label(lang)``
    caveat: Bilingual = NO_TEXT  # ``spec.caveat(lang)``

    def resolved_counterpart(self, nationality: str) -> str:
        return nationality if self.counterpart == NATIONALITY else self.counterpart


@dataclass(frozen=True)
class Node:
    """A place on the chain: a territory (``geo_code``) or a crossing point with its own coordinates."""

    node_id: str
    geo_code: str | None
    name: Bilingual = NO_TEXT  # empty for a territory: its name comes from the gazetteer
    lon: float | None = None
    lat: float | None = None
    country: str | None = None  # ISO3 of the country the node lies in (incidents on the route)


@dataclass(frozen=True)
class Segment:
    """Where the corridor is counted: a node of the chain and the series counting it there."""

    segment_id: str
    node_id: str
    series: SeriesSpec


@dataclass(frozen=True)
class Mirror:
    """Two authorities reporting the same movement from both ends; shown side by side, never added."""

    mirror_id: str
    left: SeriesSpec
    right: SeriesSpec
    what: Bilingual  # ``mirror.what(lang)``


@dataclass(frozen=True)
class Corridor:
    """A named corridor: chain, segments, nationalities on offer, lag rule, mirrors, incident buffer."""

    corridor_id: str
    name: Bilingual  # ``corridor.name(lang)``
    description: Bilingual  # ``corridor.description(lang)``
    nationalities: tuple[str, ...]
    chain: tuple[Node, ...]
    segments: tuple[Segment, ...]
    mirrors: tuple[Mirror, ...]
    lag_window: tuple[int, int] = (0, 3)
    fixed_lag: int | None = None
    buffer_km: float = 100.0
    incident_routes: tuple[str, ...] = ()

    def resolved_chain(self, nationality: str) -> tuple[Node, ...]:
        """The chain with ``{nationality}`` replaced by the chosen nationality (ISO3)."""

        def fill(code: str | None) -> str | None:
            return nationality if code == NATIONALITY else code

        return tuple(
            Node(
                nationality if n.node_id == NATIONALITY else n.node_id,
                fill(n.geo_code),
                n.name,
                n.lon,
                n.lat,
                fill(n.country),
            )
            for n in self.chain
        )


def _texts(raw: Mapping, key: str, where: str, problems: list[str], required: bool = True) -> Bilingual:
    texts = raw.get(key)
    if texts is None and not required:
        return NO_TEXT
    if not isinstance(texts, Mapping) or not {"es", "en"} <= set(texts):
        problems.append(f"{where}: {key!r} needs both 'es' and 'en' texts")
        return NO_TEXT
    return Bilingual.from_mapping(texts, f"{where}: {key!r}", required=False)


def build_series_spec(raw: Mapping, where: str, problems: list[str]) -> SeriesSpec | None:
    """A ``SeriesSpec`` from YAML, adding to ``problems`` what is missing or wrong."""
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: a series must be a mapping, got {type(raw).__name__}")
        return None
    missing = [k for k in ("dataset_id", "measure", "ref_area", "counterpart") if not raw.get(k)]
    if missing:
        problems.append(f"{where}: missing {missing} (a series needs dataset_id, measure, ref_area, counterpart)")
        return None
    filters = dict(raw.get("filters") or {})
    bad = [k for k in filters if k not in FILTER_COLUMNS]
    if bad:
        problems.append(f"{where}: filters may only use {FILTER_COLUMNS}, got {bad}")
    label = _texts(raw, "label", where, problems)
    caveat = _texts(raw, "caveat", where, problems)
    return SeriesSpec(
        raw["dataset_id"],
        raw["measure"],
        raw["ref_area"],
        raw["counterpart"],
        filters,
        label,
        caveat,
    )


def _build_node(raw: Mapping, where: str, problems: list[str]) -> Node | None:
    if not isinstance(raw, Mapping) or not (raw.get("geo_code") or raw.get("point")):
        problems.append(f"{where}: a chain node needs a geo_code or a point: [lon, lat] with an id and name")
        return None
    point = raw.get("point")
    lon = lat = None
    if point is not None:
        if not (isinstance(point, Sequence) and len(point) == 2 and -180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            problems.append(f"{where}: point must be [lon, lat] in degrees, got {point!r}")
            return None
        lon, lat = float(point[0]), float(point[1])
    name = _texts(raw, "name", where, problems, required=point is not None)
    node_id = raw.get("id") or raw.get("geo_code")
    geo_code = raw.get("geo_code")
    country = raw.get("country") or (geo_code if geo_code and len(geo_code) == 3 and "-" not in geo_code else None)
    if country is None:
        problems.append(f"{where}: a crossing point or admin-1 node needs 'country' (ISO3), e.g. country: PAN")
    return Node(node_id, geo_code, name, lon, lat, country)


def build_corridor(cid: str, raw: Mapping) -> tuple[Corridor | None, list[str]]:
    """One corridor from its YAML entry, with every problem found (``None`` when unusable)."""
    where = f"corridors.yaml, corridor {cid!r}"
    problems: list[str] = []
    name = _texts(raw, "name", where, problems)
    description = _texts(raw, "description", where, problems)
    chain = [_build_node(n, f"{where}, chain[{i}]", problems) for i, n in enumerate(raw.get("chain") or [])]
    if len(chain) < 2:
        problems.append(f"{where}: the chain needs at least two places")
    node_ids = [n.node_id for n in chain if n is not None]
    if len(set(node_ids)) != len(node_ids):
        problems.append(f"{where}: chain node ids must be unique, got {node_ids}")
    segments = []
    for i, seg in enumerate(raw.get("segments") or []):
        swhere = f"{where}, segments[{i}]"
        if seg.get("at") not in node_ids:
            problems.append(f"{swhere}: 'at' must name a node of the chain ({node_ids}), got {seg.get('at')!r}")
        spec = build_series_spec(seg.get("series"), swhere, problems)
        if spec is not None:
            segments.append(Segment(seg.get("id") or f"s{i}", seg.get("at"), spec))
    order = {n: i for i, n in enumerate(node_ids)}
    if [order.get(s.node_id, -1) for s in segments] != sorted(order.get(s.node_id, -1) for s in segments):
        problems.append(f"{where}: segments must follow the order of the chain")
    mirrors = []
    for i, m in enumerate(raw.get("mirrors") or []):
        mwhere = f"{where}, mirrors[{i}]"
        left = build_series_spec(m.get("left"), f"{mwhere}.left", problems)
        right = build_series_spec(m.get("right"), f"{mwhere}.right", problems)
        what = _texts(m, "what", mwhere, problems)
        if left and right:
            mirrors.append(Mirror(m.get("id") or f"m{i}", left, right, what))
    window = tuple(raw.get("lag_window_months", (0, 3)))
    if len(window) != 2 or not 0 <= window[0] <= window[1] <= 24:
        problems.append(f"{where}: lag_window_months must be [low, high] with 0 <= low <= high <= 24, got {window}")
    nationalities = tuple(raw.get("nationalities") or ())
    if not nationalities:
        problems.append(f"{where}: list at least one nationality (ISO3) under 'nationalities'")
    if problems:
        return None, problems
    corridor = Corridor(
        cid,
        name,
        description,
        nationalities,
        tuple(chain),
        tuple(segments),
        tuple(mirrors),
        lag_window=(int(window[0]), int(window[1])),
        fixed_lag=raw.get("fixed_lag_months"),
        buffer_km=float(raw.get("incident_buffer_km", 100.0)),
        incident_routes=tuple(raw.get("incident_routes") or ()),
    )
    return corridor, []


def build_corridors(raw: Mapping) -> dict[str, Corridor]:
    """Every corridor of the parsed YAML; raises ``CorridorError`` listing all problems at once."""
    entries = raw.get("corridors") if isinstance(raw, Mapping) else None
    if not isinstance(entries, Mapping) or not entries:
        raise CorridorError("corridors.yaml must have a non-empty 'corridors:' mapping of id -> corridor")
    out, problems = {}, []
    for cid, entry in entries.items():
        corridor, found = build_corridor(cid, entry if isinstance(entry, Mapping) else {})
        problems.extend(found)
        if corridor is not None:
            out[cid] = corridor
    if problems:
        raise CorridorError("; ".join(problems))
    return out


@functools.lru_cache(maxsize=1)
def load_corridors() -> dict[str, Corridor]:
    """The corridor catalogue shipped in ``indicators/corridors.yaml``, in file order."""
    return build_corridors(load_yaml(CORRIDORS_FILE))


def load_series_observations(spec: SeriesSpec, nationality: str, con) -> pd.DataFrame:
    """The observations of one series from ``public_observations`` (``con`` from ``etl.store.connect()``)."""
    where = ["dataset_id = ?", "measure = ?", "ref_area = ?", "counterpart_area = ?"]
    params: list[object] = [spec.dataset_id, spec.measure, spec.ref_area, spec.resolved_counterpart(nationality)]
    for column, value in sorted(spec.filters.items()):
        where.append(f"{column} = ?")
        params.append(value)
    sql = (
        f"SELECT {', '.join(OBS_COLUMNS)} FROM public_observations WHERE {' AND '.join(where)} "
        "ORDER BY time_start, sex, age"
    )
    return con.execute(sql, params).df()


def compute_series(obs: pd.DataFrame, sex: str = "_T") -> pd.DataFrame:
    """One value per period (``period``, ``freq``, ``value``, ``unit``, ``obs_status``), sorted by period.

    Totals are taken where the source has them (``select_totals``); disjoint categories
    (e.g. age groups, legal acts not filtered) are summed; a period whose parts are all
    missing stays missing.
    """
    columns = ["period", "freq", "time_start", "value", "unit", "obs_status"]
    if obs.empty:
        return pd.DataFrame(columns=columns)
    rows = compute_sex(select_totals(obs), sex)
    units = sorted(set(rows["unit"].dropna()))
    if len(units) > 1:
        raise CorridorError(f"a series must have one unit, got {units}")
    out = aggregate_groups(rows, ["time_period", "freq", "time_start", "unit"])
    out = out.rename(columns={"time_period": "period"})
    return out.sort_values("time_start", kind="mergesort", ignore_index=True)[columns]


def to_monthly(series: pd.DataFrame) -> pd.Series:
    """The monthly rows of a series as a float Series indexed by ``pd.Period`` (freq M), sorted."""
    monthly = series[series["freq"].eq("M")]
    index = pd.PeriodIndex(monthly["period"], freq="M")
    return pd.Series(monthly["value"].astype(float).to_numpy(), index=index).sort_index()


def compute_attrition(upstream: pd.Series, downstream: pd.Series, lag_months: int = 0) -> pd.DataFrame:
    """Month by month, downstream(t + lag) / upstream(t), for months where both are known.

    ``upstream`` and ``downstream`` are monthly series (``pd.Period`` index). The ratio is
    missing where either count is missing or upstream is 0. A ratio below 1 means fewer
    were counted further along the corridor (or counted differently): two authorities'
    counts, not a share of the same people.
    """
    if lag_months < 0:
        raise CorridorError(f"lag_months must be zero or more, got {lag_months}")
    shifted = downstream.copy()
    shifted.index = shifted.index - lag_months
    frame = pd.DataFrame({"upstream": upstream, "downstream": shifted}).sort_index()
    frame = frame.dropna(how="all")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = frame["downstream"] / frame["upstream"].where(frame["upstream"] != 0)
    frame["ratio"] = ratio
    frame.index.name = "month"
    frame["downstream_month"] = [str(p + lag_months) for p in frame.index]
    return frame.reset_index().assign(month=lambda f: f["month"].astype(str))[
        ["month", "upstream", "downstream_month", "downstream", "ratio"]
    ]


def compute_overall_attrition(attrition: pd.DataFrame) -> float:
    """Sum of downstream over sum of upstream on the months where both are known (``NaN`` if none)."""
    both = attrition.dropna(subset=["upstream", "downstream"])
    total = both["upstream"].sum()
    return float(both["downstream"].sum() / total) if len(both) and total else math.nan


@dataclass(frozen=True)
class LagResult:
    """The lag (months) at which the downstream series best follows the upstream one."""

    lag: int | None
    correlation: float
    months: int
    by_lag: Mapping[int, tuple[float, int]]  # lag -> (correlation, months compared)


def compute_best_lag(
    upstream: pd.Series, downstream: pd.Series, window: tuple[int, int] = (0, 3), min_months: int = 6
) -> LagResult:
    """The lag in ``window`` (months) maximising the Pearson correlation of upstream(t) and downstream(t + lag).

    Only months where both are known count; a lag compared on fewer than ``min_months``
    months, or where either side is constant, has no correlation. Ties go to the shorter
    lag. ``lag`` is ``None`` when no lag in the window can be assessed.
    """
    low, high = window
    if not 0 <= low <= high:
        raise CorridorError(f"lag window must satisfy 0 <= low <= high, got {window}")
    by_lag: dict[int, tuple[float, int]] = {}
    for lag in range(low, high + 1):
        shifted = downstream.copy()
        shifted.index = shifted.index - lag
        both = pd.DataFrame({"u": upstream, "d": shifted}).dropna()
        corr = math.nan
        if len(both) >= min_months and both["u"].std() > 0 and both["d"].std() > 0:
            corr = float(np.corrcoef(both["u"], both["d"])[0, 1])
        by_lag[lag] = (corr, len(both))
    assessed = {lag: c for lag, (c, _) in by_lag.items() if not math.isnan(c)}
    if not assessed:
        return LagResult(None, math.nan, 0, by_lag)
    best = max(sorted(assessed), key=lambda lag: assessed[lag])
    return LagResult(best, assessed[best], by_lag[best][1], by_lag)


def compute_mirror(left: pd.Series, right: pd.Series) -> pd.DataFrame:
    """Both sides of one movement per period, their difference (left - right) and ratio (left / right).

    The two counts are set side by side; they are never added. Periods where one side
    is missing keep it missing, and so are the difference and ratio.
    """
    frame = pd.DataFrame({"left": left, "right": right}).sort_index().dropna(how="all")
    frame["difference"] = frame["left"] - frame["right"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["ratio"] = frame["left"] / frame["right"].where(frame["right"] != 0)
    frame.index.name = "period"
    return frame.reset_index().assign(period=lambda f: f["period"].astype(str))


def compute_chain_points(corridor: Corridor, label_points: pd.DataFrame, nationality: str) -> pd.DataFrame:
    """``node_id``, ``geo_code``, ``lon``, ``lat`` for every node, in chain order (for one nationality).

    A crossing point uses its own coordinates; a territory uses its label point. Raises
    ``CorridorError`` naming any node whose territory has no label point.
    """
    points = label_points.drop_duplicates("geo_code").set_index("geo_code")
    rows, missing = [], []
    for node in corridor.resolved_chain(nationality):
        if node.lon is not None:
            rows.append((node.node_id, node.geo_code, node.lon, node.lat))
        elif node.geo_code in points.index:
            p = points.loc[node.geo_code]
            rows.append((node.node_id, node.geo_code, float(p["label_lon"]), float(p["label_lat"])))
        else:
            missing.append(node.geo_code)
    if missing:
        raise CorridorError(
            f"corridor {corridor.corridor_id!r}: no label point for {missing}; "
            "give these nodes a point: [lon, lat] in corridors.yaml"
        )
    return pd.DataFrame(rows, columns=["node_id", "geo_code", "lon", "lat"])


def compute_path_densified(points: pd.DataFrame, step_km: float = 10.0) -> np.ndarray:
    """The chain as great-circle legs, sampled every ``step_km`` at most: an (n, 2) array of lon, lat."""
    lon = np.radians(points["lon"].to_numpy(float))
    lat = np.radians(points["lat"].to_numpy(float))
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    parts = []
    for a, b in zip(xyz[:-1], xyz[1:]):
        angle = math.acos(max(-1.0, min(1.0, float(a @ b))))
        n = max(2, math.ceil(angle * EARTH_RADIUS_KM / step_km) + 1)
        t = np.linspace(0.0, 1.0, n)[:, None]
        if angle < 1e-12:
            seg = np.repeat(a[None, :], n, axis=0)
        else:
            seg = (np.sin((1 - t) * angle) * a + np.sin(t * angle) * b) / math.sin(angle)
        parts.append(seg)
    if not parts:
        parts = [xyz]
    allxyz = np.vstack(parts)
    return np.column_stack(
        [np.degrees(np.arctan2(allxyz[:, 1], allxyz[:, 0])), np.degrees(np.arcsin(np.clip(allxyz[:, 2], -1, 1)))]
    )


def compute_distance_km(lon: np.ndarray, lat: np.ndarray, path: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) from each point to the nearest sample of ``path`` (haversine)."""
    lon1, lat1 = np.radians(np.asarray(lon, float))[:, None], np.radians(np.asarray(lat, float))[:, None]
    lon2, lat2 = np.radians(path[:, 0])[None, :], np.radians(path[:, 1])[None, :]
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return (
        (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))).min(axis=1)
        if len(path)
        else np.full(len(lon1), np.inf)
    )


def compute_incidents_near(incidents: pd.DataFrame, points: pd.DataFrame, buffer_km: float) -> pd.DataFrame:
    """Incidents within ``buffer_km`` of the chain (great-circle legs between its points), sorted by date.

    Adds ``distance_km``. Incidents without coordinates are left out here and counted by
    the caller.
    """
    if buffer_km <= 0:
        raise CorridorError(f"buffer_km must be positive, got {buffer_km}")
    located = incidents.dropna(subset=["lon", "lat"])
    if located.empty:
        return located.assign(distance_km=pd.Series(dtype=float))
    path = compute_path_densified(points, step_km=min(10.0, buffer_km / 4))
    distance = np.empty(len(located))
    for start in range(0, len(located), 2000):  # bounded memory: 2000 points x path samples at a time
        chunk = located.iloc[start : start + 2000]
        distance[start : start + 2000] = compute_distance_km(chunk["lon"].to_numpy(), chunk["lat"].to_numpy(), path)
    near = located.assign(distance_km=distance)
    near = near[near["distance_km"] <= buffer_km]
    order = [c for c in ("date", "incident_id") if c in near.columns]
    return near.sort_values(order, kind="mergesort", ignore_index=True) if order else near.reset_index(drop=True)


def compute_corridor_incidents(
    incidents: pd.DataFrame, corridor: Corridor, points: pd.DataFrame, nationality: str
) -> pd.DataFrame:
    """Incidents along a corridor: within its buffer of the chain, or on one of its routes in a chain country.

    Adds ``distance_km`` and ``why`` (``buffer`` or ``route``) so that the page can say
    how each point was chosen. Sorted by date, then incident id.
    """
    near = compute_incidents_near(incidents, points, corridor.buffer_km).assign(why="buffer")
    if "incident_id" not in incidents.columns:
        raise CorridorError(f"incidents need an incident_id column, got {list(incidents.columns)}")
    countries = {n.country for n in corridor.resolved_chain(nationality)}
    on_route = incidents[
        incidents["route"].isin(corridor.incident_routes)
        & incidents["country"].isin(countries)
        & incidents["lon"].notna()
        & incidents["lat"].notna()
    ]
    on_route = on_route[~on_route["incident_id"].isin(near["incident_id"])]
    if len(on_route):
        on_route = on_route.assign(
            distance_km=compute_distance_km(
                on_route["lon"].to_numpy(), on_route["lat"].to_numpy(), compute_path_densified(points)
            ),
            why="route",
        )
        near = pd.concat([near, on_route], ignore_index=True)
    order = [c for c in ("date", "incident_id") if c in near.columns]
    return near.sort_values(order, kind="mergesort", ignore_index=True) if order else near.reset_index(drop=True)


# --- a corridor's segments side by side: windowing, attrition between neighbours, mirrors -------------------

SeriesLoader = Callable[[str, str, str, str, str], pd.DataFrame]  # (corridor, kind, item, side, nationality)
SERIES_COLUMNS = [
    "series_id",
    "series",
    "dataset_id",
    "measure",
    "ref_area",
    "counterpart_area",
    "period",
    "freq",
    "time_start",
    "value",
    "unit",
    "obs_status",
]


def compute_in_years(series: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """The periods of ``series`` that start within ``years``; monthly rows only where the series has them.

    A source that published annual totals before its monthly series (the Darién before
    2020) is not drawn as one line: an annual total beside monthly counts would read as a spike.
    """
    start = pd.to_datetime(series["time_start"])
    inside = series[(start.dt.year >= years[0]) & (start.dt.year <= years[1])]
    if inside["freq"].eq("M").any():
        inside = inside[inside["freq"].eq("M")]
    return inside


def _tagged(series: pd.DataFrame, series_id: str, spec: SeriesSpec, nationality: str, lang: str) -> pd.DataFrame:
    return series.assign(
        series_id=series_id,
        series=spec.label(lang),
        dataset_id=spec.dataset_id,
        measure=spec.measure,
        ref_area=spec.ref_area,
        counterpart_area=spec.resolved_counterpart(nationality),
    )[SERIES_COLUMNS]


def compute_segment_frame(
    corridor: Corridor, nationality: str, years: tuple[int, int], load: SeriesLoader, lang: str
) -> pd.DataFrame:
    """Every segment's series for one nationality within ``years``, long format, in chain order."""
    parts = [
        _tagged(
            compute_in_years(load(corridor.corridor_id, "segment", s.segment_id, "", nationality), years),
            s.segment_id,
            s.series,
            nationality,
            lang,
        )
        for s in corridor.segments
    ]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SERIES_COLUMNS)


@dataclass(frozen=True)
class AttritionStep:
    """Lag and ratio between two consecutive segments that both have monthly data."""

    upstream: Segment
    downstream: Segment
    lag: int
    fixed: bool  # the corridor fixes the lag; else the best lag in ``corridor.lag_window``
    correlation: float  # NaN with a fixed lag
    months: int  # months compared
    ratio: float  # downstream / upstream over the months both have


def compute_attrition_steps(corridor: Corridor, segments: pd.DataFrame) -> tuple[list[AttritionStep], pd.DataFrame]:
    """The steps between consecutive segments with monthly data, and the month-by-month ratios.

    Segments without monthly data for this nationality are skipped, so the comparison is
    between the nearest two that have it. Series are compared, never added up.
    """
    monthly = [(s, to_monthly(segments[segments["series_id"].eq(s.segment_id)])) for s in corridor.segments]
    monthly = [(s, m) for s, m in monthly if m.notna().any()]
    steps, ratios = [], []
    for (up_seg, up), (down_seg, down) in zip(monthly[:-1], monthly[1:]):
        if corridor.fixed_lag is not None:
            lag, corr, months, fixed = corridor.fixed_lag, float("nan"), None, True
        else:
            result = compute_best_lag(up, down, corridor.lag_window)
            lag = result.lag if result.lag is not None else corridor.lag_window[0]
            corr, months, fixed = result.correlation, result.months, False
        attrition = compute_attrition(up, down, lag)
        both = attrition.dropna(subset=["upstream", "downstream"])
        steps.append(
            AttritionStep(
                up_seg,
                down_seg,
                lag,
                fixed,
                corr,
                months if months is not None else len(both),
                compute_overall_attrition(attrition),
            )
        )
        ratios.append(attrition.assign(pair=f"{up_seg.segment_id} → {down_seg.segment_id}"))
    return steps, (pd.concat(ratios, ignore_index=True) if ratios else pd.DataFrame())


def compute_mirror_frames(
    corridor: Corridor, nationality: str, years: tuple[int, int], load: SeriesLoader, lang: str
) -> list[tuple[Mirror, pd.DataFrame, pd.DataFrame]]:
    """For each mirror: the comparison table (A, B, difference, ratio) and both series in long format."""
    out = []
    for mirror in corridor.mirrors:
        sides = {
            side: compute_in_years(load(corridor.corridor_id, "mirror", mirror.mirror_id, side, nationality), years)
            for side in ("left", "right")
        }
        long = pd.concat(
            [
                _tagged(sides["left"], f"{mirror.mirror_id}_a", mirror.left, nationality, lang),
                _tagged(sides["right"], f"{mirror.mirror_id}_b", mirror.right, nationality, lang),
            ],
            ignore_index=True,
        )
        table = compute_mirror(sides["left"].set_index("period")["value"], sides["right"].set_index("period")["value"])
        out.append((mirror, table, long))
    return out
