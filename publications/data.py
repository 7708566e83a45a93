"""Loaders: everything a publication reads from the store and the geometry, cached per data version.

Each loader is keyed on small arguments plus the store's fingerprint
(``etl.store.data_version()``), so all the bulletins built in one process share one read
of each indicator and flow view, and a rebuilt store is read again. Callers never mutate
what these return (frames are shared).
"""

from __future__ import annotations

import functools
import os

import pandas as pd

ATLAS_URL_ENV = "ATLAS_PUBLIC_URL"
DEFAULT_ATLAS_URL = "http://localhost:8501"


def atlas_url() -> str:
    """The public address of the atlas used in view links (``$ATLAS_PUBLIC_URL``, default localhost)."""
    return os.environ.get(ATLAS_URL_ENV, DEFAULT_ATLAS_URL).rstrip("/")


def fingerprint() -> str:
    """The store's cheap fingerprint (changes whenever the data change)."""
    from etl.store import data_version

    return data_version()


def load_data_version() -> str:
    """The data version stated on every publication: ``"<build time UTC> · <content hash>"``."""
    return _data_version(fingerprint())


@functools.lru_cache(maxsize=4)
def _data_version(_fp: str) -> str:
    from etl.crosstab.version import load_data_version as load
    from etl.store import connect

    with connect() as con:
        return load(con)


def load_indicator(indicator_id: str, level: str) -> pd.DataFrame:
    """``indicators.compute(indicator_id, level)`` for every period (with sources), shared per data version."""
    return _indicator(indicator_id, level, fingerprint())


@functools.lru_cache(maxsize=128)
def _indicator(indicator_id: str, level: str, _fp: str) -> pd.DataFrame:
    import indicators

    return indicators.compute(indicator_id, level)


def load_flow_observations(view_id: str) -> pd.DataFrame:
    """Every observation of a flow view (``indicators.flows``), shared per data version."""
    return _flow_obs(view_id, fingerprint())


@functools.lru_cache(maxsize=32)
def _flow_obs(view_id: str, _fp: str) -> pd.DataFrame:
    from etl.store import connect
    from indicators.flows import load_flow_observations as load
    from indicators.flows import load_flow_views

    with connect() as con:
        return load(load_flow_views()[view_id], con)


def load_flow_periods(view_id: str) -> list[str]:
    """The yearly period labels of a flow view (``2023`` or ``FY2023``), in time order."""
    return _flow_periods(view_id, fingerprint())


@functools.lru_cache(maxsize=32)
def _flow_periods(view_id: str, fp: str) -> list[str]:
    from indicators.flows import compute_periods, load_flow_views

    view = load_flow_views()[view_id]
    return compute_periods(_flow_obs(view_id, fp), "year", view.year_basis)


def load_flows(view_id: str, period: str) -> pd.DataFrame:
    """Origin -> destination flows of a view in one yearly period (``indicators.flows.compute_flows``)."""
    return _flows(view_id, period, fingerprint())


@functools.lru_cache(maxsize=256)
def _flows(view_id: str, period: str, fp: str) -> pd.DataFrame:
    from indicators.flows import compute_flows, load_flow_views

    return compute_flows(_flow_obs(view_id, fp), load_flow_views()[view_id], period, "_T")


def load_flow_coverage(view_id: str) -> pd.DataFrame:
    """Months reported per yearly period of a view (a partial year is said to be partial)."""
    return _flow_coverage(view_id, fingerprint())


@functools.lru_cache(maxsize=32)
def _flow_coverage(view_id: str, fp: str) -> pd.DataFrame:
    from indicators.flows import compute_period_coverage, load_flow_views

    view = load_flow_views()[view_id]
    return compute_period_coverage(_flow_obs(view_id, fp), "year", view.year_basis)


def load_series(
    dataset_id: str, measure: str, ref_area: str, counterpart: str, filters: tuple[tuple[str, str], ...] = ()
) -> pd.DataFrame:
    """One corridor series (``indicators.corridors.compute_series``): period, freq, value, unit, status."""
    return _series(dataset_id, measure, ref_area, counterpart, filters, fingerprint())


@functools.lru_cache(maxsize=1024)
def _series(dataset_id: str, measure: str, ref_area: str, counterpart: str, filters: tuple, _fp: str) -> pd.DataFrame:
    from etl.store import connect
    from indicators.corridors import SeriesSpec, compute_series, load_series_observations

    spec = SeriesSpec(dataset_id, measure, ref_area, counterpart, dict(filters))
    with connect() as con:
        return compute_series(load_series_observations(spec, counterpart, con))


def load_datasets() -> pd.DataFrame:
    """The public datasets with their provenance, indexed by ``dataset_id``."""
    return _datasets(fingerprint())


@functools.lru_cache(maxsize=4)
def _datasets(_fp: str) -> pd.DataFrame:
    from indicators.store import load_datasets as load

    return load().set_index("dataset_id")


def load_unit_names() -> dict[str, dict[str, str]]:
    """``{unit: {"es": name, "en": name}}`` from the store's codelist."""
    return _unit_names(fingerprint())


@functools.lru_cache(maxsize=4)
def _unit_names(_fp: str) -> dict[str, dict[str, str]]:
    from indicators.store import load_unit_names as load

    return load()


@functools.lru_cache(maxsize=1)
def load_names() -> dict[str, dict[str, str]]:
    """``{geo_code: {"es": name, "en": name}}`` for every territory of the gazetteer (plus _X)."""
    import geodata

    gaz = geodata.gazetteer()
    out = {code: {"es": es, "en": en} for code, es, en in zip(gaz["geo_code"], gaz["name_es"], gaz["name_en"])}
    out.setdefault("_X", {"es": "Otro o desconocido", "en": "Other or unknown"})
    return out


def territory_name(code: str, lang: str) -> str:
    """The name of a territory in ``lang``, or the code itself when the gazetteer has none."""
    return load_names().get(code, {}).get(lang) or code


@functools.lru_cache(maxsize=1)
def load_network() -> tuple[str, ...]:
    """The twelve network countries (ISO3), from the gazetteer."""
    from geodata.gazetteer import network_countries

    return tuple(network_countries())


def load_geometry(level: str, detail: str):
    """Built boundaries (``geodata.load_boundaries``): GeoDataFrame with ``geo_code``, ``parent_code``, names."""
    return _geometry(level, detail, fingerprint())


@functools.lru_cache(maxsize=8)
def _geometry(level: str, detail: str, _fp: str):
    import geodata

    return geodata.load_boundaries(level, detail)


def load_label_points() -> dict[str, tuple[float, float]]:
    """``{geo_code: (lon, lat)}``: a label point per country (flow ends)."""
    return _label_points(fingerprint())


@functools.lru_cache(maxsize=4)
def _label_points(fp: str) -> dict[str, tuple[float, float]]:
    countries = _geometry("country", "region", fp)
    return {
        c: (float(x), float(y))
        for c, x, y in zip(countries["geo_code"], countries["label_lon"], countries["label_lat"])
    }


def load_flow_months(view_id: str) -> list[str]:
    """The monthly period labels (``YYYY-MM``) of a flow view with a month step, in time order (else empty)."""
    return _flow_months(view_id, fingerprint())


@functools.lru_cache(maxsize=32)
def _flow_months(view_id: str, fp: str) -> list[str]:
    from indicators.flows import compute_periods, load_flow_views

    view = load_flow_views()[view_id]
    if "month" not in view.steps:
        return []
    return compute_periods(_flow_obs(view_id, fp), "month", view.year_basis)


def load_month_flows(view_id: str, month: str) -> pd.DataFrame:
    """Origin -> destination flows of a view in one month (``compute_flows(..., step="month")``)."""
    return _month_flows(view_id, month, fingerprint())


@functools.lru_cache(maxsize=512)
def _month_flows(view_id: str, month: str, fp: str) -> pd.DataFrame:
    from indicators.flows import compute_flows, load_flow_views

    return compute_flows(_flow_obs(view_id, fp), load_flow_views()[view_id], month, "_T", step="month")


def load_monthly_observations(dataset_id: str, measure: str) -> pd.DataFrame:
    """Monthly totals (sex and age ``_T``) of a dataset's measure with no partner (``_Z``), per country:
    ``country, month, value`` where admin-1 rows count in their country (as the indicator's roll-up does).
    A month with no row has nothing recorded; it is not a zero in this frame."""
    return _monthly_obs(dataset_id, measure, fingerprint())


@functools.lru_cache(maxsize=16)
def _monthly_obs(dataset_id: str, measure: str, _fp: str) -> pd.DataFrame:
    import geodata
    from etl.store import connect

    sql = (
        "SELECT ref_area, time_period AS month, value FROM public_observations WHERE dataset_id = ? AND measure = ? "
        "AND freq = 'M' AND sex = '_T' AND age = '_T' AND counterpart_area = '_Z' AND value IS NOT NULL"
    )
    with connect() as con:
        obs = con.execute(sql, [dataset_id, measure]).df()
    gaz = geodata.gazetteer()
    parent = dict(zip(gaz["geo_code"], gaz["parent_code"].where(gaz["level"].eq("admin1"), gaz["geo_code"])))
    obs["country"] = obs["ref_area"].map(parent).fillna(obs["ref_area"])
    out = obs.groupby(["country", "month"], as_index=False)["value"].sum()
    return out.sort_values(["country", "month"]).reset_index(drop=True)
